"""Generated brand lives for the alert-quality benchmark: calm months of brands of three sizes, and crises of
different shapes, each with its labelled onset.

A calm day follows a daily rhythm (quiet at night, busiest late morning and evening, livelier at weekends),
varies from day to day more than chance alone would (a day's volume is drawn around the brand's mean with
a 20 % spread), and has its small stories (a few complaints about the same thing), channel words, widely
followed authors and negative news items. Calm months hold no 重大-graded post: a safety incident with huge
reach is a crisis by the crisis plan, not an ordinary day. Every figure here is invented; the profiles follow
what the issue reports of a large consumer brand (about 300 mentions a day, a quarter negative, from every
province, a few negative news items a day) and of the demo brand (about 36 a day).
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from demo import synthetic

PROVINCES = (
    "广东", "北京", "上海", "浙江", "江苏", "四川", "山东", "湖北", "河南", "福建", "湖南", "陕西", "重庆", "天津",
    "安徽", "河北", "辽宁", "江西", "广西", "云南", "山西", "吉林", "黑龙江", "贵州", "内蒙古", "新疆", "甘肃",
    "海南", "宁夏", "青海", "西藏",
)  # fmt: skip
# Share of a day's mentions in each hour, Beijing time (index 0 = 00:00-01:00).
HOURLY = (3, 2, 1.5, 1, 1, 1.5, 4, 8, 11, 13, 14, 14, 13, 12, 12, 12, 12, 13, 14, 15, 16, 15, 11, 6)
BEIJING = timedelta(hours=8)
CHANNEL_WORDS = ("京东旗舰店", "天猫店", "线下门店", "专卖店", "会员", "经销商", "直播间")
CATEGORIES = ("产品质量", "服务态度", "交付物流", "售后", "信息沟通")
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Profile:
    size: str
    per_day: float
    negative: float
    provinces: int
    media_negative_per_day: float


SMALL = Profile("small", per_day=36, negative=0.15, provinces=8, media_negative_per_day=0.1)
MEDIUM = Profile("medium", per_day=120, negative=0.2, provinces=20, media_negative_per_day=0.7)
BIG = Profile("big", per_day=300, negative=0.25, provinces=31, media_negative_per_day=3)


@dataclass(frozen=True)
class Crisis:
    """A generated crisis: its rows, its labelled onset, and when it warrants 重大 (``crossing``: the onset
    itself for a fast crisis; for a slow burn, the moment the news picks it up). ``expected`` is the highest
    level it warrants: a competitor's crisis that mentions us deserves a look (一般), not leadership's phone."""

    name: str
    brand: str
    profile: Profile
    onset: datetime
    crossing: datetime
    fast: bool
    expected: str
    rows: list[dict]


class Life:
    """Mentions of one brand, made with one random generator so a scenario is the same on every run."""

    def __init__(self, brand: str, profile: Profile, seed: int) -> None:
        self.brand, self.profile = brand, profile
        self.rng = random.Random(seed)
        self._stories = 0

    def calm(self, start: datetime, days: int) -> Iterator[dict]:
        for day in range(days):
            yield from self._day(start + day * DAY)

    def _day(self, day: datetime) -> Iterator[dict]:
        rng, profile = self.rng, self.profile
        weekend = (day + BEIJING).weekday() >= 5
        mean = profile.per_day * (1.15 if weekend else 1.0) * rng.lognormvariate(0, 0.2)
        stories = [self._story_id() for _ in range(3)]
        for _ in range(_poisson(rng, mean)):
            when = day + self._time_of_day()
            if rng.random() < profile.negative:
                story = rng.choice(stories) if rng.random() < 0.15 else None
                yield self.negative(when, cluster_id=story)
            else:
                yield synthetic.mention(
                    self.brand, when, label=rng.choice(("neutral", "positive")), source=self._source(),
                    region=self.region(), followers=self._followers(),
                )  # fmt: skip
        for _ in range(_poisson(rng, profile.media_negative_per_day)):
            yield self.news(day + self._time_of_day())

    def negative(self, when: datetime, **values) -> dict:
        rng = self.rng
        values.setdefault("region", self.region())
        values.setdefault("grade", "严重" if rng.random() < 0.03 else "一般")
        values.setdefault("source", self._source())
        values.setdefault("followers", self._followers())
        values.setdefault("category", rng.choice(CATEGORIES))
        channel = rng.choice(CHANNEL_WORDS) if rng.random() < 0.3 else ""
        values.setdefault("title", f"{self.brand}{channel}投诉")
        return synthetic.mention(self.brand, when, label="negative", reposts=rng.randrange(0, 5), **values)

    def news(self, when: datetime, **values) -> dict:
        """A negative news item: a news site, or a media account with a large following."""
        if self.rng.random() < 0.7:
            values.setdefault("source", "news")
            values.setdefault("followers", 0)
        else:
            values.setdefault("followers", self.rng.randrange(200_000, 3_000_000))
        return self.negative(when, is_media=True, **values)

    def region(self, top: int | None = None) -> str:
        """A province, the first ones likelier (Zipf): where the brand's customers live."""
        count = top or self.profile.provinces
        weights = [1 / (rank + 1) for rank in range(count)]
        return self.rng.choices(PROVINCES[:count], weights)[0]

    def _story_id(self) -> int:
        self._stories += 1
        return 10_000_000 * (1 + zlib.crc32(self.brand.encode()) % 97) + self._stories

    def new_story(self) -> int:
        return self._story_id()

    def _time_of_day(self) -> timedelta:
        hour = self.rng.choices(range(24), HOURLY)[0]
        return (hour * HOUR - BEIJING) % DAY + timedelta(seconds=self.rng.randrange(3600))

    def _source(self) -> str:
        return self.rng.choice(("weibo", "weibo", "tieba", "heimao", "dianping"))

    def _followers(self) -> int:
        return int(self.rng.lognormvariate(math.log(300), 1.8))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth for small means, normal approximation for large)."""
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def spread(life: Life, start: datetime, hours: float, count: int, **values) -> list[dict]:
    """``count`` negative mentions spread evenly over ``hours`` from ``start``, jittered."""
    step = hours * 3600 / max(count, 1)
    return [
        life.negative(start + timedelta(seconds=i * step + life.rng.uniform(0, step)), **values)
        for i in range(count)
    ]


def slow_burn(brand: str, onset: datetime, seed: int) -> tuple[Life, Crisis]:
    """A product defect that grows over three days: from a post every few hours to a dozen an hour, spreading
    from two provinces to twenty; news outlets report it from the third day. The crossing is the fifth news
    report: the crisis plan's mark of media attention for 重大."""
    life = Life(brand, MEDIUM, seed)
    story, rows = life.new_story(), []
    for hour in range(72):
        rate = 0.3 * 2 ** (hour / 14)
        reach = min(20, 2 + hour // 4)
        for _ in range(_poisson(life.rng, rate)):
            when = onset + hour * HOUR + timedelta(seconds=life.rng.randrange(3600))
            rows.append(life.negative(when, cluster_id=story, category="产品质量", region=life.region(reach),
                                      title=f"{brand}烤箱门玻璃炸裂"))  # fmt: skip
    reports = [onset + 60 * HOUR + i * 25 * timedelta(minutes=1) for i in range(8)]
    rows += [life.news(at, cluster_id=story, category="产品质量") for at in reports]
    crossing = reports[4]
    return life, Crisis("slow burn", brand, MEDIUM, onset, crossing, False, "重大", rows)


def viral(brand: str, onset: datetime, seed: int) -> tuple[Life, Crisis]:
    """A video of a rude service call goes viral on a big brand: hundreds of angry reposts within two hours,
    from every province, then media accounts."""
    life = Life(brand, BIG, seed)
    story = life.new_story()
    rows = [life.negative(onset, cluster_id=story, category="服务态度", followers=2_500_000, grade="严重",
                          title=f"{brand}客服辱骂消费者视频")]  # fmt: skip
    rows += spread(life, onset + 10 * timedelta(minutes=1), 2, 260, cluster_id=story, category="服务态度",
                   title=f"{brand}客服辱骂消费者")  # fmt: skip
    rows += [life.news(onset + timedelta(minutes=70 + 8 * i), cluster_id=story, category="服务态度")
             for i in range(6)]  # fmt: skip
    return life, Crisis("sudden viral", brand, BIG, onset, onset, True, "重大", rows)


def media_led(brand: str, onset: datetime, seed: int) -> tuple[Life, Crisis]:
    """A quality inspection fails the brand's product: news outlets lead, social media follows."""
    life = Life(brand, MEDIUM, seed)
    story = life.new_story()
    rows = [life.news(onset + timedelta(minutes=15 * i), cluster_id=story, category="产品质量",
                      title=f"{brand}电饭煲抽检不合格") for i in range(8)]  # fmt: skip
    rows += spread(life, onset + 20 * timedelta(minutes=1), 4, 50, cluster_id=story, category="产品质量",
                   title=f"{brand}电饭煲抽检不合格")  # fmt: skip
    return life, Crisis("media-led", brand, MEDIUM, onset, onset, True, "重大", rows)


def regional(brand: str, onset: datetime, seed: int) -> tuple[Life, Crisis]:
    """A national brand's stores in one province close overnight with prepaid cards unspent: a flood of
    complaints from that province alone, and its local media."""
    life = Life(brand, BIG, seed)
    story = life.new_story()
    rows = spread(life, onset, 3, 220, region="四川", cluster_id=story, category="售后",
                  title=f"{brand}四川门店关门 会员预付卡无法退款")  # fmt: skip
    rows += [life.news(onset + timedelta(minutes=40 + 15 * i), region="四川", cluster_id=story, category="售后")
             for i in range(6)]  # fmt: skip
    return life, Crisis("regional outbreak", brand, BIG, onset, onset, True, "重大", rows)


def competitor(brand: str, onset: datetime, seed: int) -> tuple[Life, Crisis]:
    """A competitor's product catches fire; posts about it mention us ("is ours safe?"): more talk about us,
    some of it worried, no problem of ours."""
    life = Life(brand, MEDIUM, seed)
    rows = []
    for i in range(90):
        when = onset + timedelta(minutes=4 * i + life.rng.uniform(0, 4))
        if life.rng.random() < 0.3:
            rows.append(life.negative(when, category="产品质量", title=f"竞品起火，{brand}会不会也有问题"))
        else:
            rows.append(synthetic.mention(brand, when, label="neutral", region=life.region(),
                                          title=f"竞品起火事件，{brand}回应"))  # fmt: skip
    return life, Crisis("competitor crisis mentions us", brand, MEDIUM, onset, onset, True, "一般", rows)


CRISES = (slow_burn, viral, media_led, regional, competitor)
