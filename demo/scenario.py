"""The demo's scripted story: quiet days for the fictional kitchen-appliance brand 青禾, then an air-fryer fire.

A complaint on 黑猫投诉 (heimao) is echoed on 青禾吧 (Tieba) and a Discuz appliance board, spreads on Weibo across
regions, is picked up by media accounts and finally by news sites, until 青禾 apologises and recalls the batch.
Every person, account, outlet and event is invented. Times are offsets from the moment the crisis begins, so the
same story can be told on any clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from demo.world import DemoPost

# Weibo's verified_type: 0 a verified person, 2 an organisation, 3 a media outlet.
PERSON, ORGANISATION, MEDIA = 0, 2, 3
BRAND_OFFICIAL = "青禾电器官方微博"
# Where the story is told on the sites whose sources name a board or a shop.
TIEBA_FORUM = "青禾"
DISCUZ_BOARD = 36
DIANPING_SHOP = "H8qingHe01"


@dataclass(frozen=True)
class Beat:
    """A turn of the story, shown on the demo's progress line when the simulated clock reaches it."""

    at: timedelta
    text: str


BEATS = [
    Beat(timedelta(0), "平静期：日常讨论、测评与零星售后抱怨"),
    Beat(timedelta(minutes=40), "黑猫投诉：杭州用户称青禾空气炸锅冒烟、有焦糊味"),
    Beat(timedelta(hours=2, minutes=45), "扩散到青禾吧、家电论坛和微博，多地用户称遇到冒烟"),
    Beat(timedelta(hours=6, minutes=25), "黑猫投诉：空气炸锅起火，孩子被烫伤送医"),
    Beat(timedelta(hours=7), "测评大V复现起火风险，维权律师发声"),
    Beat(timedelta(hours=8), "媒体账号报道，话题冲上热搜"),
    Beat(timedelta(hours=9, minutes=20), "新闻网站跟进报道，监管部门介入"),
    Beat(timedelta(hours=11, minutes=5), "青禾发布致歉声明并宣布召回"),
    Beat(timedelta(hours=11, minutes=40), "退换顺利、舆论回落：用户开始肯定青禾的处理"),
]

# How long the story runs after the crisis begins; the demo's clock stops here, an hour into the recovery.
DURATION = timedelta(hours=13)
QUIET_DAYS = 6


@dataclass(frozen=True)
class Scenario:
    crisis_at: datetime
    posts: list[DemoPost]

    @property
    def ends_at(self) -> datetime:
        return self.crisis_at + DURATION

    def beat_at(self, moment: datetime) -> Beat:
        passed = [beat for beat in BEATS if self.crisis_at + beat.at <= moment]
        return passed[-1] if passed else BEATS[0]


def build(crisis_at: datetime) -> Scenario:
    """The whole story with the crisis beginning at ``crisis_at``; the quiet days come before it."""
    rng = random.Random(20261120)
    posts = [*quiet_days(crisis_at, rng), *crisis(crisis_at, rng)]
    return Scenario(crisis_at, sorted(posts, key=lambda post: post.published_at))


def _post(site: str, post_id: str, at: datetime, title: str, text: str, author: str, **extra) -> DemoPost:
    return DemoPost(site=site, id=post_id, title=title, text=text, author=author, published_at=at, **extra)


# --- quiet days: what a normal week looks like -------------------------------------------------------------------

QUIET_WEIBO = [
    ("周末用青禾空气炸锅做了烤鸡翅，二十分钟搞定，外酥里嫩，孩子吃光了 #空气炸锅食谱#", "爱做饭的小鹿", "上海", 3200),
    ("青禾电饭煲煮的米饭真的香，柴火饭模式名不虚传，推荐给刚搬家的朋友", "北漂的阿杰", "北京", 860),
    ("早上用青禾破壁机打了豆浆，不用过滤，口感很细，就是声音有点大", "营养师林林", "广东", 15400),
    ("618入手的青禾空气炸锅用了半年，没什么毛病，清洗也方便", "上班族小周", "江苏", 420),
    ("有没有人用过青禾的破壁机？想给爸妈买一台，求推荐", "成都吃货团", "四川", 5100),
    ("青禾空气炸锅做薯条比油炸的健康多了，减脂期必备", "健身的老王", "浙江", 2300),
    ("青禾电饭煲预约功能很实用，下班回家饭就好了", "武汉小厨娘", "湖北", 980),
    ("青禾客服态度还行，电饭煲内胆有划痕给换了新的", "慢生活的猫", "福建", 310),
]

QUIET_TIEBA = [
    ("青禾空气炸锅Q5和Q3有什么区别？", "看了参数Q5容量大一点，有没有吧友用过，值不值得多花一百块", "厨房新手2026"),
    ("晒一下我的青禾破壁机早餐", "每天早上五谷豆浆，配上煎蛋，幸福感满满", "早起的鸟儿"),
    ("青禾电饭煲内胆涂层脱落怎么办", "用了一年多内胆开始掉涂层，联系售后说过了保修期，有点失望", "米饭爱好者"),
    ("空气炸锅纸用青禾的还是通用的？", "有没有必要买原装的，通用的便宜一半", "省钱小能手"),
]

QUIET_DISCUZ = [
    ("【横评】五款空气炸锅实测：青禾Q5加热均匀度第二", "测了温度曲线和噪音，青禾Q5整体不错，价格偏高", "家电老炮"),
    ("青禾破壁机拆机：电机用料扎实", "拆开看了一下，电机和刀组做工可以，散热设计一般", "拆机狂人"),
    ("求助：青禾电饭煲E3故障码", "今天煮饭突然报E3，说明书上写是传感器问题，有没有坛友遇到过", "老张家电维修"),
]

QUIET_ZHIHU = [
    ("2026年空气炸锅怎么选？", "预算七百以内，青禾Q5和几个老牌子都可以考虑，青禾的优点是容量大、温控准，缺点是外壳比较烫",
     "家电选购指南"),
    ("青禾这个牌子怎么样？", "杭州的新锐小家电品牌，设计好看，性价比中上，售后口碑一般，主要是响应慢", "消费观察员"),
]

QUIET_DIANPING = [
    ("青禾电器体验店（西湖店）", "青禾的店员讲解很耐心，现场试吃空气炸锅做的蛋挞，最后买了一台", "吃喝玩乐在杭州", 5.0),
    ("青禾电器体验店（西湖店）", "周末人有点多，排队试用青禾新品等了二十分钟，产品还不错", "周末去哪儿", 4.0),
    ("青禾电器体验店（徐汇店）", "买的青禾破壁机有问题来换，店里直接换新，效率很高", "魔都小白", 4.5),
]

QUIET_NEWS = [
    ("青禾发布新一代空气炸锅，主打少油健康", "青禾今日在杭州发布新一代空气炸锅Q5，加热更均匀，售价699元，首批用户评价不错。",
     "演示财经"),
    ("小家电市场回暖，空气炸锅销量同比增长", "行业数据显示，空气炸锅等厨房小家电销量回暖，青禾等新锐品牌增长较快。", "演示家电网"),
    ("星澜汽车交付新车型，订单排到明年", "星澜汽车本周开始交付新车型，官方称订单已经排到明年春季。", "演示汽车频道"),
    ("本地天气：周末有小雨", "气象台预计周末有小雨，气温下降，请注意添衣。", "演示晚报"),
]


def quiet_days(crisis_at: datetime, rng: random.Random) -> list[DemoPost]:
    posts: list[DemoPost] = []
    start = crisis_at - timedelta(days=QUIET_DAYS)

    def when(index: int, total: int) -> datetime:
        # Spread over the quiet days, in daytime hours, never after the crisis begins.
        day = start + timedelta(days=QUIET_DAYS * index / total)
        return min(day.replace(minute=rng.randrange(60)) + timedelta(hours=rng.randrange(0, 5)),
                   crisis_at - timedelta(minutes=30))

    for n, (text, author, region, followers) in enumerate(QUIET_WEIBO):
        posts.append(_post("weibo", f"{4900000 + n}", when(n, len(QUIET_WEIBO)), "", text, author, region=region,
                           followers=followers, verified_type=-1, reposts=rng.randrange(0, 20),
                           comments=rng.randrange(0, 30), likes=rng.randrange(5, 200)))
    for n, (title, text, author) in enumerate(QUIET_TIEBA):
        posts.append(_post("tieba", f"{8100000 + n}", when(n, len(QUIET_TIEBA)), title, text, author,
                           comments=rng.randrange(2, 40), extra={"forum": TIEBA_FORUM}))
    for n, (title, text, author) in enumerate(QUIET_DISCUZ):
        posts.append(_post("discuz", f"{52000 + n}", when(n, len(QUIET_DISCUZ)), title, text, author,
                           comments=rng.randrange(3, 60), extra={"fid": DISCUZ_BOARD}))
    for n, (title, text, author) in enumerate(QUIET_ZHIHU):
        posts.append(_post("zhihu", f"{61000000 + n}", when(n, len(QUIET_ZHIHU)), title, text, author,
                           likes=rng.randrange(10, 900), comments=rng.randrange(0, 80)))
    for n, (shop, text, author, rating) in enumerate(QUIET_DIANPING):
        posts.append(_post("dianping", f"{700000 + n}", when(n, len(QUIET_DIANPING)), shop, text, author,
                           rating=rating, region="浙江" if "西湖" in shop else "上海",
                           extra={"shop": DIANPING_SHOP}))
    for n, (title, text, author) in enumerate(QUIET_NEWS):
        posts.append(_post("news", f"q{1000 + n}", when(n, len(QUIET_NEWS)), title, text, author))
    posts.append(_post("portal", "q2000", when(1, 3), "青禾空气炸锅双十一销量创新高",
                       "据演示门户报道，青禾空气炸锅在双十一期间销量同比增长，用户好评率高。", "门户记者"))
    posts.append(_post("blog", "q3000", when(2, 3), "我的青禾破壁机使用体验",
                       "用了青禾破壁机三个月，打豆浆很细腻，清洗方便，总体满意。", "厨房小白"))
    return posts


# --- the crisis -----------------------------------------------------------------------------------------------------

# The story escalates the way such stories do, and the way the grading in nlp.grade reads them: first complaints
# of smoke (one safety word: 严重 mentions), then the same from many regions on forums and Weibo, and only then the
# fire that burnt a child, the influencers, the media and the news (重大).
HEIMAO = [
    (40, "青禾空气炸锅冒烟，有塑料焦糊味，客服敷衍",
     "11月买的青禾空气炸锅Q5，今天做鸡翅时机器突然冒烟，一股塑料焦糊味，赶紧拔了插头。联系青禾客服，"
     "只说寄回检测，问什么时候有结果也说不清，态度敷衍。诉求：退款。", "杭州的李女士", "浙江"),
    (95, "青禾空气炸锅底部冒烟，客服说是个例拒绝退货",
     "青禾Q5空气炸锅用了不到两个月，底部冒烟，外壳烫得不能碰。客服说是个例，拒绝退货，只能寄修，太失望了。",
     "南京用户王先生", "江苏"),
    (140, "青禾空气炸锅有焦糊味，底部发黑，一周没人处理",
     "青禾空气炸锅加热时有焦糊味，底部电路板位置发黑，拍了照片发给客服，一周没人回复，要求退款。", "合肥陈女士",
     "安徽"),
    (250, "青禾空气炸锅外壳变形冒烟，要求退货",
     "青禾空气炸锅外壳受热变形，还在冒烟，家里人都不敢用了。客服电话一直占线，要求退货退款。", "广州刘女士", "广东"),
    (320, "青禾Q5空气炸锅冒烟，老人被吓到",
     "家里老人用青禾空气炸锅热馒头，机器冒烟还有火星，老人吓坏了。客服电话一直打不通，非常生气。", "成都周先生",
     "四川"),
    (385, "青禾空气炸锅起火，孩子手被烫伤送医，客服推诿",
     "青禾空气炸锅Q5使用中起火，孩子去拔插头手被烫伤起泡，送医花了八百多。青禾客服只让寄回检测，对烫伤不闻不问，"
     "态度推诿。诉求：退款、赔偿医药费、公开说明原因。", "杭州的李女士", "浙江"),
    (470, "青禾空气炸锅起火烧坏橱柜，只退机器不赔偿",
     "空气炸锅放在橱柜上使用时起火，把橱柜熏黑烧坏了，青禾客服只愿意退机器，不赔偿损失，要求退一赔三。", "苏州张先生",
     "江苏"),
]

TIEBA = [
    (165, "有人的青禾空气炸锅冒烟吗？", "我家的Q5今天也冒烟了，吓得不敢用了，是不是这批有问题", "广州打工人", "广东"),
    (215, "我家的青禾空气炸锅也有焦糊味", "同款Q5，上周就有焦糊味，以为是食物残渣，现在看来是机器的问题，客服还推诿",
     "青禾老用户", "湖南"),
    (290, "青禾客服回复：个例，寄回检测", "客服原话：个例，寄回检测，不退货。这种态度让人很失望", "愤怒的吧友", "江苏"),
    (430, "青禾空气炸锅起火维权群", "孩子都烫伤了还说个例？受害者集中一下，准备一起投诉，要求退款赔偿", "维权小分队",
     "浙江"),
]

DISCUZ = [
    (200, "青禾Q5空气炸锅焦糊味问题汇总", "黑猫和贴吧已经有好几位坛友反映青禾Q5有焦糊味、底部发黑，集中在11月批次，"
     "怀疑是温控元件的问题，大家用的时候留意一下。", "家电老炮", "上海"),
    (275, "拆了一台冒烟的青禾Q5：温控保险丝没熔断", "坛友寄来一台冒烟的Q5，拆开发现温控保险丝没有熔断，电路板有烧蚀，"
     "设计缺陷的可能性大。", "拆机狂人", "广东"),
    (450, "青禾的危机公关太差了", "出了起火烫伤这种事故，到现在没有公开说明，客服还在说个例，这种态度很难再信任",
     "老张家电维修", "北京"),
]

# Ordinary users, before the fire: one complaint word at most, small accounts, a different region each time.
WEIBO_EARLY = [
    "我家青禾空气炸锅也冒烟了，吓死人，已经拔了插头不敢用了",
    "同款青禾Q5，昨天有焦糊味，还以为是我的问题，原来不止我一个，客服还说是个例",
    "青禾空气炸锅用了一个月底部发黑，客服推来推去，失望",
    "看到有人说青禾空气炸锅冒烟，赶紧检查了一下家里那台，也是11月的批次，先不用了",
    "青禾客服的处理态度太差了，寄回检测要一个月，退货也不给退",
]

# After the fire: anger, collective action, calls for a recall.
WEIBO_LATE = [
    "心疼那个被烫伤的孩子，青禾你们的良心呢？出了起火事故就推诿 #青禾空气炸锅起火#",
    "青禾客服说是个例？网上几十个人冒烟起火了还个例，这是安全隐患，必须召回 #青禾空气炸锅起火#",
    "再也不买青禾了，空气炸锅起火这么严重的事，客服一问三不知",
    "转发提醒家人朋友：青禾空气炸锅Q5 11月批次有起火风险，暂停使用 #青禾空气炸锅起火#",
    "青禾空气炸锅起火事件越闹越大，品牌到现在都没回应，失望透顶，支持维权",
    "已经加入青禾空气炸锅维权群了，大家一起投诉，要求退一赔三 #青禾空气炸锅起火#",
]

REGIONS = ["上海", "北京", "湖北", "山东", "河南", "福建", "湖南", "陕西", "辽宁", "重庆", "天津", "浙江", "江苏",
           "广东", "四川", "安徽"]
NICKNAMES = ["爱吃辣的小王", "杭漂阿宁", "两个孩子的妈", "奶茶续命", "程序员老李", "周末烘焙", "宝妈日记",
             "今天也要加油", "南方小雨", "北方的狼", "吃土少女", "熬夜冠军", "海边的风", "山城小妹", "夜跑的人",
             "退休的老陈", "考研人", "追剧达人", "家有萌娃", "咖啡不加糖"]

WEIBO_INFLUENCERS = [
    (420, "数码家电测评师", 1_260_000, PERSON, "实测｜青禾Q5空气炸锅温控失效复现：空烧12分钟外壳超过180度并冒烟，"
     "存在起火风险，建议大家暂停使用。青禾需要尽快给出说明 #青禾空气炸锅起火#", 8200, 3100, 26000),
    (455, "消费维权律师周明", 480_000, PERSON, "青禾空气炸锅起火致儿童烫伤，经营者应当依法承担赔偿责任；"
     "产品存在安全缺陷的，应当主动召回。受害消费者可保留证据投诉。", 2600, 900, 9100),
]

WEIBO_MEDIA = [
    (480, "演示都市报", 3_200_000, "【多地用户反映青禾空气炸锅使用中起火冒烟】近日，浙江、江苏、广东等地多名消费者在投诉平台反映，"
     "青禾空气炸锅Q5在使用中起火、冒烟，有儿童被烫伤。记者联系青禾客服，对方称正在核实。", 5400, 2100, 18000),
    (510, "演示新闻频道", 8_600_000, "#青禾空气炸锅起火# 消费者投诉青禾空气炸锅起火烫伤儿童，多地出现类似情况，"
     "市场监管部门已关注此事。", 12000, 4300, 41000),
    (545, "演示财经观察", 1_900_000, "青禾空气炸锅起火事件持续发酵，电商平台销量明显下滑，业内人士称品牌危机处理迟缓。",
     3100, 800, 7600),
    (575, "演示消费者报", 2_400_000, "【提醒】青禾空气炸锅Q5存在起火风险，请暂停使用并保留购买凭证，可向12315投诉。",
     6700, 1500, 15000),
]

NEWS = [
    (560, "多地消费者投诉青禾空气炸锅起火 儿童被烫伤",
     "近日，多名消费者在黑猫投诉等平台反映，青禾空气炸锅Q5在使用中冒烟起火，杭州一名儿童手部被烫伤。"
     "消费者称青禾客服推诿，拒绝赔偿。记者多次联系青禾，截至发稿未获回应。", "演示财经"),
    (590, "青禾空气炸锅起火事件：市场监管部门已介入调查",
     "针对青禾空气炸锅起火问题，当地市场监管部门表示已约谈企业，要求排查产品安全隐患，并依法处理消费者投诉。",
     "演示家电网"),
    (625, "起火、烫伤、推诿：青禾空气炸锅危机调查",
     "本报记者调查发现，涉事产品集中在11月生产批次，多位消费者遭遇冒烟起火，维权过程中客服态度消极。", "演示消费报"),
]

PORTAL = [
    (610, "青禾空气炸锅被曝起火 網友要求召回",
     "多名網友反映青禾空氣炸鍋起火冒煙，有兒童被燙傷，要求青禾召回產品並賠償，品牌方尚未正式回應。", "门户记者"),
]

RESPONSE = (
    665, "【致歉声明】关于青禾空气炸锅Q5部分批次产品的说明：经初步排查，11月生产的部分Q5温控元件存在缺陷。"
    "我们向受影响的用户诚恳道歉，即日起主动召回该批次产品，免费退换并承担相关医疗费用。召回热线400-000-0000。",
)


# After the apology: refunds arrive, and ordinary talk about the brand comes back (minute, text, author, region).
RECOVERY = [
    (690, "青禾这次处理得很快，官方说明也很清楚，点赞", "杭漂阿宁", "浙江"),
    (702, "青禾空气炸锅做的蛋挞还是那么好吃，新批次用着放心", "周末烘焙", "上海"),
    (714, "青禾电饭煲用了两年一直很好，这次的事希望他们吸取教训", "程序员老李", "北京"),
    (726, "今天用青禾破壁机做了米糊，孩子很喜欢", "宝妈日记", "江苏"),
    (738, "青禾体验店的店员说新批次都重新检测过了，挺负责的", "吃喝玩乐在杭州", "浙江"),
    (750, "青禾新出的电饭煲颜值很高，考虑入手", "奶茶续命", "广东"),
    (765, "青禾官方承担医疗费，这个态度值得肯定，支持负责任的品牌", "两个孩子的妈", "湖北"),
]


def crisis(crisis_at: datetime, rng: random.Random) -> list[DemoPost]:
    def at(minutes: float) -> datetime:
        return crisis_at + timedelta(minutes=minutes)

    posts: list[DemoPost] = []
    for n, (minute, title, text, author, region) in enumerate(HEIMAO):
        posts.append(_post("heimao", f"1710{n:05d}", at(minute), title, text, author, region=region,
                           extra={"company": "青禾电器", "appeal": "退款、赔偿医药费", "issue": "产品质量问题", "status": 4}))
    for n, (minute, title, text, author, region) in enumerate(TIEBA):
        posts.append(_post("tieba", f"{8200000 + n}", at(minute), title, text, author, region=region,
                           comments=rng.randrange(20, 300), extra={"forum": TIEBA_FORUM}))
    for n, (minute, title, text, author, region) in enumerate(DISCUZ):
        posts.append(_post("discuz", f"{53000 + n}", at(minute), title, text, author, region=region,
                           comments=rng.randrange(30, 200), extra={"fid": DISCUZ_BOARD}))
    posts.extend(_weibo_wave(crisis_at, rng))
    for n, (minute, author, followers, kind, text, reposts, comments, likes) in enumerate(WEIBO_INFLUENCERS):
        posts.append(_post("weibo", f"{5100000 + n}", at(minute), "", text, author, region="北京", followers=followers,
                           verified_type=kind, reposts=reposts, comments=comments, likes=likes))
    for n, (minute, author, followers, text, reposts, comments, likes) in enumerate(WEIBO_MEDIA):
        posts.append(_post("weibo", f"{5200000 + n}", at(minute), "", text, author, region="北京",
                           followers=followers, verified_type=MEDIA, reposts=reposts, comments=comments, likes=likes))
    posts.append(_post("zhihu", "61009001", at(400), "如何看待青禾空气炸锅起火烫伤儿童事件？",
                       "从拆机图看是温控保险丝失效，属于设计缺陷而不是个例。更大的问题是客服推诿，危机处理失败，"
                       "品牌信任很难挽回。", "家电工程师", likes=3400, comments=520))
    posts.append(_post("dianping", "700100", at(500), "青禾电器体验店（西湖店）",
                       "来退起火的青禾空气炸锅，店员说要等总部通知，排队一个小时也没解决，非常失望", "维权的杭州人",
                       rating=1.0, region="浙江", extra={"shop": DIANPING_SHOP}))
    for n, (minute, title, text, author) in enumerate(NEWS):
        posts.append(_post("news", f"c{1100 + n}", at(minute), title, text, author))
    for n, (minute, title, text, author) in enumerate(PORTAL):
        posts.append(_post("portal", f"c{2100 + n}", at(minute), title, text, author))
    minute, text = RESPONSE
    posts.append(_post("weibo", "5300000", at(minute), "", text, BRAND_OFFICIAL, region="浙江", followers=210_000,
                       verified_type=ORGANISATION, reposts=900, comments=4200, likes=1500))
    for n, (minute, text, author, region) in enumerate(RECOVERY):
        posts.append(_post("weibo", f"{5400000 + n}", at(minute), "", text, author, region=region,
                           followers=rng.randrange(100, 3000), verified_type=-1, reposts=rng.randrange(0, 10),
                           comments=rng.randrange(0, 20), likes=rng.randrange(5, 120)))
    return posts


def _weibo_wave(crisis_at: datetime, rng: random.Random) -> list[DemoPost]:
    """Ordinary users: a trickle of smoke reports from many regions, then a flood of anger once a child is hurt."""
    posts = []
    early = [(minute, WEIBO_EARLY) for minute in range(175, 385, 30)]
    late = [(minute, WEIBO_LATE) for minute in [*range(400, 480, 12), *range(480, 660, 5)]]
    for n, (minute, voices) in enumerate([*early, *late]):
        region = REGIONS[n % len(REGIONS)]
        nickname = NICKNAMES[n % len(NICKNAMES)] + ("" if n < len(NICKNAMES) else str(n))
        small = voices is WEIBO_EARLY
        posts.append(_post("weibo", f"{5000000 + n}", crisis_at + timedelta(minutes=minute + rng.random() * 5), "",
                           f"{voices[n % len(voices)]}（{region}）", nickname, region=region,
                           followers=rng.randrange(50, 5000 if small else 50000), verified_type=-1,
                           reposts=rng.randrange(0, 20 if small else 300), comments=rng.randrange(0, 30),
                           likes=rng.randrange(0, 100 if small else 900)))
    return posts
