"""The vertical slice: a real-shaped news feed is crawled, matched, analysed, stored once, and found again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from demo.world import DemoPost
from storage.db import Database
from storage.models import Mention, Source
from tests.conftest import run_cli

NOW = datetime.now(UTC)


def post(site: str, post_id: str, title: str, text: str, hours_ago: float, author: str = "记者") -> DemoPost:
    return DemoPost(site=site, id=post_id, title=title, text=text, author=author,
                    published_at=NOW - timedelta(hours=hours_ago))


FEED_SOURCES = """
[[sources]]
name = "news"
kind = "news"
spider = "feed"
urls = ["{base}/rss/news.xml", "{base}/atom/blog.xml"]

[[sources]]
name = "portal"
kind = "news"
spider = "feed"
urls = ["{base}/rss/portal.xml"]
"""


@pytest.fixture
def feed_world(demo_world):
    demo_world.add(
        post("news", "1", "青禾空气炸锅使用三天就冒烟，客服推诿",
             "消费者反映青禾空气炸锅冒烟，售后一直不处理，非常失望。", 2),
        post("news", "2", "青禾电饭煲获得设计奖", "青禾电饭煲设计出色，用户评价很好，非常满意。", 5),
        post("news", "3", "周末天气晴好", "适合出游，与任何品牌无关。", 1),
        post("portal", "7", "星瀾汽車交付延遲，車主不滿", "多位車主反映星瀾汽車交付一再延遲，客服態度差。", 3),
        post("blog", "9", "我的QingHe破壁机", "用了一个月，打豆浆很细腻，推荐。", 8, author="厨房小白"),
        post("news", "4", "明天的新闻", "青禾还没发生的事", -5),
    )
    return demo_world


def crawl(settings_path, name: str):
    done = run_cli("--settings", str(settings_path), "crawl", name)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_feed_crawl_stores_matched_mentions_once(feed_world, demo_server, write_settings, tmp_path):
    settings_path = write_settings(FEED_SOURCES.format(base=demo_server.url))
    first = crawl(settings_path, "news") + crawl(settings_path, "portal")
    assert "news: 4 items, 3 new, 0 updated, 1 not about a brand" in first
    assert "portal: 1 items, 1 new" in first

    database = Database(f"sqlite:///{tmp_path}/yuqing.db")
    with database.session() as session:
        rows = {m.external_id: m for m in session.scalars(select(Mention))}
        assert {m.brand for m in rows.values()} == {"青禾", "星澜汽车"}
        complaint = next(m for m in rows.values() if "冒烟" in m.title)
        praise = next(m for m in rows.values() if "设计奖" in m.title)
        assert complaint.label == "negative" and complaint.sentiment < 0.5
        assert praise.sentiment > complaint.sentiment
        assert complaint.published_at.tzinfo is not None
        assert abs(complaint.published_at - (NOW - timedelta(hours=2))) < timedelta(seconds=2)
        assert complaint.source_kind == "news" and complaint.tokens
        traditional = next(m for m in rows.values() if m.brand == "星澜汽车")
        assert "星瀾汽車" in traditional.title  # stored as crawled; matched after conversion
        assert not any("还没发生" in m.text for m in rows.values())

    second = crawl(settings_path, "news")
    assert "3 new" not in second and "0 new, 3 updated" in second
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == 4
        source = session.scalar(select(Source).where(Source.name == "news"))
        assert source.last_success_at is not None and source.items_last_run == 4
    database.dispose()


def test_search_finds_stored_mentions_by_two_character_word(feed_world, demo_server, write_settings):
    settings_path = write_settings(FEED_SOURCES.format(base=demo_server.url))
    crawl(settings_path, "news")
    done = run_cli("--settings", str(settings_path), "search", "炸锅", "--json")
    assert done.returncode == 0, done.stderr
    assert "青禾空气炸锅使用三天就冒烟" in done.stdout


def test_dead_feed_url_is_recorded_as_an_error_and_nothing_is_lost(feed_world, demo_server, write_settings,
                                                                    tmp_path):
    settings_path = write_settings(FEED_SOURCES.format(base=demo_server.url))
    crawl(settings_path, "news")
    broken = write_settings(FEED_SOURCES.format(base=demo_server.url).replace("/rss/news.xml", "/rss/gone.xml"),
                            name="broken.toml")
    done = run_cli("--settings", str(broken), "crawl", "news")
    assert "HTTP 404 at " in done.stdout and "/rss/gone.xml" in done.stdout
    database = Database(f"sqlite:///{tmp_path}/yuqing.db")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == 3
        source = session.scalar(select(Source).where(Source.name == "news"))
        assert "HTTP 404" in source.last_error and source.failures == 1
    database.dispose()


def test_crawl_and_search_on_postgresql(feed_world, demo_server, write_settings, postgres_url):
    settings_path = write_settings(FEED_SOURCES.format(base=demo_server.url), url=postgres_url)
    assert "3 new" in crawl(settings_path, "news")
    assert "0 new, 3 updated" in crawl(settings_path, "news")
    database = Database(postgres_url)
    with database.session() as session:
        rows = session.scalars(select(Mention)).all()
        assert len(rows) == 3 and all(m.published_at.tzinfo is not None for m in rows)
    database.dispose()
    done = run_cli("--settings", str(settings_path), "search", "炸锅", "--json")
    assert done.returncode == 0, done.stderr
    assert "青禾空气炸锅使用三天就冒烟" in done.stdout and "设计奖" not in done.stdout
