"""The brand overview page: volume and sentiment, sources, regions, categories, hot words, top stories and live
alerts; in Chromium its charts are labelled in Chinese that renders, and crawled text stays text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from alerts.engine import evaluate
from demo import synthetic
from report.overview import brand_overview
from storage.db import Database
from tests.browser import ARTIFACTS, boxes_in, browser_page, serve
from web.app import create_app
from yuqing.config import load_settings

NOW = datetime.now(UTC).replace(microsecond=0)
HOSTILE = "<img src=x onerror=alert(1)>青禾电饭煲内胆脱落"


@pytest.fixture
def brand_week(write_settings, tmp_path):
    settings = load_settings(write_settings(f'[mail]\nmailbox_dir = "{tmp_path}/mailbox"\n'))
    db = Database(settings.storage.url)
    db.upgrade()
    rows = []
    for day in range(7):
        at = NOW - timedelta(days=day, hours=1)
        rows += [synthetic.mention("青禾", at, label="positive", source="weibo", region="上海") for _ in range(3)]
        rows += [synthetic.mention("青禾", at, label="negative", source="heimao", region="广东", category="售后")
                 for _ in range(day % 3)]
    rows += [synthetic.mention("青禾", NOW - timedelta(minutes=20), label="negative", source="tieba", region="浙江",
                               category="产品质量", grade="重大", title=HOSTILE, url="javascript:alert(1)",
                               reposts=5000)]
    rows += [synthetic.mention("星澜汽车", NOW - timedelta(hours=2), label="negative", region="四川")]
    synthetic.store(db, rows)
    evaluate(db, settings, now=NOW)
    yield settings, db
    db.dispose()


def test_overview_counts_the_brands_week_by_day_source_region_and_category(brand_week):
    settings, db = brand_week
    overview = brand_overview(db, settings, "青禾", 7, now=NOW)
    assert overview.total == 7 * 3 + sum(day % 3 for day in range(7)) + 1
    assert overview.negative == sum(day % 3 for day in range(7)) + 1
    assert overview.sources[0] == ("weibo", 21) and dict(overview.sources)["tieba"] == 1
    assert dict(overview.regions) == {"上海": 21, "广东": 6, "浙江": 1}
    assert dict(overview.categories) == {"售后": 6, "产品质量": 1}
    assert overview.top[0].title == HOSTILE
    assert [(a.scope, a.level) for a in overview.alerts if a.scope == "全部"] == [("全部", "重大")]


def test_overview_page_escapes_crawled_text_and_refuses_an_unknown_brand(brand_week):
    settings, db = brand_week
    client = TestClient(create_app(settings, db))
    body = client.get("/overview", params={"brand": "青禾", "period": "30d"}).text
    assert "&lt;img src=x onerror=alert(1)&gt;青禾电饭煲内胆脱落" in body
    assert "<img" not in body and "javascript:" not in body
    assert "近 30 天" in body and body.count("<svg") == 4
    unknown = client.get("/overview", params={"brand": "<b>无此品牌</b>"})
    assert unknown.status_code == 404 and "<b>" not in unknown.text


def test_in_chromium_the_overview_draws_its_charts_with_chinese_labels(brand_week):
    settings, db = brand_week
    with serve(create_app(settings, db)) as base, browser_page(height=1400) as page:
        page.goto(f"{base}/overview")
        assert page.locator("#summary h2").inner_text() == "青禾 · 近 7 天"
        charts = {name: page.locator(f"#{name} svg") for name in ("volume", "sources", "regions", "categories")}
        for name, chart in charts.items():
            box = chart.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 40, name
        volume = " ".join(charts["volume"].locator("text").all_text_contents())
        regions = " ".join(charts["regions"].locator("text").all_text_contents())
        categories = " ".join(charts["categories"].locator("text").all_text_contents())
        assert "负面" in volume and "正面" in volume and "上海" in regions and "售后" in categories
        assert boxes_in(page, volume + regions + categories) == []
        assert page.locator("#alerts a").first.inner_text().startswith("#")
        assert page.get_by_text(HOSTILE).count() == 1
        page.screenshot(path=str(ARTIFACTS / "web-overview.png"), full_page=True)
