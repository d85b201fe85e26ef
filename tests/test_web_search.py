"""The search page and its API: the CLI's search, crawled text always escaped, a token off loopback."""

from __future__ import annotations

import csv
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from search import service
from storage.db import Database
from storage.repo import get_or_create_source, upsert_mention
from tests.conftest import ROOT, unavailable
from web.app import create_app
from yuqing.config import load_settings

NOW = datetime.now(UTC)
ARTIFACTS = ROOT / "test-artifacts"
WEB = """
[web]
per_page = 5
token_env = "YUQING_TEST_WEB_TOKEN"
"""
SCRIPT_TITLE = "<script>alert('xss')</script>小米"


def _mention(number: int, **overrides) -> dict:
    values = {
        "source_kind": "forum", "external_id": f"p{number}", "url": f"https://tieba.example.cn/p/{number}",
        "title": f"小米汽车第{number}帖", "text": f"车主反馈{number}：刹车异响，客服回复慢",
        "author": f"车主{number}",
        "published_at": NOW - timedelta(hours=number), "fetched_at": NOW, "stored_at": NOW, "brand": "青禾",
        "sentiment": 0.2, "label": "negative" if number % 2 else "positive", "grade": "一般", "extra": {},
        "reasons": [], "keywords": [], "tokens": "", "is_media": False, "reposts": number,
    }
    values.update(overrides)
    return values


@pytest.fixture
def site(write_settings, tmp_path):
    settings = load_settings(write_settings(WEB))
    db = Database(settings.storage.url)
    db.upgrade()
    with db.session() as session:
        source = get_or_create_source(session, "tieba", "forum")
        for number in range(1, 13):
            upsert_mention(session, source, _mention(number))
        hostile = _mention(20, title=SCRIPT_TITLE, url="javascript:alert(1)", published_at=NOW)
        upsert_mention(session, source, hostile)
        other = _mention(21, title="青禾电饭煲", text="内胆涂层脱落", label="negative")
        upsert_mention(session, source, other)
    yield settings, db
    db.dispose()


def test_page_shows_highlighted_results_with_escaped_crawled_text(site):
    settings, db = site
    client = TestClient(create_app(settings, db))
    response = client.get("/", params={"q": "小米"})
    assert response.status_code == 200
    body = response.text
    assert "<mark>小米</mark>汽车第1帖" in body
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;<mark>小米</mark>" in body
    assert "<script>" not in body and "javascript:" not in body
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert 'id="next-page"' in body and "<svg" in body


def test_filters_paging_and_api_agree(site):
    settings, db = site
    client = TestClient(create_app(settings, db))
    api = client.get("/api/search", params={"q": "小米", "sentiment": "neg", "page": "2"}).json()
    assert api["query"] == "小米 sentiment:neg" and api["page"] == 2
    assert [r["title"] for r in api["results"]] == ["小米汽车第11帖"]
    assert all(r["label"] == "negative" for r in api["results"]) and not api["has_next"]
    bad = client.get("/api/search", params={"q": "since:明天"})
    assert bad.status_code == 400 and "无效" in bad.json()["error"]
    page = client.get("/", params={"q": "小米 since:明天"})
    assert page.status_code == 400 and "查询有误" in page.text
    volume = client.get("/api/volume", params={"q": "小米"}).json()
    assert sum(d["negative"] + d["positive"] for d in volume["days"]) == 13


def test_csv_export_has_every_match_and_a_bom(site):
    settings, db = site
    assert settings.web.export_limit is None  # no cap unless an operator sets one
    client = TestClient(create_app(settings, db))
    response = client.get("/export.csv", params={"q": "小米", "sentiment": "neg"})
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf") and "x-yuqing-export-limit" not in response.headers
    rows = list(csv.reader(response.content.decode("utf-8-sig").splitlines()))
    assert len(rows) == 1 + 6
    assert 'id="export-limit"' not in client.get("/", params={"q": "小米"}).text


def test_an_export_cut_by_the_operators_limit_says_so_on_the_page_in_a_header_and_in_the_file(site, write_settings):
    _, db = site
    settings = load_settings(write_settings(WEB + "export_limit = 6\n"))
    client = TestClient(create_app(settings, db))

    def exported(**params) -> list[list[str]]:
        response = client.get("/export.csv", params=params)
        assert response.headers["x-yuqing-export-limit"] == "6"
        return list(csv.reader(response.content.decode("utf-8-sig").splitlines()))

    assert "导出最多 6 条" in client.get("/", params={"q": "小米"}).text
    cut = exported(q="小米")  # 13 matches
    assert len(cut) == 1 + 6 + 1 and cut[-1][0].startswith("已达导出上限 6 条（[web] export_limit）")
    whole = exported(q="小米", sentiment="neg")  # exactly 6: nothing left out, nothing to say
    assert len(whole) == 1 + 6 and not whole[-1][0].startswith("已达")


def test_an_export_being_downloaded_holds_no_lock_that_a_crawl_would_wait_for(site, monkeypatch):
    """On SQLite every transaction takes the write lock: an export reading in one transaction for as long as the
    browser takes to download would make every crawl wait, then fail with "database is locked"."""
    settings, db = site
    monkeypatch.setattr(service, "EXPORT_BATCH", 4)
    mentions = service.iter_matches(db, service.parse("", settings.tz))
    exported = [next(mentions)]  # the download has begun; the reader is slow
    crawl = sqlite3.connect(db.engine.url.database, timeout=0.2, isolation_level=None)
    crawl.execute("BEGIN IMMEDIATE")
    crawl.execute("UPDATE mentions SET title = '改过' WHERE external_id = 'p12'")
    crawl.execute("DELETE FROM mentions WHERE external_id = 'p11'")
    crawl.execute("COMMIT")
    crawl.close()
    exported += list(mentions)
    titles = [m.title for m in exported]
    assert len(exported) == 14 - 1 and "改过" in titles and "小米汽车第11帖" not in titles


def test_off_loopback_every_request_needs_the_token(site, monkeypatch):
    settings, db = site
    with pytest.raises(ValueError, match="YUQING_TEST_WEB_TOKEN"):
        create_app(settings, db, host="0.0.0.0")
    monkeypatch.setenv("YUQING_TEST_WEB_TOKEN", "s3cret-token")
    client = TestClient(create_app(settings, db, host="0.0.0.0"))
    assert client.get("/", params={"q": "小米"}).status_code == 401
    assert client.get("/api/search", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/search", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    entry = client.get("/", params={"token": "s3cret-token", "q": "小米"}, follow_redirects=False)
    assert entry.status_code == 303 and "token" not in entry.headers["location"]
    assert client.get(entry.headers["location"]).status_code == 200  # the cookie now carries it


def test_web_command_refuses_a_public_address_without_a_token(site, write_settings, capsys, monkeypatch):
    from yuqing.cli import main

    monkeypatch.delenv("YUQING_TEST_WEB_TOKEN", raising=False)
    path = write_settings(WEB)
    assert main(["--settings", str(path), "web", "--host", "0.0.0.0"]) == 1
    assert "YUQING_TEST_WEB_TOKEN" in capsys.readouterr().err


# ---- in a real browser ------------------------------------------------------------

def _chromium() -> str:
    path = os.environ.get("YUQING_CHROMIUM", "/usr/bin/chromium")
    if os.access(path, os.X_OK):
        return path
    unavailable(f"Chromium not available at {path}: set YUQING_CHROMIUM (.ci/run installs chromium)")


@pytest.fixture
def served(site):
    import uvicorn

    settings, db = site
    config = uvicorn.Config(create_app(settings, db), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_in_chromium_search_filter_page_and_export(served, tmp_path):
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    dialogs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(accept_downloads=True, viewport={"width": 1280, "height": 1000})
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(served)
            page.fill("input[name=q]", "小米")
            page.click("#search-button")
            assert page.locator("article.hit").count() == 5
            assert page.locator("mark", has_text="小米").first.is_visible()
            assert page.get_by_text(SCRIPT_TITLE).count() == 1  # shown as text, not run

            page.select_option("select[name=sentiment]", "neg")
            page.click("#search-button")
            labels = page.locator("article.hit .meta .negative").all_inner_texts()
            assert labels == ["负面"] * 5

            page.click("#next-page")
            assert "page=2" in page.url
            titles = page.locator("article.hit h2").all_inner_texts()
            assert titles == ["小米汽车第11帖"]
            page.screenshot(path=str(ARTIFACTS / "web-search.png"), full_page=True)

            with page.expect_download() as download_info:
                page.click("#export-csv")
            target = tmp_path / "export.csv"
            download_info.value.save_as(target)
            rows = list(csv.reader(Path(target).read_bytes().decode("utf-8-sig").splitlines()))
            assert rows[0][0] == "时间" and len(rows) == 1 + 6
            assert page.locator("#export-limit").count() == 0
        finally:
            browser.close()
    assert dialogs == []
    assert (ARTIFACTS / "web-search.png").stat().st_size > 10_000
