"""The brand's own voice: posts of its official accounts are marked 官方回应 by the pipeline, kept out of the
negative indicators and the alert evidence, and shown as the response; email links point at [web] public_url."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from alerts.engine import evaluate
from alerts.evidence import top_mentions
from alerts.indicators import measure
from crawler.items import MentionItem
from crawler.pipelines import run_pipeline
from delivery.models import OutboxMessage
from demo.scenario import RESPONSE
from storage.db import Database
from storage.models import Mention
from web.app import create_app
from yuqing.config import SettingsError, load_settings

APOLOGY = RESPONSE[1]  # the demo's apology: it names the defect, so it reads as negative text
COMPLAINT = "青禾空气炸锅冒烟起火，客服推诿不处理，孩子被烫伤，太气人了"
SOURCES = """
[[sources]]
name = "weibo"
kind = "social"
spider = "weibo"

[[sources]]
name = "heimao"
kind = "complaint"
spider = "heimao"
"""


def _settings(write_settings, tmp_path, official: str, extra: str = ""):
    base = write_settings(f'[mail]\nmailbox_dir = "{tmp_path}/mailbox"\n' + extra + SOURCES)
    # The brand table from conftest comes first in the file; official_accounts belongs to 青禾's.
    text = base.read_text(encoding="utf-8").replace('aliases = ["QingHe"]\n',
                                                    f'aliases = ["QingHe"]\nofficial_accounts = {official}\n', 1)
    base.write_text(text, encoding="utf-8")
    return load_settings(base)


def _item(number: int, author: str, text: str, source: str = "weibo", minutes: int = 30) -> MentionItem:
    # Minutes before the test runs (not before the module was collected: a long suite would age them out of 1h).
    return MentionItem(external_id=f"w{number}", url=f"https://m.weibo.example.cn/{number}", title="", text=text,
                       published_at=datetime.now(UTC) - timedelta(minutes=minutes), author=author, region="浙江",
                       source=source, source_kind="social" if source == "weibo" else "complaint")


@pytest.fixture
def voiced(write_settings, tmp_path):
    settings = _settings(write_settings, tmp_path, '{ weibo = ["青禾电器官方微博"] }',
                         '\n[web]\npublic_url = "https://yuqing.example.com/"\n')
    db = Database(settings.storage.url)
    db.upgrade()
    items = [_item(1, "青禾电器官方微博", APOLOGY), _item(2, "愤怒的车主", COMPLAINT, minutes=40),
             # The same name on another source is not the brand's account there.
             _item(3, "青禾电器官方微博", "青禾空气炸锅用了一周就冒烟，售后一直拖着不给退款，非常失望",
                   source="heimao", minutes=50)]
    assert run_pipeline(settings, db, items).outcomes["new"] == 3
    yield settings, db
    db.dispose()


def test_the_official_accounts_posts_are_marked_and_kept_out_of_the_negative_figures(voiced):
    settings, db = voiced
    with db.session() as session:
        rows = {(m.source.name, m.author): m for m in session.scalars(select(Mention))}
        assert rows[("weibo", "青禾电器官方微博")].official is True
        assert rows[("weibo", "愤怒的车主")].official is False
        assert rows[("heimao", "青禾电器官方微博")].official is False
        assert rows[("weibo", "青禾电器官方微博")].label == "negative"  # an apology reads as negative text
        figures = measure(session, settings.alerts, datetime.now(UTC))[("青禾", "全部")]
        assert figures.get("negative_volume_1h") == 2 and figures.get("negative_volume_24h") == 2
        now = datetime.now(UTC)
        evidence = top_mentions(session, settings.alerts, "青禾", "全部", now, now - timedelta(days=1))
        assert "青禾电器官方微博" in {e.author for e in evidence}  # the heimao post, not the apology
        assert all(APOLOGY[:10] not in e.title for e in evidence)


def test_search_labels_the_brands_own_post_and_the_alert_page_shows_it_as_the_response(voiced):
    settings, db = voiced
    later = datetime.now(UTC)
    for minutes in (0, 15):  # 一般 must hold for its pending time before it fires
        evaluate(db, settings, now=later + timedelta(minutes=minutes))
    client = TestClient(create_app(settings, db))
    results = client.get("/", params={"q": "致歉声明"}).text
    assert '<span class="official">官方回应</span>' in results
    with db.session() as session:
        message = session.scalars(select(OutboxMessage)).first()
    alert_id = int(message.key.split(":")[1])
    page = client.get(f"/alerts/{alert_id}").text
    assert 'id="official"' in page and "青禾电器官方微博（weibo）" in page
    assert f"https://yuqing.example.com/alerts/{alert_id}" in message.text
    assert f'href="https://yuqing.example.com/alerts/{alert_id}"' in message.html


def test_settings_refuse_official_accounts_on_an_unknown_source_and_a_public_url_that_is_no_web_address(
        write_settings, tmp_path):
    with pytest.raises(SettingsError, match="official_accounts names unknown source 'weibo-typo'"):
        _settings(write_settings, tmp_path, '{ weibo-typo = ["青禾电器官方微博"] }')
    with pytest.raises(SettingsError, match=r"web\.public_url: 'yuqing\.example\.com' is not a web address"):
        _settings(write_settings, tmp_path, "{}", '\n[web]\npublic_url = "yuqing.example.com"\n')
