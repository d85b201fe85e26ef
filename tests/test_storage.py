"""Storage on SQLite (WAL) and the real PostgreSQL server: aware UTC dates, idempotent upserts, source health."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import Mention, Source
from storage.repo import get_or_create_source, record_run, upsert_mention

BEIJING = timezone(timedelta(hours=8))


def mention(external_id: str | None = "p1", url: str = "http://example.cn/p1", **overrides) -> dict:
    now = datetime.now(UTC)
    values = {
        "source_kind": "forum", "external_id": external_id, "url": url, "title": "青禾电饭煲内胆脱落",
        "text": "用了半年内胆涂层脱落", "author": "网友A",
        "published_at": datetime(2026, 11, 20, 9, 30, tzinfo=BEIJING),
        "fetched_at": now, "stored_at": now, "reposts": 1, "comments": 2, "likes": 3, "brand": "青禾",
        "sentiment": 0.1, "label": "negative", "category": "产品质量", "grade": "一般", "reasons": [],
        "keywords": ["内胆"], "tokens": "内胆 涂层 脱落", "extra": {"floor": 1}, "is_media": False,
    }
    values.update(overrides)
    return values


def test_published_at_comes_back_as_the_same_aware_utc_moment(database):
    with database.session() as session:
        source = get_or_create_source(session, "forum-a", "forum")
        row, created = upsert_mention(session, source, mention())
        row_id = row.id
    assert created
    with database.session() as session:
        stored = session.get(Mention, row_id)
        assert stored.published_at == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
        assert stored.published_at.tzinfo is not None
        assert stored.extra == {"floor": 1} and stored.keywords == ["内胆"]


def test_same_post_stored_twice_is_one_row_with_updated_counts(database):
    with database.session() as session:
        source = get_or_create_source(session, "forum-a", "forum")
        upsert_mention(session, source, mention())
    with database.session() as session:
        source = get_or_create_source(session, "forum-a", "forum")
        row, created = upsert_mention(session, source, mention(reposts=40, comments=50, likes=60))
    assert not created
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == 1
        stored = session.scalar(select(Mention))
        assert (stored.reposts, stored.comments, stored.likes) == (40, 50, 60)
        assert stored.title == "青禾电饭煲内胆脱落"


def test_a_page_without_counts_keeps_the_counts_an_earlier_page_gave(database):
    with database.session() as session:
        source = get_or_create_source(session, "heimao", "complaint")
        upsert_mention(session, source, mention(reposts=7, comments=8, likes=9))
        row, created = upsert_mention(session, source, mention(reposts=None, comments=None, likes=None))
        assert not created and (row.reposts, row.comments, row.likes) == (7, 8, 9)
        fresh, created = upsert_mention(session, source, mention(external_id="p9", url="http://e.cn/9",
                                                                  reposts=None, comments=None, likes=None))
        assert created and (fresh.reposts, fresh.comments, fresh.likes) == (0, 0, 0)


def test_url_is_the_key_when_a_site_gives_no_id(database):
    with database.session() as session:
        source = get_or_create_source(session, "news", "news")
        _, first = upsert_mention(session, source, mention(external_id=None, url="http://n.example.cn/a.html"))
        _, second = upsert_mention(session, source, mention(external_id=None, url="http://n.example.cn/a.html"))
        _, third = upsert_mention(session, source, mention(external_id=None, url="http://n.example.cn/b.html"))
    assert (first, second, third) == (True, False, True)


def test_same_external_id_on_two_sources_is_two_rows(database):
    with database.session() as session:
        a = get_or_create_source(session, "a", "forum")
        b = get_or_create_source(session, "b", "social")
        upsert_mention(session, a, mention())
        upsert_mention(session, b, mention(source_kind="social"))
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == 2


def test_naive_datetimes_are_refused(database):
    with pytest.raises(Exception, match="naive datetime"), database.session() as session:
        source = get_or_create_source(session, "a", "forum")
        upsert_mention(session, source, mention(published_at=datetime(2026, 11, 20, 9, 30)))


def test_a_failed_write_loses_nothing_already_stored(database):
    with database.session() as session:
        source = get_or_create_source(session, "a", "forum")
        upsert_mention(session, source, mention())
    with pytest.raises(IntegrityError), database.session() as session:
        source = get_or_create_source(session, "a", "forum")
        upsert_mention(session, source, mention(external_id="p2", url="http://example.cn/p2"))
        upsert_mention(session, source, mention(external_id="p3", url="http://example.cn/p3", published_at=None))
    with database.session() as session:
        assert session.scalars(select(Mention.external_id)).all() == ["p1"]


def test_record_run_tracks_success_errors_and_blocking(database):
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    with database.session() as session:
        source = get_or_create_source(session, "weibo", "social")
        record_run(session, source, items=10, new=4, at=at)
        record_run(session, source, items=0, new=0, blocked_reason="HTTP 418", at=at + timedelta(minutes=5),
                   blocked_until=at + timedelta(hours=2))
    with database.session() as session:
        source = session.scalar(select(Source).where(Source.name == "weibo"))
        assert source.last_success_at == at
        assert source.blocked_until == at + timedelta(hours=2)
        assert source.last_error == "blocked: HTTP 418" and source.failures == 1
        record_run(session, source, items=3, new=1, at=at + timedelta(hours=3))
    with database.session() as session:
        source = session.scalar(select(Source).where(Source.name == "weibo"))
        assert source.blocked_until is None and source.failures == 0


def test_sqlite_runs_in_wal_mode(sqlite_database):
    with sqlite_database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_upgrade_is_repeatable(database):
    database.upgrade()
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 0


def test_three_reviews_on_one_page_without_per_review_links_are_three_mentions(database):
    page = "https://koubei.example.cn/p/qinghe-air-fryer"
    reviews = ["炸鸡翅很香，推荐", "冒烟起火，吓坏了，要求退货", "噪音有点大，其他还行"]
    with database.session() as session:
        source = get_or_create_source(session, "koubei", "review")
        created = [upsert_mention(session, source, mention(external_id=None, url=page, title="", text=t))[1]
                   for t in reviews]
        again = upsert_mention(session, source, mention(external_id=None, url=page, title="", text=reviews[1]))[1]
        stored = sorted(session.scalars(select(Mention.text).where(Mention.source_id == source.id)))
    assert created == [True, True, True] and again is False
    assert stored == sorted(reviews)


def test_posts_with_different_site_ids_under_one_url_are_never_merged(database):
    page = "https://koubei.example.cn/p/qinghe-rice-cooker"
    with database.session() as session:
        source = get_or_create_source(session, "koubei", "review")
        outcomes = [upsert_mention(session, source, mention(external_id=f"r{n}", url=page, text="同一句话"))[1]
                    for n in range(3)]
        count = session.scalar(select(func.count()).select_from(Mention).where(Mention.source_id == source.id))
    assert outcomes == [True, True, True] and count == 3


def test_a_row_stored_under_the_old_url_only_key_still_matches_its_post(database):
    from storage.repo import _legacy_url_key

    url = "http://n.example.cn/old.html"
    with database.session() as session:
        source = get_or_create_source(session, "news", "news")
        row, _ = upsert_mention(session, source, mention(external_id=_legacy_url_key(url), url=url))
        same, created = upsert_mention(session, source, mention(external_id=None, url=url))
        _, other = upsert_mention(session, source, mention(external_id=None, url=url, text="另一条评论"))
    assert same.id == row.id and created is False and other is True


def test_every_migration_branch_leaves_the_search_triggers_on_sqlite(sqlite_database):
    # Branches from 0001 run in an order alembic picks; one that rebuilds ``mentions`` (batch mode) after 0003
    # would silently drop the triggers, and newly stored mentions would never be found.
    from sqlalchemy import text

    with sqlite_database.engine.connect() as connection:
        triggers = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))}
    assert {"mentions_search_insert", "mentions_search_update", "mentions_search_delete"} <= triggers


def test_long_ddl_on_postgresql_logs_how_far_it_is_while_it_runs(postgres_url, caplog):
    from storage.ddl_progress import run_logged

    db = Database(postgres_url)
    db.upgrade()
    with db.engine.begin() as connection:
        # An index build of about 1.5 s: 1,500 rows through an expression that sleeps 1 ms a row.
        connection.exec_driver_sql("CREATE FUNCTION slow(i int) RETURNS int IMMUTABLE LANGUAGE sql "
                                   "AS 'SELECT i FROM pg_sleep(0.001)'")
        connection.exec_driver_sql("CREATE TABLE probe AS SELECT generate_series(1, 1500) AS i")
    with caplog.at_level(logging.INFO, logger="yuqing.migrations"), db.engine.begin() as connection:
        run_logged(connection, ("SELECT pg_sleep(0.5)", "SET LOCAL work_mem = '8MB'",
                                "CREATE INDEX probe_slow ON probe (slow(i))"), table="probe", every=0.2)
        assert connection.exec_driver_sql("SHOW work_mem").scalar() == "8MB"
    lines = [r.getMessage() for r in caplog.records if r.name == "yuqing.migrations"]
    # First the sleep, which has no progress view, then the build's own report, read anew at each line.
    assert lines[0].startswith("probe: still working"), lines
    assert any(line.startswith("probe: index build") for line in lines), lines
    db.dispose()
