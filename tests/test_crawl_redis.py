"""Distributed crawling: with a redis URL configured, a crawl's requests go through scrapy-redis on a real server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from demo.world import DemoPost
from storage.db import Database
from storage.models import Mention
from tests.conftest import require_service, run_cli


@pytest.fixture
def redis_url():
    return require_service("YUQING_TEST_REDIS_URL", "redis-server")


def test_crawl_shares_its_request_queue_through_redis(redis_url, demo_world, demo_server, write_settings,
                                                      tmp_path, monkeypatch):
    import redis

    demo_world.add(DemoPost("news", "1", "青禾空气炸锅冒烟", "青禾空气炸锅冒烟，售后不处理。", "记者",
                            datetime.now(UTC) - timedelta(hours=1)))
    settings_path = write_settings(
        '\n[crawl]\nredis_url_env = "TEST_REDIS_URL"\n'
        f'\n[[sources]]\nname = "redis-news"\nkind = "news"\nspider = "feed"\n'
        f'urls = ["{demo_server.url}/rss/news.xml"]\n'
    )
    client = redis.Redis.from_url(redis_url, socket_timeout=120)
    commands: list[str] = []
    monitor = client.monitor()
    listening = threading.Event()

    def watch() -> None:
        with monitor:
            listening.set()
            try:
                for event in monitor.listen():
                    commands.append(event["command"])
                    if "yuqing:redis-news:dupefilter" in event["command"] and event["command"].startswith("DEL"):
                        return
            except redis.exceptions.RedisError:
                return  # the assertions below say what was missed

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    listening.wait(5)
    monkeypatch.setenv("TEST_REDIS_URL", redis_url)
    done = run_cli("--settings", str(settings_path), "crawl", "redis-news")
    assert done.returncode == 0, done.stderr[-2000:]
    watcher.join(10)

    assert any("yuqing:redis-news:requests" in c for c in commands), commands[:20]
    assert any(c.startswith("SADD") and "yuqing:redis-news:dupefilter" in c for c in commands)
    database = Database(f"sqlite:///{tmp_path}/yuqing.db")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == 1
    database.dispose()
    assert not client.exists("yuqing:redis-news:dupefilter"), "a run's fingerprints must not outlive it"
