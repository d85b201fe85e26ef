"""A demo world with many brands, served with a real site's latency: what the fleet test and ``bench/scale`` crawl.

Crawling real sites is bound by their answer time (200–500 ms a page), not by our CPU; a loopback server that
answers in a millisecond would measure something else. :class:`SlowDemoServer` sleeps each answer for a random
time in the given range (in its own thread, so answers overlap as a real site's do).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from demo.server import DemoServer
from demo.world import DemoPost, World

# Neither 青 nor 星 first: the test settings' own brands (青禾, 星澜) must not be substrings of these.
_FIRST = "云海金银天嘉华瑞安康乐美佳恒泰鼎盛宏远博通明德丰"
_SECOND = "禾澜帆峰翼途驰辰曜川岳舟屿杉桐松柏竹梅兰菊"
COMPLAINTS = ("用了三天就坏了，客服一直推诿", "退款申请被拒，售后不处理", "快递一周没到，商家不回复",
              "质量太差，要求退货", "虚假宣传，和描述完全不一样")
PRAISE = ("用着不错，推荐", "外观漂亮，做工扎实", "客服态度很好，解决得快")


def brand_names(count: int) -> list[str]:
    """``count`` distinct three-character brand names; none is a substring of another."""
    names = [f"{a}{b}牌" for a in _FIRST for b in _SECOND]
    if count > len(names):
        raise ValueError(f"at most {len(names)} brands")
    return names[:count]


def scale_world(brands: list[str], per_brand: int, *, forum: str = "scale", now: datetime | None = None) -> World:
    """For every brand ``per_brand`` complaints on 黑猫投诉, threads in one Tieba forum and Weibo posts."""
    now = now or datetime.now(UTC)
    rng = random.Random(13)
    posts = []
    for b, brand in enumerate(brands):
        for i in range(per_brand):
            when = now - timedelta(minutes=rng.randrange(1, 3 * 24 * 60))
            text = f"{brand}{rng.choice(COMPLAINTS if i % 3 else PRAISE)}（{b}-{i}）"
            posts += [
                DemoPost("heimao", f"17{b:04d}{i:04d}", text[:14], text, f"投诉人{i}", when,
                         extra={"company": f"{brand}官方"}),
                DemoPost("tieba", f"9{b:04d}{i:04d}", text[:14], text, f"吧友{i}", when, extra={"forum": forum}),
                DemoPost("weibo", f"53{b:04d}{i:04d}", "", text, f"微博用户{i}", when, region="广东",
                         followers=100 + i),
            ]
    return World(posts)


class SlowDemoServer(DemoServer):
    """The demo sites answering in ``latency`` seconds (a random time in the range), counting what they served."""

    def __init__(self, world: World, latency: tuple[float, float] = (0.2, 0.5), seed: int = 7) -> None:
        super().__init__(world)
        self.latency = latency
        self.random = random.Random(seed)
        self.served: Counter[str] = Counter()
        self.served_at: list[float] = []
        self._count_lock = threading.Lock()

    def respond(self, path, query, headers):
        with self._count_lock:
            wait = self.random.uniform(*self.latency)
        time.sleep(wait)
        answer = super().respond(path, query, headers)
        with self._count_lock:
            self.served[path] += 1
            self.served_at.append(time.monotonic())
        return answer
