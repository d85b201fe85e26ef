"""The search page's 当前预警 panel shows the live alerts from real evaluations of stored mentions (both backends)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from alerts.engine import evaluate
from alerts.models import Alert
from demo import synthetic
from storage.db import Database
from web.app import create_app
from yuqing.config import load_settings

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LATER = START + timedelta(days=2)
HOSTILE_TITLE = "<script>alert('xss')</script>青禾热水壶底座漏电"


def _negatives(brand: str, count: int, at: datetime, **values) -> list[dict]:
    values.setdefault("category", "产品质量")
    return [synthetic.mention(brand, at + timedelta(minutes=i), label="negative", **values) for i in range(count)]


def _panel(body: str) -> str:
    """The page's alert panel (its ``<aside>``), apart from the search results."""
    found = re.search(r"<aside>(.*?)</aside>", body, re.S)
    assert found, "the page has no alert panel"
    return found.group(1)


@pytest.fixture
def alerting_site(write_settings, database_url, tmp_path):
    """星澜汽车 fired (一般) and has since resolved; 青禾 fires 重大 on a crawled post with a hostile title."""
    settings = load_settings(write_settings(f'[mail]\nmailbox_dir = "{tmp_path}/mailbox"\n', url=database_url))
    db = Database(settings.storage.url)
    db.upgrade()
    synthetic.store(db, _negatives("星澜汽车", 12, START - timedelta(minutes=30), region="四川"))
    for minute in range(12):  # 一般 holds for its 10-minute pending time, then fires
        evaluate(db, settings, now=START + timedelta(minutes=minute))
    synthetic.store(db, _negatives("青禾", 1, LATER - timedelta(minutes=10), grade="重大", title=HOSTILE_TITLE))
    evaluate(db, settings, now=LATER)  # 星澜汽车's window has passed; 重大 fires at once
    yield settings, db
    db.dispose()


def test_panel_shows_the_firing_alert_with_brand_and_level_and_not_the_resolved_one(alerting_site):
    settings, db = alerting_site
    with db.session() as session:
        states = {(a.subject, a.scope): (a.state, a.level) for a in session.scalars(select(Alert))}
    assert states[("星澜汽车", "全部")] == ("resolved", None)
    assert states[("青禾", "全部")] == ("firing", "重大")

    response = TestClient(create_app(settings, db)).get("/")
    assert response.status_code == 200
    panel = _panel(response.text)
    assert "<strong>青禾</strong> · 全部 · 重大" in panel and "预警中" in panel
    assert "自 11-22 20:00" in panel  # started_at, in the page's time zone (Asia/Shanghai)
    assert "星澜汽车" not in panel and "暂无预警" not in panel


def test_panel_says_no_alerts_once_every_alert_has_resolved(alerting_site):
    settings, db = alerting_site
    evaluate(db, settings, now=LATER + timedelta(days=2))
    with db.session() as session:
        assert {a.state for a in session.scalars(select(Alert))} <= {"resolved", "inactive"}
    panel = _panel(TestClient(create_app(settings, db)).get("/").text)
    assert "暂无预警" in panel and "青禾" not in panel


def test_crawled_title_behind_an_alert_never_reaches_the_page_as_markup(alerting_site):
    settings, db = alerting_site
    body = TestClient(create_app(settings, db)).get("/", params={"q": "热水壶"}).text
    assert "<strong>青禾</strong>" in _panel(body)
    assert "<script>" not in body
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in body  # shown as text in the results
