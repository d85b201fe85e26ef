"""The cookie named by a source's ``cookie_env`` reaches the site on every request, and only that source's site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from demo.server import DemoServer
from demo.world import DemoPost, World
from tests.conftest import run_cli

SECRET = "SUB=_2A25secret-weibo-login; _T_WM=98765"
FEED_SECRET = "sessionid=feed-secret-0042"


class RecordingServer(DemoServer):
    """The demo sites, noting the Cookie header of every request by its path."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.cookies: list[tuple[str, str | None]] = []

    def respond(self, path, query, headers):
        cookie = next((value for key, value in headers.items() if key.lower() == "cookie"), None)
        self.cookies.append((path, cookie))
        return super().respond(path, query, headers)


def _world() -> World:
    now = datetime.now(UTC)
    posts = [
        DemoPost("weibo", f"53000000000{i:05d}", "", f"青禾空气炸锅第{i}次冒烟了", "网友", now - timedelta(hours=i))
        for i in range(25)
    ]
    posts.append(DemoPost("news", "n1", "青禾召回部分电饭煲", "青禾宣布召回", "记者", now - timedelta(hours=2)))
    return World(posts)


def test_configured_cookie_is_sent_on_every_request_of_its_source_and_never_logged(write_settings, tmp_path):
    with RecordingServer(_world()) as server:
        settings = write_settings(
            f'\n[[sources]]\nname = "weibo-main"\nkind = "social"\nspider = "weibo"\nbase_url = "{server.url}"\n'
            'delay = 0\nmax_pages = 3\ncookie_env = "YQ_TEST_WEIBO_COOKIE"\n'
            f'\n[[sources]]\nname = "news"\nkind = "news"\nspider = "feed"\nurls = ["{server.url}/rss/news.xml"]\n'
            "delay = 0\n"
        )
        env = {"YQ_TEST_WEIBO_COOKIE": SECRET}
        done = run_cli("--settings", str(settings), "-v", "crawl", "weibo-main", env=env)
        weibo_requests = list(server.cookies)
        server.cookies.clear()
        news = run_cli("--settings", str(settings), "crawl", "news", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert news.returncode == 0, news.stdout + news.stderr
    searches = [path for path, _ in weibo_requests if path == "/api/container/getIndex"]
    assert len(searches) >= 2, weibo_requests
    for path, cookie in weibo_requests:
        assert sorted((cookie or "").split("; ")) == ["SUB=_2A25secret-weibo-login", "_T_WM=98765"], (path, cookie)
    assert "_2A25secret" not in done.stdout + done.stderr
    assert all(cookie is None for _, cookie in server.cookies), "a source without cookie_env sent a cookie"


def test_each_source_sends_its_own_cookie_only(write_settings):
    with RecordingServer(_world()) as server:
        settings = write_settings(
            f'\n[[sources]]\nname = "news-a"\nkind = "news"\nspider = "feed"\nurls = ["{server.url}/rss/news.xml"]\n'
            'delay = 0\ncookie_env = "YQ_TEST_FEED_COOKIE"\n'
        )
        done = run_cli("--settings", str(settings), "crawl", "news-a",
                       env={"YQ_TEST_FEED_COOKIE": FEED_SECRET, "YQ_TEST_WEIBO_COOKIE": SECRET})
    assert done.returncode == 0, done.stdout + done.stderr
    assert server.cookies and all(cookie == FEED_SECRET for _, cookie in server.cookies), server.cookies
