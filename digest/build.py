"""The daily digest's figures, gathered once and rendered as email HTML, plain text or a file.

Every count goes through the search layer's query language (``brand:"青禾" since:2026-11-24
until:2026-11-24``), so a number in the digest is the number the search page shows for that query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy import select

from search.query import Query
from search.service import DayVolume, counts_by, daily_volume, iter_matches, parse
from storage.models import Mention, Source

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from storage.db import Database
    from yuqing.config import Settings

LABELS = ("negative", "neutral", "positive")
BASELINE_DAYS = 7


@dataclass(frozen=True)
class Figures:
    """Mentions of one day by source kind and sentiment."""

    counts: dict[tuple[str, str], float]

    def total(self, kind: str | None = None, label: str | None = None) -> float:
        return sum(n for (k, lbl), n in self.counts.items()
                   if (kind is None or k == kind) and (label is None or lbl == label))


@dataclass(frozen=True)
class Story:
    """Negative mentions of one story (cluster) on the day, led by its most reposted one."""

    title: str
    url: str
    source: str
    mentions: int
    reposts: int
    reach: float


@dataclass
class BrandDigest:
    brand: str
    today: Figures
    yesterday: Figures
    week_average: Figures
    trend: list[DayVolume]
    stories: list[Story]
    categories: list[tuple[str, int]]
    regions: list[tuple[str, int]]
    hot_words: list[str]


@dataclass(frozen=True)
class AlertLine:
    subject: str
    scope: str
    level: str | None
    event: str
    at: datetime
    state: str


@dataclass(frozen=True)
class BlockedSource:
    name: str
    kind: str
    blocked_at: datetime
    reason: str | None
    until: datetime | None


@dataclass
class Digest:
    day: date
    timezone: str
    brands: list[BrandDigest]
    alerts: list[AlertLine] = field(default_factory=list)
    blocked: list[BlockedSource] = field(default_factory=list)
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def subject(self) -> str:
        negative = sum(b.today.total(label="negative") for b in self.brands)
        return (f"舆情日报 {self.day:%Y-%m-%d}：{len(self.brands)} 个品牌，负面 {negative:.0f} 条，"
                f"预警 {len(self.alerts)} 次")


def _day_query(brand: str, first: date, last: date, tz: tzinfo, extra: str = "") -> Query:
    name = brand.replace('"', "")
    return parse(f'brand:"{name}" since:{first.isoformat()} until:{last.isoformat()} {extra}', tz)


def _figures(db: Database, brand: str, first: date, last: date, tz: tzinfo, divide: int = 1) -> Figures:
    counts = counts_by(db, _day_query(brand, first, last, tz), "source_kind", "label")
    return Figures({key: value / divide for key, value in counts.items()})


def _reach(mention: Mention, weights) -> float:
    if weights is None:
        return float(mention.reposts + mention.comments + mention.likes)
    return ((mention.author_followers or 0) * weights.followers + mention.reposts * weights.reposts
            + mention.comments * weights.comments + mention.likes * weights.likes)


def _stories(db: Database, brand: str, day: date, tz: tzinfo, weights, top: int) -> list[Story]:
    groups: dict[object, list[Mention]] = {}
    for mention in iter_matches(db, _day_query(brand, day, day, tz, "sentiment:neg")):
        story = mention.cluster_id if mention.cluster_id is not None else ("mention", mention.id)
        groups.setdefault(story, []).append(mention)
    stories = []
    for members in groups.values():
        lead = max(members, key=lambda m: (m.reposts, m.id))
        stories.append(Story(title=lead.title or lead.text[:60], url=lead.url, source=lead.source.name,
                             mentions=len(members), reposts=sum(m.reposts for m in members),
                             reach=sum(_reach(m, weights) for m in members)))
    stories.sort(key=lambda s: (s.reach, s.mentions), reverse=True)
    return stories[:top]


def _hot_words(db: Database, brand_words: list[str], query: Query, top: int) -> list[str]:
    texts = [m.tokens.split() if m.tokens else f"{m.title} {m.text}" for m in iter_matches(db, query)]
    if not texts:
        return []
    try:
        from nlp.hotwords import hot_words
    except ImportError:
        counts = Counter(word for m in texts if isinstance(m, list) for word in m if word not in brand_words)
        return [word for word, _ in counts.most_common(top)]
    return [word for word, _ in hot_words(texts, exclude=brand_words, top=top)]


def _brand(db: Database, settings: Settings, brand, day: date) -> BrandDigest:
    tz = settings.tz
    first_of_week = day - timedelta(days=BASELINE_DAYS)
    query = _day_query(brand.name, day, day, tz)
    weights = getattr(getattr(settings, "alerts", None), "reach_weights", None)
    now = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    trend_query = _day_query(brand.name, day - timedelta(days=6), day, tz)
    return BrandDigest(
        brand=brand.name,
        today=_figures(db, brand.name, day, day, tz),
        yesterday=_figures(db, brand.name, day - timedelta(days=1), day - timedelta(days=1), tz),
        week_average=_figures(db, brand.name, first_of_week, day - timedelta(days=1), tz,
                              divide=BASELINE_DAYS),
        trend=daily_volume(db, trend_query, tz, now=now - timedelta(microseconds=1)),
        stories=_stories(db, brand.name, day, tz, weights, settings.digest.top_stories),
        categories=_top(counts_by(db, query, "category")),
        regions=_top(counts_by(db, query, "region")),
        hot_words=_hot_words(db, brand.keywords, query, settings.digest.hot_words),
    )


def _top(counts: dict[tuple, int], limit: int = 8) -> list[tuple[str, int]]:
    named = [(key[0], n) for key, n in counts.items() if key[0]]
    return sorted(named, key=lambda item: (-item[1], item[0]))[:limit]


def _alerts(db: Database, start: datetime, end: datetime, tz: tzinfo) -> list[AlertLine]:
    try:
        from alerts.models import Alert, AlertEvent
    except ImportError:
        return []
    with db.session() as session:
        rows = session.execute(
            select(AlertEvent, Alert).join(Alert, Alert.id == AlertEvent.alert_id)
            .where(AlertEvent.at >= start, AlertEvent.at < end,
                   AlertEvent.kind.in_(("firing", "escalated", "resolved", "acknowledged")))
            .order_by(AlertEvent.at)).all()
        return [AlertLine(alert.subject, alert.scope, event.level or alert.level, event.kind,
                          event.at.astimezone(tz), alert.state)
                for event, alert in rows]


def _blocked(db: Database, start: datetime, end: datetime, tz: tzinfo) -> list[BlockedSource]:
    with db.session() as session:
        rows = session.scalars(select(Source).where(Source.blocked_at >= start, Source.blocked_at < end)
                               .order_by(Source.blocked_at)).all()
        return [BlockedSource(s.name, s.kind, s.blocked_at.astimezone(tz), s.blocked_reason,
                              s.blocked_until.astimezone(tz) if s.blocked_until else None) for s in rows]


def build_digest(db: Database, settings: Settings, day: date) -> Digest:
    """The digest of local day ``day`` for every configured brand."""
    tz = settings.tz
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    brands = [_brand(db, settings, b, day) for b in settings.brands]
    return Digest(day=day, timezone=settings.timezone, brands=brands,
                  alerts=_alerts(db, start, end, tz), blocked=_blocked(db, start, end, tz))


def default_day(settings: Settings, now: datetime | None = None) -> date:
    """The day a digest sent now reports on: yesterday, local time."""
    return ((now or datetime.now(UTC)).astimezone(settings.tz) - timedelta(days=1)).date()
