"""The retention job: mentions older than ``storage.retention`` go, newer ones and alert history stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import Mention
from storage.repo import get_or_create_source, upsert_mention
from yuqing.config import load_settings
from yuqing.daemon import Daemon


def test_clean_up_deletes_only_mentions_published_before_the_retention_window(write_settings):
    from storage.db import Database

    path = write_settings()
    # The base settings already have a [storage] table: the retention goes into it.
    path.write_text(path.read_text(encoding="utf-8").replace("[storage]\n", '[storage]\nretention = "30d"\n'),
                    encoding="utf-8")
    settings = load_settings(path)
    db = Database(settings.storage.url)
    db.upgrade()
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with db.session() as session:
        source = get_or_create_source(session, "tieba", "forum")
        for key, age in (("old", 45), ("edge", 29), ("new", 1)):
            published = now - timedelta(days=age)
            upsert_mention(session, source, {
                "source_kind": "forum", "external_id": key, "url": f"http://bbs.example.cn/{key}", "title": "",
                "text": "青禾电饭煲", "published_at": published, "fetched_at": published, "stored_at": published,
                "brand": "青禾", "sentiment": 0.5, "label": "neutral"})
    daemon = Daemon(settings, path, db, clock=lambda: now)
    assert daemon.clean_up() == 1
    with db.session() as session:
        assert sorted(session.scalars(select(Mention.external_id))) == ["edge", "new"]
    db.dispose()
