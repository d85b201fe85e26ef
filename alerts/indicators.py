"""Indicators per brand and per complaint category over sliding windows, computed with aggregate SQL.

Four grouped queries cover every brand at once (current windows; regions; story clusters; the baseline days),
so one evaluation costs the same whatever the number of brands. Category figures are summed into the brand's
own (全部) figures in Python, except distinct regions and story sizes, which are recounted across categories.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from alerts.catalog import ADDITIVE, CATALOG, Reach, Window
from alerts.config import ALL_SCOPE, AlertSettings, window_key
from storage.models import Mention
from storage.types import UTCDateTime

NEGATIVE = "negative"
DAY = timedelta(days=1)
# Every mention of the brand in the window, whatever its label: the denominator of the negative share.
VOLUME = "volume"
SUMMED = (VOLUME, *(indicator.name for indicator in ADDITIVE))


@dataclass
class Figures:
    """The indicators of one (brand, scope) at one moment. ``values`` holds ``<indicator>_<window>``; an
    indicator that does not apply yet (growth of a quiet brand, share of a handful of mentions) is
    ``None``."""

    brand: str
    scope: str
    values: dict[str, float | None] = field(default_factory=dict)
    baselines: dict[str, float] = field(default_factory=dict)
    baseline_floor: float = 1.0
    max_grade: str | None = None

    def get(self, name: str) -> float | None:
        return self.values.get(name)


@dataclass
class _Counts:
    """Raw per-window counts for one (brand, category) before they become indicators."""

    by_window: dict[timedelta, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    regions: dict[timedelta, set[str]] = field(default_factory=lambda: defaultdict(set))
    baseline_days: dict[timedelta, list[float]] = field(default_factory=dict)
    stories: dict[timedelta, dict[int, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )


def measure(
    session: Session, settings: AlertSettings, now: datetime, *, live: bool = True
) -> dict[tuple[str, str], Figures]:
    """Figures for every brand with mentions in the longest window or its baseline days, keyed (brand, scope).

    Only mentions published by ``now`` count; ``live`` also requires them to have been stored by ``now``,
    which a replay of history (backtest) cannot ask: the rows were stored later than they were published.
    """
    windows = settings.windows
    statements = _statements(tuple(windows), settings.baseline_days, _weights(settings), live)
    days = range(1, settings.baseline_days + 1)
    params = {
        "now": now,
        "longest": now - windows[-1],
        "baseline_start": now - settings.baseline_days * DAY - windows[-1],
        "baseline_end": now - DAY,
    }
    for i, window in enumerate(windows):
        params[f"w{i}"] = now - window
        for day in days:
            params[f"w{i}d{day}_lo"] = now - day * DAY - window
            params[f"w{i}d{day}_hi"] = now - day * DAY
    per_category: dict[tuple[str, str | None], _Counts] = defaultdict(_Counts)

    width = len(SUMMED)
    for brand, category, *sums in session.execute(statements.current, params):
        counts = per_category[(brand, category)]
        for i, window in enumerate(windows):
            for name, value in zip(SUMMED, sums[i * width : (i + 1) * width], strict=True):
                counts.by_window[window][name] += float(value or 0)
    # The latest negative mention per region says in which windows the region appears: one row per region.
    for brand, category, region, latest in session.execute(statements.regions, params):
        for window in windows:
            if latest > now - window:
                per_category[(brand, category)].regions[window].add(region)
    for brand, category, cluster_id, *sizes in session.execute(statements.stories, params):
        for window, size in zip(windows, sizes, strict=True):
            if size:
                per_category[(brand, category)].stories[window][cluster_id] += float(size)
    for brand, category, *sums in session.execute(statements.baselines, params):
        counts = per_category[(brand, category)]
        for i, window in enumerate(windows):
            counts.baseline_days[window] = [float(v or 0) for v in sums[i * len(days) : (i + 1) * len(days)]]

    figures: dict[tuple[str, str], Figures] = {}
    brands: dict[str, list[tuple[str | None, _Counts]]] = defaultdict(list)
    for (brand, category), counts in per_category.items():
        brands[brand].append((category, counts))
    for brand, parts in brands.items():
        total = _merge([counts for _, counts in parts], windows)
        figures[(brand, ALL_SCOPE)] = _figures(brand, ALL_SCOPE, total, total, settings)
        if settings.category_alerts:
            for category, counts in parts:
                if category:
                    figures[(brand, category)] = _figures(brand, category, counts, total, settings)
    return figures


def public_negative():
    """Negative mentions from the public. The brand's own posts (``official``) are its response, not a complaint:
    an apology reads as negative text, and counting it would escalate the very alert it answers."""
    return and_(Mention.label == NEGATIVE, Mention.official.is_(False))


def reach_expression(settings: AlertSettings):
    return _weights(settings).expression()


def _weights(settings: AlertSettings) -> Reach:
    w = settings.reach_weights
    return Reach(w.followers, w.reposts, w.comments, w.likes)


@dataclass(frozen=True)
class _Statements:
    current: Select
    regions: Select
    stories: Select
    baselines: Select


def _at(name: str):
    return bindparam(name, type_=UTCDateTime())


@lru_cache(maxsize=16)
def _statements(
    windows: tuple[timedelta, ...], baseline_days: int, weights: Reach, live: bool
) -> _Statements:
    """The four grouped queries, built once with the times as bound parameters: building SQLAlchemy
    expressions costs more than running them on a quiet database, and a backtest runs them thousands of
    times."""
    negative = public_negative()
    visible = [Mention.published_at <= _at("now")]
    if live:
        visible.append(Mention.stored_at <= _at("now"))
    recent = [Mention.published_at > _at("longest"), *visible]

    columns = []
    for i in range(len(windows)):
        inside = and_(negative, Mention.published_at > _at(f"w{i}"))
        columns += [
            func.sum(case((Mention.published_at > _at(f"w{i}"), 1), else_=0)),
            *(func.sum(case((inside, indicator.per_mention(weights)), else_=0)) for indicator in ADDITIVE),
        ]
    current = (
        select(Mention.brand, Mention.category, *columns)
        .where(*recent)
        .group_by(Mention.brand, Mention.category)
    )
    regions = (
        select(Mention.brand, Mention.category, Mention.region, func.max(Mention.published_at))
        .where(*recent, negative, Mention.region.is_not(None), Mention.region != "")
        .group_by(Mention.brand, Mention.category, Mention.region)
    )
    # Singleton stories are left out (HAVING): a story of one mention needs no row to be known.
    sizes = [func.sum(case((Mention.published_at > _at(f"w{i}"), 1), else_=0)) for i in range(len(windows))]
    stories = (
        select(Mention.brand, Mention.category, Mention.cluster_id, *sizes)
        .where(*recent, negative, Mention.cluster_id.is_not(None))
        .group_by(Mention.brand, Mention.category, Mention.cluster_id)
        .having(func.count() > 1)
    )
    # Negative counts of the same window on each trailing day: yesterday at this time, the day before...
    trailing = [
        func.sum(
            case(
                (
                    and_(
                        Mention.published_at > _at(f"w{i}d{day}_lo"),
                        Mention.published_at <= _at(f"w{i}d{day}_hi"),
                    ),
                    1,
                ),
                else_=0,
            )
        )
        for i in range(len(windows))
        for day in range(1, baseline_days + 1)
    ]
    baselines = (
        select(Mention.brand, Mention.category, *trailing)
        .where(
            Mention.published_at > _at("baseline_start"),
            Mention.published_at <= _at("baseline_end"),
            negative,
            *visible,
        )
        .group_by(Mention.brand, Mention.category)
    )
    return _Statements(current, regions, stories, baselines)


def _merge(parts: list[_Counts], windows: list[timedelta]) -> _Counts:
    total = _Counts()
    for part in parts:
        for window in windows:
            for name, value in part.by_window[window].items():
                total.by_window[window][name] += value
            total.regions[window] |= part.regions[window]
            for cluster_id, size in part.stories[window].items():
                total.stories[window][cluster_id] += size
            days = part.baseline_days.get(window)
            if days:
                mine = total.baseline_days.setdefault(window, [0.0] * len(days))
                total.baseline_days[window] = [a + b for a, b in zip(mine, days, strict=True)]
    return total


def _figures(
    brand: str, scope: str, counts: _Counts, brand_total: _Counts, settings: AlertSettings
) -> Figures:
    figures = Figures(brand, scope, baseline_floor=settings.baseline_floor)
    for window in settings.windows:
        suffix = window_key(window)
        sums = counts.by_window[window]
        # The median of the trailing days: one earlier crisis day does not raise the bar for the next one.
        baseline = statistics.median(counts.baseline_days.get(window) or [0.0])
        figures.baselines[suffix] = baseline
        view = Window(
            sums=sums,
            brand_volume=brand_total.by_window[window][VOLUME],
            regions=counts.regions[window],
            stories=counts.stories[window],
            usual_negative=baseline,
            min_volume_for_share=settings.min_volume_for_share,
            min_negative_for_growth=settings.min_negative_for_growth,
            baseline_floor=settings.baseline_floor,
        )
        for indicator in CATALOG:
            value = sums[indicator.name] if indicator.additive else indicator.derive(view)
            figures.values[f"{indicator.name}_{suffix}"] = value
    figures.max_grade = _max_grade(counts, settings.windows)
    return figures


def _max_grade(counts: _Counts, windows: list[timedelta]) -> str | None:
    """The highest grade among the negative mentions of the longest window."""
    sums = counts.by_window[windows[-1]]
    if sums["major_count"]:
        return "重大"
    if sums["serious_count"]:
        return "严重"
    return "一般" if sums["negative_volume"] else None
