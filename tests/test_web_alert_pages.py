"""The alert pages: list, detail with figures, chart, timeline and evidence; acknowledge and silence from the page
behind a session-bound CSRF token; in Chromium, acknowledging from the page stops the repeat reminders."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from alerts.engine import evaluate
from alerts.models import Alert, AlertEvent, Silence
from delivery.models import OutboxMessage
from demo import synthetic
from storage.db import Database
from tests.browser import ARTIFACTS, browser_page, serve
from web.app import create_app
from yuqing.config import load_settings

NOW = datetime.now(UTC).replace(microsecond=0)
HOSTILE_TITLE = "<script>alert('xss')</script>青禾热水壶底座漏电"
HOSTILE_URL = "javascript:alert(1)"


def _major(brand: str, at: datetime, **values) -> list[dict]:
    return [synthetic.mention(brand, at, label="negative", grade="重大", category="产品质量", **values)]


@pytest.fixture
def firing(write_settings, database_url, tmp_path):
    """青禾 and 星澜汽车 both fire 重大 at NOW; 青禾's evidence has a hostile title and link."""
    settings = load_settings(write_settings(f'[mail]\nmailbox_dir = "{tmp_path}/mailbox"\n'
                                            '[mail.departments]\npr = ["pr@example.com"]\n', url=database_url))
    db = Database(settings.storage.url)
    db.upgrade()
    synthetic.store(db, _major("青禾", NOW - timedelta(minutes=10), title=HOSTILE_TITLE, url=HOSTILE_URL,
                               region="浙江"))
    synthetic.store(db, _major("星澜汽车", NOW - timedelta(minutes=10), region="四川"))
    evaluate(db, settings, now=NOW)
    yield settings, db
    db.dispose()


def _alert_id(db, brand: str) -> int:
    with db.session() as session:
        return session.scalar(select(Alert.id).where(Alert.subject == brand, Alert.scope == "全部"))


def _csrf(body: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1)


def _events(db, alert_id: int, kind: str) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AlertEvent)
                              .where(AlertEvent.alert_id == alert_id, AlertEvent.kind == kind))


def test_alert_page_shows_figures_chart_timeline_and_escaped_evidence(firing):
    settings, db = firing
    client = TestClient(create_app(settings, db))
    alert_id = _alert_id(db, "青禾")
    listing = client.get("/alerts")
    assert listing.status_code == 200 and f'href="/alerts/{alert_id}"' in listing.text and "星澜汽车" in listing.text
    body = client.get(f"/alerts/{alert_id}").text
    assert "重大" in body and "预警中" in body and "24小时重大负面 1 条 (阈值 1)" in body
    assert re.search(r'<table id="figures">.*?重大负面.*?</table>', body, re.S)
    assert "<svg" in body and "近24小时负面声量" in body
    timeline = re.search(r'<table id="timeline">(.*?)</table>', body, re.S).group(1)
    assert "触发" in timeline and "通知发出" in timeline and "pr@example.com" in timeline
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;青禾热水壶底座漏电" in body
    assert "<script>" not in body and "javascript:" not in body
    report = client.get(f"/alerts/{alert_id}/report").text  # the hostile post is the first negative mention
    assert "首条负面" in report and "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;青禾热水壶底座漏电" in report
    assert "<script>" not in report and "javascript:" not in report
    assert client.get("/alerts/9999").status_code == 404


def test_buttons_need_this_sessions_csrf_token_and_the_same_origin(firing):
    settings, db = firing
    alert_id = _alert_id(db, "青禾")
    client = TestClient(create_app(settings, db))
    token = _csrf(client.get(f"/alerts/{alert_id}").text)
    assert client.post(f"/alerts/{alert_id}/ack", data={"by": "x"}).status_code == 403
    stranger = TestClient(create_app(settings, db))
    stranger.get("/alerts")
    assert stranger.post(f"/alerts/{alert_id}/ack", data={"csrf": token}).status_code == 403
    forged = client.post(f"/alerts/{alert_id}/ack", data={"csrf": token}, headers={"Origin": "https://evil.example"})
    cross_site = client.post(f"/alerts/{alert_id}/ack", data={"csrf": token}, headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == cross_site.status_code == 403 and _events(db, alert_id, "acknowledged") == 0

    done = client.post(f"/alerts/{alert_id}/ack", data={"csrf": token, "by": "公关部 小林"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/alerts/{alert_id}?done=ack"
    with db.session() as session:
        assert session.get(Alert, alert_id).acknowledged_by == "公关部 小林"
    again = client.post(f"/alerts/{alert_id}/ack", data={"csrf": token})
    assert again.status_code == 409 and "已由 公关部 小林 确认" in again.text


def test_a_silence_set_on_the_page_mutes_the_next_notification_until_it_is_ended(firing):
    settings, db = firing
    alert_id = _alert_id(db, "青禾")
    client = TestClient(create_app(settings, db))
    token = _csrf(client.get(f"/alerts/{alert_id}").text)
    refused = client.post(f"/alerts/{alert_id}/silence", data={"csrf": token, "duration": "2h", "reason": " "})
    assert refused.status_code == 400 and "静默原因" in refused.text
    done = client.post(f"/alerts/{alert_id}/silence", data={"csrf": token, "duration": "1d",
                                                           "reason": "<b>已联系用户</b>", "by": "小林"})
    assert done.status_code == 200 and "已静默" in done.text  # followed the 303 back to the page
    assert "&lt;b&gt;已联系用户&lt;/b&gt;" in done.text
    with db.session() as session:
        silence = session.scalars(select(Silence)).one()
        assert silence.brand == "青禾" and silence.scope is None and silence.ends_at - silence.starts_at == \
            timedelta(days=1)
    evaluate(db, settings, now=NOW + timedelta(hours=5))  # a repeat is due: muted for 青禾, sent for 星澜汽车
    assert _events(db, alert_id, "silenced") == 1 and _events(db, alert_id, "notified") == 1
    assert _events(db, _alert_id(db, "星澜汽车"), "notified") == 2

    ended = client.post(f"/silences/{silence.id}/end", data={"csrf": token, "alert": str(alert_id)},
                        follow_redirects=False)
    assert ended.status_code == 303
    assert client.post(f"/silences/{silence.id}/end", data={"csrf": token}).status_code == 409


def test_in_chromium_the_alert_page_shows_the_timeline_and_acknowledging_stops_the_reminders(firing):
    settings, db = firing
    alert_id, control = _alert_id(db, "青禾"), _alert_id(db, "星澜汽车")
    with serve(create_app(settings, db)) as base, browser_page(height=1400) as page:
        page.goto(f"{base}/alerts")
        page.click(f'#alert-list a[href="/alerts/{alert_id}"] >> nth=0')
        assert page.locator("#timeline tr.event-firing").count() == 1
        notified = page.locator("#timeline tr.event-notified")
        assert notified.count() == 1 and "pr@example.com" in notified.inner_text()
        assert page.get_by_text(HOSTILE_TITLE).count() == 1  # shown as text, not run
        assert page.locator("#ack-status").inner_text() == "未确认"
        page.fill('input[name="by"] >> nth=0', "公关部 小林")
        page.click("#ack-button")
        assert page.locator("#message").inner_text().startswith("已确认")
        assert "公关部 小林" in page.locator("#ack-status").inner_text()
        assert page.locator("#timeline tr.event-acknowledged").count() == 1
        assert page.locator("#ack-button").count() == 0
        page.screenshot(path=str(ARTIFACTS / "web-alert.png"), full_page=True)

    with db.session() as session:
        sent_before = session.scalar(select(func.count()).select_from(OutboxMessage))
    for hours in (5, 9, 13):  # past the 4h repeat interval, three times
        evaluate(db, settings, now=NOW + timedelta(hours=hours))
    assert _events(db, alert_id, "repeat") == 0 and _events(db, alert_id, "notified") == 1
    assert _events(db, control, "repeat") == 3  # the alert nobody acknowledged kept reminding
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == sent_before + 3
