"""Synthetic stored mentions with scripted times: the tests' crisis scenario, the benchmark's history.

Rows go straight into ``mentions`` with the analysis already filled in, so the alert engine can be exercised
and measured without crawling or running the NLP models.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import TYPE_CHECKING

from sqlalchemy import insert

from storage.models import Mention
from storage.repo import get_or_create_source

if TYPE_CHECKING:
    from storage.db import Database

REGIONS = (
    "北京",
    "上海",
    "广东",
    "浙江",
    "江苏",
    "四川",
    "湖北",
    "山东",
    "河南",
    "福建",
    "湖南",
    "陕西",
    "重庆",
    "天津",
)
SOURCES = {"weibo": "social", "tieba": "forum", "heimao": "complaint", "dianping": "review", "news": "news"}
_ids = count(1)
# Rows from another process (an earlier run on the same database) must not collide on (source, external_id).
_RUN = uuid.uuid4().hex[:8]


def mention(
    brand: str,
    published_at: datetime,
    *,
    label: str = "neutral",
    source: str = "weibo",
    category: str | None = None,
    grade: str = "一般",
    region: str | None = None,
    title: str | None = None,
    cluster_id: int | None = None,
    followers: int = 100,
    is_media: bool = False,
    reposts: int = 0,
    comments: int = 0,
    likes: int = 0,
    stored_at: datetime | None = None,
    url: str | None = None,
) -> dict:
    """The values of one mention row; ``source`` names a source in :data:`SOURCES` (its kind follows)."""
    number = next(_ids)
    sentiment = {"negative": 0.1, "positive": 0.9}.get(label, 0.5)
    return {
        "source": source,
        "source_kind": SOURCES.get(source, "social"),
        "external_id": f"syn-{_RUN}-{number}",
        "url": url or f"https://{source}.example.cn/p/{number}",
        "title": title or f"{brand} 用户反馈 {number}",
        "text": f"{brand} 相关内容 {number}",
        "author": f"用户{number % 997}",
        "author_followers": followers,
        "is_media": is_media,
        "region": region,
        "published_at": published_at,
        "fetched_at": published_at,
        "stored_at": stored_at or published_at,
        "reposts": reposts,
        "comments": comments,
        "likes": likes,
        "extra": {},
        "brand": brand,
        "sentiment": sentiment,
        "label": label,
        "category": category,
        "grade": grade,
        "reasons": [],
        "keywords": [],
        "tokens": "",
        "cluster_id": cluster_id if cluster_id is not None else -number,
    }


def store(db: Database, rows: Iterable[dict], *, batch: int = 5000) -> int:
    """Insert rows made by :func:`mention` (bulk, no pipeline); returns how many."""
    total = 0
    source_ids: dict[str, int] = {}
    pending: list[dict] = []

    def flush(session) -> None:
        if pending:
            session.execute(insert(Mention), pending)
            pending.clear()

    with db.session() as session:
        for row in rows:
            row = dict(row)
            name = row.pop("source")
            if name not in source_ids:
                source_ids[name] = get_or_create_source(session, name, row["source_kind"]).id
            row["source_id"] = source_ids[name]
            pending.append(row)
            total += 1
            if len(pending) >= batch:
                flush(session)
        flush(session)
    return total


@dataclass(frozen=True)
class Phase:
    """A stage of the crisis scenario, in which the default rules should first reach ``level``."""

    level: str
    starts: datetime
    ends: datetime


def quiet_days(
    brand: str, start: datetime, days: int, *, per_day: int = 120, negative_per_day: int = 6, seed: int = 7
) -> Iterator[dict]:
    """An ordinary brand life: mostly neutral and positive chatter, a handful of scattered complaints a
    day."""
    rng = random.Random(seed)
    for day in range(days):
        for _ in range(per_day):
            when = start + timedelta(days=day, seconds=rng.randrange(86400))
            label = rng.choices(("positive", "neutral"), (1, 2))[0]
            yield mention(
                brand,
                when,
                label=label,
                source=rng.choice(("weibo", "tieba", "dianping")),
                region=rng.choice(REGIONS),
            )
        for _ in range(negative_per_day):
            when = start + timedelta(days=day, seconds=rng.randrange(86400))
            yield mention(
                brand,
                when,
                label="negative",
                source=rng.choice(("weibo", "heimao")),
                category=rng.choice(("服务态度", "交付物流", "产品质量")),
                region=rng.choice(REGIONS[:4]),
            )


def crisis(brand: str, start: datetime, *, seed: int = 11) -> tuple[list[dict], list[Phase]]:
    """A complaint that spreads: a few posts, then a storm across sources and regions, then the news picks it
    up.

    Returns the rows and the phases in which the brand-wide alert should reach 一般, 严重 and 重大.
    """
    rng = random.Random(seed)
    story = 900_000_001
    rows: list[dict] = []
    title = f"{brand}电热水壶底座漏电，客服推诿不处理"

    def complaint(when: datetime, region: str, source: str = "weibo", **extra) -> dict:
        return mention(
            brand,
            when,
            label="negative",
            source=source,
            category="产品质量",
            region=region,
            title=title,
            cluster_id=story,
            **extra,
        )

    # Phase 1 (0:00-2:00): a dozen complaints in two regions -> 一般 (one story of 8+, 10 within an hour).
    for i in range(12):
        rows.append(complaint(start + timedelta(minutes=5 * i + 1), REGIONS[i % 2]))
    # Phase 2 (2:00-3:00): it spreads to forums and complaint sites in six regions, 30 posts -> 严重.
    for i in range(30):
        rows.append(
            complaint(
                start + timedelta(hours=2, minutes=2 * i),
                REGIONS[i % 6],
                source=rng.choice(("weibo", "tieba", "heimao")),
                reposts=rng.randrange(5, 40),
            )
        )
    # Phase 3 (from 4:00): media accounts and news sites report it; posts keep coming in twelve regions ->
    # 重大.
    for i in range(40):
        rows.append(
            complaint(
                start + timedelta(hours=4, minutes=i),
                REGIONS[i % 12],
                source=rng.choice(("weibo", "tieba")),
                reposts=rng.randrange(10, 80),
            )
        )
    for i in range(3):
        rows.append(
            complaint(
                start + timedelta(hours=4, minutes=10 + 10 * i),
                "北京",
                source="news",
                is_media=True,
                followers=2_000_000,
            )
        )
    phases = [
        Phase("一般", start, start + timedelta(hours=2)),
        Phase("严重", start + timedelta(hours=2), start + timedelta(hours=4)),
        Phase("重大", start + timedelta(hours=4), start + timedelta(hours=5)),
    ]
    return rows, phases
