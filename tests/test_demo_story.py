"""The demo's clock, scenario and settings: what `yuqing demo` builds before it starts the daemon."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from demo.clock import DemoClock
from demo.scenario import BEATS, DURATION, MEDIA, build
from storage.repo import get_or_create_source, upsert_mention
from yuqing.demo import restamp, write_settings


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_demo_clock_runs_at_its_speedup_and_stands_still_while_paused():
    ticks = FakeMonotonic()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = DemoClock(start, speedup=600, monotonic=ticks)
    ticks.now += 10
    assert clock() == start + timedelta(minutes=100)
    clock.pause()
    ticks.now += 50
    assert clock() == start + timedelta(minutes=100)
    clock.resume()
    ticks.now += 1
    assert clock() == start + timedelta(minutes=110)


def test_demo_clock_never_shows_a_time_after_the_real_present():
    ticks = FakeMonotonic()
    clock = DemoClock(datetime.now(UTC) - timedelta(minutes=1), speedup=3600, monotonic=ticks)
    ticks.now += 3600
    assert clock() <= datetime.now(UTC)


def test_the_story_starts_on_the_complaint_site_and_reaches_the_news_last():
    crisis_at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    scenario = build(crisis_at)
    crisis = [post for post in scenario.posts if post.published_at >= crisis_at]
    first_seen = {}
    for post in crisis:
        first_seen.setdefault(post.site, post.published_at)
    assert min(first_seen, key=first_seen.get) == "heimao"
    assert first_seen["heimao"] < first_seen["tieba"] < first_seen["weibo"] < first_seen["news"]
    media = [post for post in crisis if post.verified_type == MEDIA]
    assert media and all(post.followers >= 1_000_000 for post in media)
    assert len({post.region for post in crisis if post.site == "weibo" and post.region}) >= 10
    assert all(post.published_at <= scenario.ends_at for post in scenario.posts)
    assert scenario.beat_at(crisis_at + DURATION) == BEATS[-1]


def test_quiet_days_come_before_the_crisis_and_mention_the_brand():
    crisis_at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    quiet = [post for post in build(crisis_at).posts if post.published_at < crisis_at]
    assert len({post.published_at.date() for post in quiet}) >= 5
    assert sum("青禾" in post.title + post.text for post in quiet) >= len(quiet) - 2


def test_the_story_ids_are_unique_per_site():
    posts = build(datetime(2026, 11, 20, tzinfo=UTC)).posts
    assert len({(post.site, post.id) for post in posts}) == len(posts)


def test_demo_settings_keep_only_the_sources_whose_site_and_spider_exist(tmp_path):
    path = write_settings(tmp_path, "http://127.0.0.1:1234", {"feed", "weibo"})
    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    assert [source["name"] for source in settings["sources"]] == ["weibo", "news"]
    assert settings["sources"][0]["base_url"] == "http://127.0.0.1:1234"
    assert settings["storage"]["url"] == f"sqlite:///{tmp_path.as_posix()}/demo.db"
    assert settings["mail"]["mailbox_dir"] == f"{tmp_path.as_posix()}/mailbox"


def test_restamp_puts_rows_stored_in_real_time_onto_the_demo_clock(sqlite_database):
    simulated = datetime.now(UTC) - timedelta(hours=5)
    earlier = simulated - timedelta(hours=1)
    with sqlite_database.session() as session:
        source = get_or_create_source(session, "weibo", "social")
        for key, stored in (("old", earlier), ("new", datetime.now(UTC))):
            upsert_mention(session, source, {
                "source_kind": "social", "external_id": key, "url": f"http://m.example.cn/{key}", "title": "",
                "text": "青禾空气炸锅冒烟", "published_at": earlier, "fetched_at": stored, "stored_at": stored,
                "brand": "青禾", "sentiment": 0.1, "label": "negative"})
    assert restamp(sqlite_database, simulated) == 1
    from sqlalchemy import select

    from storage.models import Mention

    with sqlite_database.session() as session:
        stamps = dict(session.execute(select(Mention.external_id, Mention.stored_at)).all())
    assert stamps == {"old": earlier, "new": simulated}


def test_the_demo_crisis_plays_general_then_serious_then_major_through_the_pipeline_and_engine(tmp_path):
    from alerts.models import Alert, AlertEvent
    from storage.db import Database
    from tests.crisis import demo_settings_file, tell
    from yuqing.config import load_settings

    settings = load_settings(demo_settings_file(tmp_path))
    db = Database(settings.storage.url)
    db.upgrade()
    crisis_at = datetime.now(UTC).replace(second=0, microsecond=0) - DURATION - timedelta(minutes=5)
    tell(db, settings, crisis_at)
    with db.session() as session:
        told = session.execute(
            select(AlertEvent.level, AlertEvent.at)
            .join(Alert)
            .where(Alert.subject == "青禾", Alert.scope == "全部", AlertEvent.kind.in_(("firing", "escalated")))
            .order_by(AlertEvent.id)
        ).all()
    db.dispose()
    assert [level for level, _ in told][:3] == ["一般", "严重", "重大"]
    assert told[0].at >= crisis_at  # the quiet days raise nothing
