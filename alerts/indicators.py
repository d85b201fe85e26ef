"""Indicators per brand and per complaint category over sliding windows, computed with aggregate SQL, and each
brand's own normal for them.

Three grouped queries cover every brand at once (current windows; regions; story clusters), plus one read of the
longest window's negative titles for the customer groups, so one evaluation costs the same whatever the number
of brands. Category figures are summed into the brand's own (全部) figures in Python, except distinct regions,
groups and story sizes, which are recounted across categories.

The normal (:mod:`alerts.baseline`) is measured with the same function at the same hour on each trailing day,
once an hour: it moves by the hour, and the evaluation every minute reuses it.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from alerts.baseline import Normal, normal_of
from alerts.catalog import ADDITIVE, CATALOG, INDICATORS, Reach, Window
from alerts.config import ALL_SCOPE, AlertSettings, window_key
from storage.models import Mention
from storage.types import UTCDateTime

NEGATIVE = "negative"
DAY = timedelta(days=1)
# Every mention of the brand in the window, whatever its label: the denominator of the negative share.
VOLUME = "volume"
SUMMED = (VOLUME, *(indicator.name for indicator in ADDITIVE))
# How much of a post's text is searched for customer-group words: titles and openings name the product.
GROUP_TEXT = 300
Key = tuple[str, str]


@dataclass
class Figures:
    """The indicators of one (brand, scope) at one moment. ``values`` holds ``<indicator>_<window>``; an
    indicator that does not apply yet (growth of a quiet brand, share of a handful of mentions) is ``None``.
    ``normals`` holds the whole brand's normal per value, once it has ``baseline_min_days`` of history."""

    brand: str
    scope: str
    values: dict[str, float | None] = field(default_factory=dict)
    normals: dict[str, Normal] = field(default_factory=dict)
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
    groups: dict[timedelta, set[str]] = field(default_factory=lambda: defaultdict(set))
    stories: dict[timedelta, dict[int, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )


def measure(
    session: Session,
    settings: AlertSettings,
    now: datetime,
    *,
    live: bool = True,
    normals: bool = True,
    samples: Samples | None = None,
) -> dict[Key, Figures]:
    """Figures for every brand with mentions in the longest window, keyed (brand, scope), with their normals.

    Only mentions published by ``now`` count; ``live`` also requires them to have been stored by ``now``,
    which a replay of history (backtest) cannot ask: the rows were stored later than they were published.
    A replay passes its :class:`Samples`, so each past hour is measured once for all the days that use it.
    """
    usual = usual_figures(session, settings, now, samples) if normals else {}
    per_category = _count(session, settings, now, live)
    figures: dict[Key, Figures] = {}
    brands: dict[str, list[tuple[str | None, _Counts]]] = defaultdict(list)
    for (brand, category), counts in per_category.items():
        brands[brand].append((category, counts))
    for brand, parts in brands.items():
        total = _merge([counts for _, counts in parts], settings.windows)
        scopes = [(ALL_SCOPE, total)]
        if settings.category_alerts:
            scopes += [(category, counts) for category, counts in parts if category]
        # A category is judged against the whole brand's normal: a category's own history is too thin for
        # rare events (a 严重-graded post, a media account) to have a normal, and a category alert then means
        # one category alone goes beyond what the whole brand usually sees.
        normals = usual.get(brand, {})
        for scope, counts in scopes:
            figures[(brand, scope)] = _figures(brand, scope, counts, total, settings, normals)
    return figures


def _count(session: Session, settings: AlertSettings, now: datetime, live: bool) -> dict:
    windows = settings.windows
    statements = _statements(tuple(windows), _weights(settings), live)
    params = {"now": now, "longest": now - windows[-1]}
    for i, window in enumerate(windows):
        params[f"w{i}"] = now - window
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
    for brand, category, published, title, text, followers, media in session.execute(statements.groups, params):
        found = settings.customer_groups_of(brand, f"{title} {text}", followers or 0, media)
        for window in windows:
            if found and published > now - window:
                per_category[(brand, category)].groups[window] |= found
    return per_category


# --- the brand's own normal ----------------------------------------------------------------------------------

_USUAL: OrderedDict[tuple, dict[str, dict[str, Normal]]] = OrderedDict()
_USUAL_KEPT = 8


class Samples:
    """The figures of past hours, kept while a replay still needs them (a live evaluator measures the
    trailing days again each hour instead: a month of hours for hundreds of brands is too much to keep)."""

    def __init__(self) -> None:
        self._by_hour: dict[datetime, dict[str, dict[str, float]]] = {}

    def at(self, session: Session, settings: AlertSettings, moment: datetime) -> dict[str, dict[str, float]]:
        found = self._by_hour.get(moment)
        if found is None:
            found = self._by_hour[moment] = _sample(session, settings, moment)
            oldest = moment - DAY
            for stale in [m for m in self._by_hour if m < oldest and m < moment - settings.baseline_days * DAY]:
                del self._by_hour[stale]
        return found


def _sample(session: Session, settings: AlertSettings, moment: datetime) -> dict[str, dict[str, float]]:
    """The brand-wide figures of every brand at one past moment."""
    figures = measure(session, settings, moment, live=False, normals=False)
    return {
        brand: {n: v for n, v in f.values.items() if v is not None}
        for (brand, scope), f in figures.items()
        if scope == ALL_SCOPE
    }


def usual_figures(
    session: Session, settings: AlertSettings, now: datetime, samples: Samples | None = None
) -> dict[str, dict[str, Normal]]:
    """Each brand's normal per ``<indicator>_<window>``, from the same hour on trailing days."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    key = (str(session.get_bind().url), id(settings), id(samples), hour)
    if key not in _USUAL:
        _USUAL[key] = _usual(session, settings, hour, samples)
        while len(_USUAL) > _USUAL_KEPT:
            _USUAL.popitem(last=False)
    return _USUAL[key]


def _usual(
    session: Session, settings: AlertSettings, hour: datetime, samples: Samples | None
) -> dict[str, dict[str, Normal]]:
    # Only the baseline's own range is read: older history says nothing more about these days.
    oldest = hour - (settings.baseline_days + 1) * DAY
    first_seen = dict(
        session.execute(
            select(Mention.brand, func.min(Mention.published_at))
            .where(Mention.published_at >= oldest)
            .group_by(Mention.brand)
        ).all()
    )
    # A day counts for a brand once the whole day before the sampled hour is within its history.
    history = {
        brand: [d for d in range(1, settings.baseline_days + 1) if hour - (d + 1) * DAY >= since]
        for brand, since in first_seen.items()
        if since is not None
    }
    by_brand: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for days_ago in range(1, settings.baseline_days + 1):
        moment = hour - days_ago * DAY
        past = samples.at(session, settings, moment) if samples else _sample(session, settings, moment)
        for brand, values in past.items():
            for name, value in values.items():
                by_brand[brand][name][days_ago] = value
    usual: dict[str, dict[str, Normal]] = {}
    for brand, by_name in by_brand.items():
        days = history.get(brand, [])
        if len(days) < settings.baseline_min_days:
            continue
        normals = {}
        for name in _names(settings):
            values = _with_zeros(by_name.get(name, {}), days, name)
            if values:
                normals[name] = normal_of(values, INDICATORS[name.rpartition("_")[0]].unit)
        usual[brand] = normals
    return usual


def _names(settings: AlertSettings) -> list[str]:
    return [f"{indicator.name}_{window_key(w)}" for indicator in CATALOG for w in settings.windows]


def _with_zeros(values: dict[int, float], days: list[int], name: str) -> dict[int, float]:
    """A day of history without a figure read zero (nothing negative that day), except a share, which was
    not measurable."""
    if name.startswith("negative_share"):
        return {d: values[d] for d in days if d in values}
    return {d: values.get(d, 0.0) for d in days}


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
    groups: Select


def _at(name: str):
    return bindparam(name, type_=UTCDateTime())


@lru_cache(maxsize=16)
def _statements(windows: tuple[timedelta, ...], weights: Reach, live: bool) -> _Statements:
    """The grouped queries, built once with the times as bound parameters: building SQLAlchemy expressions
    costs more than running them on a quiet database, and a backtest runs them thousands of times."""
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
    groups = select(
        Mention.brand,
        Mention.category,
        Mention.published_at,
        func.coalesce(Mention.title, ""),
        func.substr(Mention.text, 1, GROUP_TEXT),
        Mention.author_followers,
        or_(Mention.is_media.is_(True), Mention.source_kind == "news"),
    ).where(*recent, negative)
    return _Statements(current, regions, stories, groups)


def _merge(parts: list[_Counts], windows: list[timedelta]) -> _Counts:
    total = _Counts()
    for part in parts:
        for window in windows:
            for name, value in part.by_window[window].items():
                total.by_window[window][name] += value
            total.regions[window] |= part.regions[window]
            total.groups[window] |= part.groups[window]
            for cluster_id, size in part.stories[window].items():
                total.stories[window][cluster_id] += size
    return total


def _figures(
    brand: str,
    scope: str,
    counts: _Counts,
    brand_total: _Counts,
    settings: AlertSettings,
    normals: dict[str, Normal],
) -> Figures:
    figures = Figures(brand, scope, normals=normals, baseline_floor=settings.baseline_floor)
    for window in settings.windows:
        suffix = window_key(window)
        usual = normals.get(f"negative_volume_{suffix}")
        if usual is not None:
            figures.baselines[suffix] = usual.center
        view = Window(
            sums=counts.by_window[window],
            brand_volume=brand_total.by_window[window][VOLUME],
            regions=counts.regions[window],
            stories=counts.stories[window],
            groups=counts.groups[window],
            usual_negative=usual.center if usual else None,
            min_volume_for_share=settings.min_volume_for_share,
            min_negative_for_growth=settings.min_negative_for_growth,
            baseline_floor=settings.baseline_floor,
        )
        for indicator in CATALOG:
            value = view.sums[indicator.name] if indicator.additive else indicator.derive(view)
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
