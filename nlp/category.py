"""Complaint category of a negative mention, from weighted cue phrases.

A text is a complaint when the sentiment model calls it negative (P(positive) < 0.5); other texts get
category ``None``. A complaint whose cues name no category, or whose cues are about price and billing,
privacy and harassment, account and membership rules or the premises, is 其他.

Cues are substrings of the simplified text, not tokens, so they hold however jieba cut the sentence. Weight 3
is a phrase that settles the category on its own (送错, 态度恶劣), 2 a strong hint, 1 a topic word that only
breaks ties (快递, 客服). The category with the highest sum wins; ties go to the earlier category in
``CATEGORIES``, the more concrete one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

CATEGORIES = ("产品质量", "服务态度", "交付物流", "售后", "信息沟通", "其他")
OTHER = "其他"

CUES: Mapping[str, Mapping[str, int]] = {
    "产品质量": {
        **dict.fromkeys(
            "质量问题 质量差 质量太差 做工 瑕疵 次品 残次品 假货 山寨 异响 死机 黑屏 蓝屏 闪退 "
            "卡顿 失灵 故障 漏水 漏油 漏电 漏光 短路 鼓包 起火 自燃 爆炸 冒烟 开裂 开胶 断裂 "
            "掉漆 掉色 褪色 生锈 起球 跑绒 塌陷 变形 发霉 变质 馊 腐烂 烂的 不新鲜 异物 虫子 "
            "头发 异味 怪味 刺鼻 甲醛 过敏 拉肚子 食物中毒 发烫 发热严重 断网 掉线 缺陷 松动 "
            "不能用 用不了 坏了 不合格 超标 上吐下泻 不制冷 不制热 坏点 卡纸".split(),
            3,
        ),
        **dict.fromkeys(
            "质量 做工差 电池 屏幕 续航 耗电 信号 发热 噪音大 故障灯 刹车 保质期 划痕 没几天 不灵 质检 "
            "材质 发酸 危险".split(),
            2,
        ),
        **dict.fromkeys("问题 东西 效果 功能 味道 声音 用了 吃了 喝了 产品 数据 掉".split(), 1),
    },
    "服务态度": {
        **dict.fromkeys(
            "态度差 态度恶劣 态度很差 服务态度 语气很差 不耐烦 爱答不理 爱理不理 理都不理 翻白眼 "
            "甩脸色 冷嘲热讽 冷言冷语 阴阳怪气 嘲笑 嘲讽 讽刺 骂 吼 凶 贬低 看不起 瞧不起 歧视 "
            "不尊重 没礼貌 不礼貌 没有礼貌 素质 傲慢 冷漠 一问三不知 不专业 威胁 吵架 恶劣 怪我 事多 "
            "黑着脸 板着脸 冷着脸 不听".split(),
            3,
        ),
        **dict.fromkeys(
            "脸色 态度 店员 导购 服务员 营业员 收银员 柜员 前台 销售 顾问 教练 司机 师傅 工作人员 "
            "员工 保安 护士 护工 老师 店长 经理 老板娘".split(),
            1,
        ),
    },
    "交付物流": {
        **dict.fromkeys(
            "物流 快递 包裹 配送 送货 送达 派送 揽收 中转 驿站 快递柜 签收 冒领 丢件 丢了 弄丢 "
            "少发 漏发 发错 送错 错发 暴力分拣 压扁 压坏 摔坏 磕 外包装 送到 送来 到货 到手 "
            "发货 未发货 还没到 没收到 未收到 交付 交车 提车 运输 清关 托运 行李 骑手 配送员 "
            "送餐 一拖再拖 超时 迟到 送晚 洒了 撒了 凉了 不送上门 外箱 少送 没发".split(),
            3,
        ),
        **dict.fromkeys("路上 包装".split(), 1),
    },
    "售后": {
        **dict.fromkeys(
            "售后 维修 修好 修完 送修 报修 返修 返厂 寄修 保修 保修期 质保 延保 三包 保养 退货 "
            "退款 退费 退票 退钱 不退 不给退 不能退 拒绝退 仅退款 换货 不给换 理赔 赔付 赔偿 "
            "价保 工单 人为损坏 踢皮球 推诿 自费 加钱 手续费 一拖再拖 召回 检测费 上门费 退全款 "
            "不给保 不保修 不保了 没人管 不管了 处理方案 押金 退不回 扣钱 不来修".split(),
            3,
        ),
        **dict.fromkeys("修 换 退 4S店 申请 审核 师傅 拖 配件".split(), 1),
        **dict.fromkeys("安装".split(), 2),
    },
    "信息沟通": {
        **dict.fromkeys(
            "虚假宣传 虚假广告 夸大 宣传 广告 广告里 描述 详情页 图片 与实物 货不对板 误导 欺骗 "
            "隐瞒 没告知 不告知 不告诉 没通知 通知 不回 没回 不回复 没有回复 没人回复 没消息 "
            "联系不上 打不通 没人接 无人接听 占线 机器人 自动回复 模板 话术 承诺 标价 宣称 号称 "
            "口径 说明书 没写清楚 翻新 没人联系 联系我 不说 没说 没提前说 没人说".split(),
            3,
        ),
        **dict.fromkeys("客服 电话 消息 短信 回复 说明 信息 官网 直播间 主播 合同 规则".split(), 1),
        **dict.fromkeys("写着 写的是 说是 说好的 说的是".split(), 2),
    },
    OTHER: {
        **dict.fromkeys(
            "杀熟 涨价 贵了 太贵 收费 乱收费 扣费 自动续费 续费 会员 积分 优惠券 服务费 个人信息 "
            "泄露 隐私 营销 骚扰 推送 封号 被封 账号 排队 停车 噪音 抽奖 管理费 超时费 年费 物业费 "
            "配送费 门票 "
            "推销电话 营销短信 弹广告 预装 授权 强制更新 搭售 好评返现 黄牛 叫号 施工 吸烟".split(),
            3,
        ),
        **dict.fromkeys("价格 便宜 贵 钱 吵".split(), 1),
    },
}

_CUE_WEIGHTS: dict[str, list[tuple[int, int]]] = {}
for _index, _category in enumerate(CATEGORIES):
    for _cue, _weight in CUES[_category].items():
        _CUE_WEIGHTS.setdefault(_cue, []).append((_index, _weight))
# Longest first so 态度恶劣 is matched whole rather than as 态度.
_CUE_RE = re.compile("|".join(re.escape(cue) for cue in sorted(_CUE_WEIGHTS, key=len, reverse=True)))


def category_scores(text: str) -> list[int]:
    """The summed cue weight of each category (same order as ``CATEGORIES``) in a simplified text."""
    scores = [0] * len(CATEGORIES)
    for cue in _CUE_RE.findall(text):
        for index, weight in _CUE_WEIGHTS[cue]:
            scores[index] += weight
    return scores


def categorize(text: str, is_complaint: bool) -> str | None:
    """The complaint category of a simplified text, ``None`` when it is not a complaint."""
    if not is_complaint:
        return None
    scores = category_scores(text)
    best = max(scores)
    return CATEGORIES[scores.index(best)] if best > 0 else OTHER
