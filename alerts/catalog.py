"""The indicators, each written once: its name in rules, its label and unit in emails, and how it is counted.

An indicator is either *additive* (a sum over the negative mentions in the window, counted in SQL and summed
across complaint categories into the brand's own figure) or *derived* from a window's counts in Python (shares,
distinct regions, the largest story). To add one, append its record to :data:`CATALOG`; rules, settings
validation, emails, the CLI and the backtest all read the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, func, literal, or_

from storage.models import Mention

SERIOUS_GRADES = ("严重", "重大")


@dataclass(frozen=True)
class Reach:
    """How much a mention's audience counts: followers and each engagement count times its weight."""

    followers: float
    reposts: float
    comments: float
    likes: float

    def expression(self) -> ColumnElement:
        return (
            func.coalesce(Mention.author_followers, 0) * self.followers
            + Mention.reposts * self.reposts
            + Mention.comments * self.comments
            + Mention.likes * self.likes
        )


@dataclass
class Window:
    """The counts of one (brand, scope) over one window, from which the derived indicators are computed."""

    sums: dict[str, float]
    brand_volume: float
    regions: set[str] = field(default_factory=set)
    stories: dict[int, float] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    # What a brand usually has in this window (the median of trailing days), when known.
    usual_negative: float | None = None
    min_volume_for_share: int = 20
    min_negative_for_growth: int = 10
    baseline_floor: float = 2.0


@dataclass(frozen=True)
class Indicator:
    """One indicator. ``per_mention`` makes it additive: the SQL value one negative mention in the window adds
    (0 or 1 for a count); otherwise ``derive`` computes it from a :class:`Window` (``None``: not applicable
    yet, as the share of a handful of mentions)."""

    name: str
    label: str
    unit: str
    per_mention: Callable[[Reach], ColumnElement] | None = None
    derive: Callable[[Window], float | None] | None = None
    email: bool = True
    # False for the absolute signals (a 重大-graded post is serious at any size); True compares the figure with
    # the brand's own normal as well as with the level's threshold.
    relative: bool = True

    @property
    def additive(self) -> bool:
        return self.per_mention is not None

    def format(self, value: float | None) -> str:
        """The figure as a table cell: ``56``, ``43%``, ``3.2×``."""
        if value is None:
            return "-"
        if self.unit == "%":
            return f"{value:.0%}"
        if self.unit == "倍":
            return f"{value:.1f}×"
        return f"{value:,.0f}"

    def describe(self, value: float, threshold: float) -> str:
        """``负面 56 条 (阈值 50)`` without the window: the figure against its threshold."""
        if self.unit == "%":
            return f"{self.label} {value:.0%} (阈值 {threshold:.0%}"
        if self.unit == "倍":
            return f"{self.label} {value:.1f} 倍 (阈值 {threshold:g} 倍"
        return f"{self.label} {value:,.0f} {self.unit} (阈值 {threshold:,.0f}"


def _count(condition: Callable[[], ColumnElement] | None = None) -> Callable[[Reach], ColumnElement]:
    """A count: each negative mention in the window (meeting ``condition``) adds one."""
    if condition is None:
        return lambda reach: literal(1)
    return lambda reach: case((condition(), 1), else_=0)


def _share(window: Window) -> float | None:
    if window.brand_volume < window.min_volume_for_share:
        return None
    return window.sums["negative_volume"] / window.brand_volume


def _growth(window: Window) -> float | None:
    negative = window.sums["negative_volume"]
    if window.usual_negative is None or negative < window.min_negative_for_growth:
        return None
    return negative / max(window.usual_negative, window.baseline_floor)


def _largest_story(window: Window) -> float:
    return max(window.stories.values(), default=1.0 if window.sums["negative_volume"] else 0.0)


# The order is the order of the figures table in emails and of preference for an email's subject line.
CATALOG: tuple[Indicator, ...] = (
    Indicator("negative_volume", "负面", "条", per_mention=_count()),
    Indicator("negative_share", "负面占比", "%", derive=_share),
    Indicator("growth", "负面较基线增长", "倍", derive=_growth, relative=False),
    Indicator(
        "serious_count", "严重及以上负面", "条", per_mention=_count(lambda: Mention.grade.in_(SERIOUS_GRADES))
    ),
    Indicator(
        "major_count", "重大负面", "条", per_mention=_count(lambda: Mention.grade == "重大"), email=False,
        relative=False,
    ),
    Indicator("regions", "负面涉及地区", "个", derive=lambda window: float(len(window.regions))),
    Indicator(
        "negative_media",
        "媒体负面报道",
        "条",
        per_mention=_count(lambda: or_(Mention.source_kind == "news", Mention.is_media.is_(True))),
    ),
    Indicator("negative_reach", "负面触达", "人次", per_mention=lambda reach: reach.expression()),
    Indicator("largest_story", "最大负面话题", "条", derive=_largest_story),
    Indicator("customer_groups", "负面涉及客户群体", "类", derive=lambda window: float(len(window.groups))),
)
INDICATORS: dict[str, Indicator] = {indicator.name: indicator for indicator in CATALOG}
ADDITIVE: tuple[Indicator, ...] = tuple(i for i in CATALOG if i.additive)
