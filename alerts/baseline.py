"""A brand's own normal: what one indicator usually reads over the same window at this hour on trailing days.

The centre is the median of the trailing days (or of the same weekday's, when that is higher: a brand busy on
Mondays is not in crisis every Monday). The spread is the larger of the median absolute deviation and the
distance from the median up to the 90th percentile, each scaled to a standard deviation: the second sees the
long upper tail of figures such as reach (most hours nobody famous writes, some hours a media account does),
which the MAD alone calls calm. Both are robust: one earlier crisis day in four weeks of history moves neither
the median nor the 90th percentile much, so the next crisis is not taken for normal. The spread is never below
the noise a count has by chance (its square root, as for a Poisson count, and at least half an event): a brand
whose history happens to read 3, 3, 3 has not learnt that 6 is alarming, and one whose history reads 0 on most
days has not learnt that a single post is (a rare event of a small brand still happens a few times a month).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

# 1.4826 × MAD, and (90th percentile − median) / 1.2816, estimate the standard deviation of normally
# distributed figures.
MAD_SCALE = 1.4826
P90_SCALE = 1.2816
WEEK = 7
MIN_COUNT_NOISE = 0.5


@dataclass(frozen=True)
class Normal:
    center: float
    spread: float
    days: int

    def bar(self, departure: float) -> float:
        """The figure that is ``departure`` spreads above normal."""
        return self.center + departure * self.spread


def normal_of(samples: dict[int, float], unit: str) -> Normal:
    """The normal of samples keyed by how many days ago they were taken (1 = yesterday at this hour)."""
    values = list(samples.values())
    center = statistics.median(values)
    weekday = [value for days_ago, value in samples.items() if days_ago % WEEK == 0]
    if len(weekday) >= 2:
        center = max(center, statistics.median(weekday))
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    tail = (_percentile(values, 0.9) - median) / P90_SCALE
    return Normal(center=center, spread=max(MAD_SCALE * mad, tail, noise(center, unit)), days=len(values))


def _percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values lie (nearest rank, so it is always a value seen)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def noise(center: float, unit: str) -> float:
    """The least spread a figure of this kind has by chance around ``center``."""
    if unit == "%":
        return 0.05
    if unit == "人次":
        # Reach is a sum of audiences, dominated by whoever posted: half the usual is ordinary variation.
        return 0.5 * center
    return max(math.sqrt(center), MIN_COUNT_NOISE)
