"""A brand's overview for a period: the page a PR lead opens every morning.

Every count goes through the search layer's query language (``brand:"青禾" since:7d``), so a number here is the
number the search page shows for the same query; the top stories are the alert emails' (one per story, by reach).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from alerts.evidence import TopMention, top_mentions
from search.service import DayVolume, counts_by, daily_volume, iter_matches, parse
from storage.models import Source

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
TOP_VALUES = 10


@dataclass(frozen=True)
class ActiveAlert:
    id: int
    scope: str
    level: str | None
    state: str
    started_at: datetime | None
    acknowledged: bool


@dataclass
class Overview:
    brand: str
    days: int
    volume: list[DayVolume]
    sources: list[tuple[str, int]]
    regions: list[tuple[str, int]]
    categories: list[tuple[str, int]]
    hot_words: list[str]
    top: list[TopMention]
    alerts: list[ActiveAlert]
    official: int

    @property
    def total(self) -> int:
        return sum(day.total for day in self.volume)

    @property
    def negative(self) -> int:
        return sum(day.negative for day in self.volume)


def brand_overview(db, settings, brand: str, days: int = 7, now: datetime | None = None) -> Overview:
    """Volume and sentiment per day, where it was said, about what, the hot words, top stories and live alerts."""
    now = now or datetime.now(UTC)
    tz = settings.tz
    name = brand.replace('"', "")
    query = parse(f'brand:"{name}" since:{days}d', tz, now)
    negative = parse(f'brand:"{name}" since:{days}d sentiment:neg', tz, now)
    by_source = counts_by(db, query, "source_id")
    with db.session() as session:
        names = dict(session.execute(select(Source.id, Source.name)).all())
        top = top_mentions(session, settings.alerts, brand, "全部", now, now - timedelta(days=days), live=False)
    return Overview(
        brand=brand, days=days,
        volume=daily_volume(db, query, tz, days=days, now=now),
        sources=_ranked({(names.get(key[0], "?"),): n for key, n in by_source.items()}),
        regions=_ranked(counts_by(db, query, "region")),
        categories=_ranked(counts_by(db, negative, "category")),
        hot_words=_hot_words(db, settings, brand, query),
        top=top,
        alerts=_alerts(db, brand),
        official=counts_by(db, query, "official").get((True,), 0),
    )


def _ranked(counts: dict[tuple, int]) -> list[tuple[str, int]]:
    named = [(key[0], n) for key, n in counts.items() if key[0]]
    return sorted(named, key=lambda item: (-item[1], item[0]))[:TOP_VALUES]


def _hot_words(db, settings, brand: str, query) -> list[str]:
    from nlp.hotwords import hot_words

    brand_words = next((b.keywords for b in settings.brands if b.name == brand), [brand])
    texts = [m.tokens.split() for m in iter_matches(db, query, limit=5000) if m.tokens]
    return [word for word, _ in hot_words(texts, exclude=brand_words, top=settings.digest.hot_words)] if texts else []


def _alerts(db, brand: str) -> list[ActiveAlert]:
    from alerts.models import Alert

    with db.session() as session:
        rows = session.scalars(select(Alert).where(Alert.kind == "brand", Alert.subject == brand,
                                                   Alert.state.in_(("pending", "firing")))
                               .order_by(Alert.updated_at.desc()))
        return [ActiveAlert(a.id, a.scope, a.level, a.state, a.started_at, a.acknowledged_at is not None)
                for a in rows]
