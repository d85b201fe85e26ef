"""Bundled demo content about the fictional kitchen-appliance brand 青禾 (and a competitor, 星澜汽车).

Written for this project; every name, product and event is invented.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from demo.world import DemoPost

NEWS = [
    ("青禾发布新一代空气炸锅，主打少油健康", "青禾今日在杭州发布新一代空气炸锅，加热更均匀，售价699元，首批用户评价不错。", "演示财经"),
    ("青禾电饭煲获年度设计奖", "青禾的电饭煲凭借简洁的外观设计获得年度设计奖，团队表示会继续提升做饭口感。", "演示家电网"),
    ("消费者投诉青禾破壁机噪音大、客服推诿", "多名消费者反映青禾破壁机使用一个月后噪音明显变大，联系客服多次无人处理，售后一直推诿。", "演示消费报"),
    ("星澜汽车交付新车型，订单排到明年", "星澜汽车本周开始交付新车型，官方称订单已经排到明年春季。", "演示汽车频道"),
    ("本地天气：周末有小雨", "气象台预计周末有小雨，气温下降，请注意添衣。", "演示晚报"),
]

PORTAL = [
    ("青禾空气炸锅618销量创新高", "据演示门户报道，青禾空气炸锅在618期间销量同比增长，用户好评率高。", "门户记者"),
    ("網友稱青禾電飯煲內膽塗層脫落，客服態度冷淡", "有網友發帖稱青禾電飯煲使用半年內膽塗層脫落，客服態度冷淡，要求退貨被拒。", "门户网友"),
]

BLOG = [
    ("我的青禾破壁机使用体验", "用了青禾破壁机三个月，打豆浆很细腻，清洗方便，总体满意。", "厨房小白"),
    ("一周食谱分享", "分享一周的家常菜食谱，简单好做。", "美食博主"),
]


def quiet_posts(now: datetime) -> list[DemoPost]:
    """A few days of ordinary coverage: mostly neutral or positive, one complaint, some off-topic items."""
    posts = []
    for site, rows in (("news", NEWS), ("portal", PORTAL), ("blog", BLOG)):
        for index, (title, text, author) in enumerate(rows):
            posts.append(DemoPost(site=site, id=f"{site}{1000 + index}", title=title, text=text, author=author,
                                  published_at=now - timedelta(hours=6 * index + 1)))
    return posts
