"""Hostile input, class "HTTP request": what anyone who can reach ``yuqing web`` can send it.

Issue 14 items 1, 2 and 15 on the web (a query error, an unknown brand or source included, is 400 with the reason,
never 500), 10 (loopback is an address,
not a prefix; the token redirect never leaves the site), 14 (the API says when it capped), 19 (the API gives only
http(s) links, the raw one under ``unsafe_url``).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.hostile import POSTS, store_posts
from web.app import create_app
from web.config import is_loopback
from yuqing.config import load_settings

TOKEN = "s3cret-token-for-tests"
WEB = '\n[web]\ntoken_env = "YUQING_TEST_HOSTILE_TOKEN"\n'
TIEBA = '\n[[sources]]\nname = "tieba"\nkind = "forum"\nspider = "feed"\nurls = ["http://127.0.0.1:9/feed.xml"]\n'


@pytest.fixture
def site(write_settings, sqlite_database):
    store_posts(sqlite_database, extra=2)
    return load_settings(write_settings(WEB + TIEBA, url=sqlite_database.url)), sqlite_database


@pytest.fixture
def guarded(site, monkeypatch):
    settings, db = site
    monkeypatch.setenv("YUQING_TEST_HOSTILE_TOKEN", TOKEN)
    return TestClient(create_app(settings, db, host="0.0.0.0"))


@pytest.mark.parametrize("query", ["since:9999999999d", "until:9999-12-31", "-(" * 50 + "x" + ")" * 50,
                                   "grade:不存在", "category:不存在", "brand:不存在", "source:nosuch"])
@pytest.mark.parametrize("path", ["/", "/api/search", "/api/volume", "/export.csv"])
def test_a_query_the_language_cannot_take_is_400_with_the_reason_on_every_path(site, path, query):
    settings, db = site
    response = TestClient(create_app(settings, db)).get(path, params={"q": query})
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["error"]
    else:
        assert "查询有误" in response.text


@pytest.mark.parametrize("host", ["127.evil.example", "127.0.0.1.evil.example", "localhost.evil.example",
                                  "localhost", "0.0.0.0", "::", "10.0.0.1", "", "127.0.0.1 "])
def test_a_name_or_a_public_address_is_not_loopback(host):
    assert not is_loopback(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]"])
def test_loopback_addresses_are_loopback(host):
    assert is_loopback(host)


def test_a_host_named_like_loopback_still_needs_the_token(site, monkeypatch):
    settings, db = site
    monkeypatch.delenv("YUQING_TEST_HOSTILE_TOKEN", raising=False)
    with pytest.raises(ValueError, match="YUQING_TEST_HOSTILE_TOKEN"):
        create_app(settings, db, host="127.evil.example")


@pytest.mark.parametrize("path", ["//evil.example/", "/\\evil.example/", "/\\/evil.example", "///evil.example",
                                  "/%2F%2Fevil.example/", "/%09/evil.example", "/%5Cevil.example",
                                  "/%5C%5Cevil.example", "/%09%2F%2Fevil.example", "/%20//evil.example"])
def test_the_token_redirect_stays_on_the_site(guarded, path):
    # An absolute URL, so the client sends the path as it is (a bare "//evil.example/" would be its host).
    response = guarded.get(f"http://testserver{path}?token={TOKEN}&q=%E9%9D%92%E7%A6%BE", follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert host_a_browser_goes_to(location) == "testserver"
    assert TOKEN not in location
    assert "yuqing_token" in response.headers["set-cookie"]


def host_a_browser_goes_to(location: str) -> str:
    """Where a browser takes a redirect from http://testserver/: it reads backslashes as slashes and drops tabs
    and line breaks before resolving (WHATWG URL parsing)."""
    cleaned = location.replace("\\", "/").translate({9: None, 10: None, 13: None}).lstrip(" ")
    if cleaned.startswith("//"):  # any number of slashes: what follows is the host
        return urlsplit("http://" + cleaned.lstrip("/")).netloc
    return urlsplit(urljoin("http://testserver/", cleaned)).netloc


def test_the_token_redirect_keeps_the_query_and_drops_the_token(guarded):
    response = guarded.get(f"/?token={TOKEN}&q=%E9%9D%92%E7%A6%BE", follow_redirects=False)
    assert response.headers["location"] == "/?q=%E9%9D%92%E7%A6%BE"


def test_the_api_gives_only_web_links_and_names_the_others_unsafe(site):
    settings, db = site
    results = TestClient(create_app(settings, db)).get("/api/search", params={"q": "青禾"}).json()["results"]
    by_title = {row["title"]: row for row in results}
    hostile = by_title[POSTS["esc"]["title"]]
    assert hostile["url"] is None and hostile["unsafe_url"] == "javascript:alert(document.cookie)"
    assert by_title["青禾售后"]["url"] is None and by_title["青禾售后"]["unsafe_url"].strip().startswith("DATA:")
    safe = [row for row in results if row["url"] is not None]
    assert len(safe) == 4 and all(row["url"].startswith("https://") and "unsafe_url" not in row for row in safe)


@pytest.mark.parametrize(("params", "valid"), [({"q": "source:nosuch"}, "tieba"), ({"brand": "不存在"}, "星澜汽车")])
def test_an_unknown_brand_or_source_is_named_with_valid_ones_on_the_page_and_in_the_api(site, params, valid):
    settings, db = site
    client = TestClient(create_app(settings, db))
    page = client.get("/", params=params)
    assert page.status_code == 400 and "无效，可选" in page.text and valid in page.text
    api = client.get("/api/search", params=params)
    assert api.status_code == 400 and valid in api.json()["error"] and api.json()["results"] == []


def test_the_api_says_when_it_capped_the_page(site):
    settings, db = site
    body = TestClient(create_app(settings, db)).get("/api/search", params={"q": "青禾", "per_page": "100000"}).json()
    assert body["per_page"] == 200 and any("每页最多 200 条" in note for note in body["notes"])


def test_an_overlong_query_on_the_page_is_cut_and_said(site):
    settings, db = site
    body = TestClient(create_app(settings, db)).get("/api/search", params={"q": "青禾 " + "x" * 3000}).json()
    assert any("查询过长" in note for note in body["notes"])
