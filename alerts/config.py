"""Settings of the alert engine (``[alerts]``); outgoing mail (``[mail]``) is ``delivery.config``.

Rules are written as ``"<indicator>_<window>" = threshold``: a level holds when any of its conditions reaches
its threshold. Every key is checked at start-up against the known indicators and the configured windows, so a
typo in a rule fails when the settings load, not silently never firing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from alerts.catalog import INDICATORS
from common.settings import Duration, PositiveDuration, Section, parse_duration

LEVELS = ("一般", "严重", "重大")
Level = Literal["一般", "严重", "重大"]
ALL_SCOPE = "全部"

CATEGORY_DEPARTMENTS = {
    "产品质量": "quality",
    "服务态度": "customer_service",
    "交付物流": "logistics",
    "售后": "after_sales",
    "信息沟通": "customer_service",
}


def window_label(window: timedelta) -> str:
    """``1h`` -> 1小时, ``24h`` -> 24小时, ``7d`` -> 7天: the way a window is named in emails."""
    seconds = int(window.total_seconds())
    for unit, name in ((86400, "天"), (3600, "小时"), (60, "分钟")):
        if unit == 86400 and seconds <= 2 * 86400:
            continue
        if seconds % unit == 0 and seconds >= unit:
            return f"{seconds // unit}{name}"
    return f"{seconds}秒"


def window_key(window: timedelta) -> str:
    """``timedelta(hours=1)`` -> ``1h``: the suffix used in condition names."""
    seconds = int(window.total_seconds())
    # Hours up to two days: "24h" reads better than "1d" next to "1h" and "6h".
    for unit, suffix in ((86400, "d"), (3600, "h"), (60, "m")):
        if unit == 86400 and seconds <= 2 * 86400:
            continue
        if seconds % unit == 0 and seconds >= unit:
            return f"{seconds // unit}{suffix}"
    return f"{seconds}s"


Threshold = float | Literal["off"]


class LevelRule(Section):
    """When one level holds, how long it must hold before it fires, and how long it keeps firing at least."""

    conditions: dict[str, Threshold] = {}
    pending: Duration | None = None
    min_firing: Duration | None = None
    # How far above the brand's own normal a figure must be, in spreads (robust standard deviations), on top of
    # reaching its threshold (which then serves as the floor for brands whose normal is near zero).
    departure: float | None = Field(default=None, ge=0)


# What a complaint reaches beside regions: words that name a channel or a kind of customer. A brand adds its
# product lines (`[alerts.brands."NAME".customer_groups]`); media and widely followed authors count as groups
# of their own.
CUSTOMER_GROUPS: dict[str, list[str]] = {
    "线上渠道": ["旗舰店", "天猫", "京东", "淘宝", "拼多多", "抖音", "直播间", "网店", "官网", "网购"],
    "线下门店": ["门店", "专卖店", "实体店", "商场", "专柜", "4S店", "体验店", "售后网点"],
    "企业客户": ["企业采购", "公司采购", "集采", "经销商", "代理商", "批发", "大客户"],
    "会员": ["会员", "vip", "黑卡", "金卡", "plus"],
}
MEDIA_GROUP, KOL_GROUP = "媒体", "大V"


class BrandAlertOverride(Section):
    """A brand's changes to its levels: thresholds replaced key by key (``"off"`` removes one), timers
    replaced; customer groups added (an empty list removes a default one)."""

    rules: dict[Level, LevelRule] = {}
    customer_groups: dict[str, list[str]] = {}


# Defaults for a mid-size brand: a few hundred mentions a day, a dozen negative ones on a normal day.
DEFAULT_RULES: dict[str, LevelRule] = {
    "一般": LevelRule(
        conditions={
            "negative_volume_1h": 10,
            "negative_volume_24h": 60,
            "growth_6h": 4,
            "negative_share_6h": 0.5,
            "serious_count_6h": 1,
            "largest_story_6h": 8,
            "negative_media_24h": 1,
            "customer_groups_6h": 3,
        },
        pending=timedelta(minutes=10),
        departure=4,
    ),
    "严重": LevelRule(
        conditions={
            "negative_volume_1h": 25,
            "negative_volume_24h": 150,
            "growth_6h": 8,
            "regions_6h": 6,
            "serious_count_6h": 5,
            "negative_media_24h": 3,
            "largest_story_6h": 25,
            # One widely followed account is the NLP grade's business (serious_count); reach is for the sum,
            # and a national brand's routine media coverage alone passes a million.
            "negative_reach_6h": 5_000_000,
            "customer_groups_6h": 4,
        },
        pending=timedelta(minutes=5),
        departure=5,
    ),
    # 重大 goes out at once: the response plan gives 30 minutes to reach the departments concerned. Growth
    # alone never makes 重大: against a quiet brand's tiny baseline a ratio says little; spread and media say
    # more.
    "重大": LevelRule(
        conditions={
            "negative_volume_1h": 60,
            "regions_6h": 10,
            "negative_media_6h": 5,
            "major_count_24h": 1,
            "largest_story_6h": 60,
            "negative_reach_6h": 20_000_000,
        },
        pending=timedelta(0),
        departure=6,
    ),
}


class ReachWeights(Section):
    """Negative reach = followers × followers-weight + each engagement count × its weight (a repost is seen by
    the reposter's own followers, so it counts for far more than a like)."""

    followers: float = Field(default=1.0, ge=0)
    reposts: float = Field(default=50.0, ge=0)
    comments: float = Field(default=10.0, ge=0)
    likes: float = Field(default=2.0, ge=0)


@dataclass(frozen=True)
class ResolvedRule:
    level: str
    thresholds: dict[str, float]
    pending: timedelta
    min_firing: timedelta
    departure: float


class AlertSettings(Section):
    _resolved: dict[tuple[str, str], ResolvedRule] = PrivateAttr(default_factory=dict)
    _groups: dict[str, tuple[re.Pattern[str] | None, dict[str, str]]] = PrivateAttr(default_factory=dict)

    enabled: bool = True
    windows: list[Duration] = [timedelta(hours=1), timedelta(hours=6), timedelta(hours=24)]
    baseline_days: int = Field(default=28, ge=1, le=60)
    baseline_min_days: int = Field(default=3, ge=1)
    min_negative_for_growth: int = Field(default=10, ge=1)
    baseline_floor: float = Field(default=2.0, gt=0)
    min_volume_for_share: int = Field(default=20, ge=1)
    reach_weights: ReachWeights = ReachWeights()
    rules: dict[Level, LevelRule] = DEFAULT_RULES
    brands: dict[str, BrandAlertOverride] = {}
    category_alerts: bool = True
    pending: Duration = timedelta(minutes=5)
    min_firing: Duration = timedelta(minutes=30)
    repeat_interval: Duration = timedelta(hours=4)
    evaluation_interval: PositiveDuration = timedelta(minutes=1)
    route_min_share: float = Field(default=0.2, ge=0, le=1)
    categories: dict[str, str] = CATEGORY_DEPARTMENTS
    nodata_after: Duration = timedelta(hours=6)
    top_mentions: int = Field(default=5, ge=1, le=50)
    customer_groups: dict[str, list[str]] = CUSTOMER_GROUPS
    kol_followers: int = Field(default=100_000, ge=1)

    @field_validator("windows")
    @classmethod
    def _windows(cls, value: list[timedelta]) -> list[timedelta]:
        if not value:
            raise ValueError("at least one window is needed")
        if any(w <= timedelta(0) for w in value):
            raise ValueError("a window must be longer than zero")
        if len({window_key(w) for w in value}) != len(value):
            raise ValueError("the same window is listed twice")
        return sorted(value)

    @field_validator("rules")
    @classmethod
    def _every_level(cls, value: dict[str, LevelRule]) -> dict[str, LevelRule]:
        # A file changes the defaults key by key, like a brand override: raising one threshold must not
        # silently drop the others (write "off" to drop one).
        merged = dict(DEFAULT_RULES)
        for level, rule in value.items():
            base = DEFAULT_RULES[level]
            merged[level] = LevelRule(
                conditions={**base.conditions, **rule.conditions},
                pending=rule.pending if rule.pending is not None else base.pending,
                min_firing=rule.min_firing if rule.min_firing is not None else base.min_firing,
                departure=rule.departure if rule.departure is not None else base.departure,
            )
        return merged

    @model_validator(mode="after")
    def _known_conditions(self) -> AlertSettings:
        for level, rule in self.rules.items():
            for name in rule.conditions:
                self.parse_condition(name, f"rules.{level}")
        for brand, override in self.brands.items():
            for level, rule in override.rules.items():
                for name in rule.conditions:
                    self.parse_condition(name, f"brands.{brand}.rules.{level}")
        return self

    def parse_condition(self, name: str, where: str = "") -> tuple[str, timedelta]:
        """``negative_volume_1h`` -> (``negative_volume``, 1 hour); a clear error for an unknown name or
        window."""
        indicator, _, suffix = name.rpartition("_")
        if indicator not in INDICATORS:
            known = ", ".join(INDICATORS)
            raise ValueError(
                f"{where}: unknown indicator in {name!r} (known: {known}; write e.g. negative_volume_1h)"
            )
        try:
            window = parse_duration(suffix)
        except ValueError:
            window = None
        if window not in self.windows:
            raise ValueError(
                f"{where}: {name!r} uses window {suffix!r}, not one of windows "
                f"({', '.join(window_key(w) for w in self.windows)})"
            )
        return indicator, window

    def canonical(self, name: str) -> str:
        """The one spelling of a condition (``growth_24h`` for ``growth_1d``), as indicators are keyed."""
        indicator, window = self.parse_condition(name)
        return f"{indicator}_{window_key(window)}"

    def level_rule(self, brand: str, level: str) -> ResolvedRule:
        """The rule for one level of one brand: defaults, then the brand's overrides (cached: a backtest asks
        thousands of times)."""
        cached = self._resolved.get((brand, level))
        if cached is None:
            cached = self._resolved[(brand, level)] = self._resolve(brand, level)
        return cached

    def _resolve(self, brand: str, level: str) -> ResolvedRule:
        base = self.rules[level]
        override = self.brands.get(brand, BrandAlertOverride()).rules.get(level, LevelRule())
        thresholds = {**base.conditions, **override.conditions}
        return ResolvedRule(
            level=level,
            thresholds={self.canonical(k): float(v) for k, v in thresholds.items() if v != "off"},
            pending=_first(override.pending, base.pending, self.pending),
            min_firing=_first(override.min_firing, base.min_firing, self.min_firing),
            departure=next(d for d in (override.departure, base.departure, 0.0) if d is not None),
        )

    def customer_groups_of(self, brand: str, text: str, followers: int, media: bool) -> set[str]:
        """The customer groups one negative mention reaches: the groups whose words it names, its author's."""
        compiled = self._groups.get(brand)
        if compiled is None:
            merged = {**self.customer_groups, **self.brands.get(brand, BrandAlertOverride()).customer_groups}
            group_of = {word.lower(): name for name, words in merged.items() for word in words}
            # One pass over the text whatever the number of words; longest words first, so 京东旗舰店 wins
            # over 旗舰店 when both are listed.
            words = sorted(group_of, key=len, reverse=True)
            pattern = re.compile("|".join(map(re.escape, words))) if words else None
            compiled = self._groups[brand] = (pattern, group_of)
        pattern, group_of = compiled
        found = {group_of[word] for word in pattern.findall(text.lower())} if pattern else set()
        if media:
            found.add(MEDIA_GROUP)
        elif followers >= self.kol_followers:
            found.add(KOL_GROUP)
        return found


def _first(*values: timedelta | None) -> timedelta:
    return next(v for v in values if v is not None)
