"""What an alert email shows besides the figures: the trend, the top negative stories, the breakdowns.

Read only when a notification is due, so these queries cost nothing on the evaluations that send no mail.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.config import ALL_SCOPE, AlertSettings
from alerts.indicators import public_negative, reach_expression
from storage.models import Mention, Source

TREND_HOURS = 24
# Enough candidates to fill the list after one mention per story is kept.
CANDIDATES = 200


@dataclass(frozen=True)
class TopMention:
    title: str
    source: str
    author: str | None
    reach: int
    region: str | None
    url: str
    published_at: datetime
    story_size: int


@dataclass(frozen=True)
class Evidence:
    trend: list[tuple[datetime, int]]
    top: list[TopMention]
    categories: dict[str, int]
    regions: dict[str, int]


def _scoped(statement, brand: str, scope: str, now: datetime, since: datetime, live: bool):
    statement = statement.where(
        Mention.brand == brand,
        public_negative(),
        Mention.published_at > since,
        Mention.published_at <= now,
    )
    if scope != ALL_SCOPE:
        statement = statement.where(Mention.category == scope)
    if live:
        statement = statement.where(Mention.stored_at <= now)
    return statement


def gather(
    session: Session, settings: AlertSettings, brand: str, scope: str, now: datetime, *, live: bool = True
) -> Evidence:
    window = settings.windows[-1]
    return Evidence(
        trend=trend(session, brand, scope, now, live=live),
        top=top_mentions(session, settings, brand, scope, now, now - window, live=live),
        categories=_breakdown(session, Mention.category, brand, scope, now, now - window, live, "未分类"),
        regions=_breakdown(session, Mention.region, brand, scope, now, now - window, live, "未知"),
    )


def trend(
    session: Session, brand: str, scope: str, now: datetime, *, hours: int = TREND_HOURS, live: bool = True
) -> list[tuple[datetime, int]]:
    """Negative mentions per hour over the last ``hours``, oldest first, each bucket ending at its datetime.

    Bucketed in Python from the timestamps: one index range of one brand, and no per-dialect date arithmetic.
    """
    since = now - timedelta(hours=hours)
    times = session.scalars(_scoped(select(Mention.published_at), brand, scope, now, since, live))
    buckets = Counter(min(hours - 1, int((moment - since).total_seconds() // 3600)) for moment in times)
    return [(since + timedelta(hours=i + 1), buckets.get(i, 0)) for i in range(hours)]


def top_mentions(
    session: Session,
    settings: AlertSettings,
    brand: str,
    scope: str,
    now: datetime,
    since: datetime,
    *,
    live: bool = True,
) -> list[TopMention]:
    """The widest-reaching negative mentions, one per story, with the story's size."""
    reach = reach_expression(settings).label("reach")
    statement = _scoped(select(Mention, Source.name, reach).join(Source), brand, scope, now, since, live)
    rows = session.execute(
        statement.order_by(reach.desc(), Mention.published_at.desc()).limit(CANDIDATES)
    ).all()
    clusters = {row.cluster_id for row, _, _ in rows if row.cluster_id is not None}
    sizes: dict[int, int] = {}
    if clusters:
        sized = _scoped(select(Mention.cluster_id, func.count()), brand, scope, now, since, live)
        sizes = dict(
            session.execute(sized.where(Mention.cluster_id.in_(clusters)).group_by(Mention.cluster_id)).all()
        )
    top: list[TopMention] = []
    seen: set[int] = set()
    for row, source, weight in rows:
        if row.cluster_id is not None:
            if row.cluster_id in seen:
                continue
            seen.add(row.cluster_id)
        top.append(
            TopMention(
                title=row.title or row.text[:60],
                source=source,
                author=row.author,
                reach=int(weight or 0),
                region=row.region,
                url=row.url,
                published_at=row.published_at,
                story_size=sizes.get(row.cluster_id, 1) if row.cluster_id is not None else 1,
            )
        )
        if len(top) >= settings.top_mentions:
            break
    return top


def _breakdown(session, column, brand, scope, now, since, live, missing: str) -> dict[str, int]:
    statement = _scoped(select(column, func.count()), brand, scope, now, since, live).group_by(column)
    counts: dict[str, int] = {}
    for key, n in session.execute(statement):
        counts[key or missing] = counts.get(key or missing, 0) + n
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
