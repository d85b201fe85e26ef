"""The daily digest: per-brand figures from the search layer, rendered as text and HTML, mailed by SMTP."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from digest.build import build_digest
from digest.render import render
from digest.send import send_digest
from storage.db import Database
from storage.models import Source
from storage.repo import get_or_create_source, upsert_mention
from tests.conftest import free_port
from yuqing.cli import main
from yuqing.config import load_settings

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 24)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ)


def _mention(key: str, published: datetime, **overrides) -> dict:
    values = {
        "source_kind": "forum", "external_id": key, "url": f"https://bbs.example.cn/{key}",
        "title": "青禾电饭煲", "text": "内胆涂层脱落，客服不理", "author": "网友", "published_at": published,
        "fetched_at": published, "stored_at": published, "brand": "青禾", "sentiment": 0.1,
        "label": "negative", "category": "产品质量", "grade": "一般", "region": "广东", "extra": {},
        "reasons": [], "keywords": [],
        "tokens": "电饭煲 内胆 涂层 脱落 客服", "is_media": False, "reposts": 1, "comments": 0, "likes": 0,
    }
    values.update(overrides)
    return values


MAIL = """
[mail]
host = "127.0.0.1"
port = {port}
security = "none"
[mail.departments]
pr = ["pr@example.cn", "boss@example.cn"]
"""


@pytest.fixture
def world(write_settings):
    def make(port: int = 25):
        settings = load_settings(write_settings(MAIL.format(port=port)))
        db = Database(settings.storage.url)
        db.upgrade()
        with db.session() as session:
            forum = get_or_create_source(session, "tieba", "forum")
            social = get_or_create_source(session, "weibo", "social")
            for n in range(6):  # one story of six posts, reposted widely
                story = _mention(f"s{n}", _at(DAY, 9 + n), source_kind="social", reposts=100 + n,
                                 title="青禾电饭煲内胆脱落<b>维权</b>", cluster_id=77)
                upsert_mention(session, social, story)
            upsert_mention(session, forum, _mention("f1", _at(DAY, 10), title="一个小投诉", reposts=0))
            upsert_mention(session, forum, _mention("f2", _at(DAY, 11), label="positive", title="好评",
                                                    category=None, region="北京"))
            upsert_mention(session, forum, _mention("y1", _at(DAY - timedelta(days=1), 12)))
            for back in range(2, 8):
                upsert_mention(session, forum, _mention(f"w{back}", _at(DAY - timedelta(days=back), 12)))
            social.blocked_at = _at(DAY, 15).astimezone(UTC)
            social.blocked_reason = "HTTP 418 验证码"
            social.blocked_until = _at(DAY, 17).astimezone(UTC)
        return settings, db

    return make


def test_digest_compares_the_day_with_the_day_before_and_the_week(world):
    settings, db = world()
    digest = build_digest(db, settings, DAY)
    qinghe, xinglan = digest.brands
    assert qinghe.brand == "青禾" and xinglan.today.total() == 0
    assert qinghe.today.total() == 8 and qinghe.today.total("social", "negative") == 6
    assert qinghe.yesterday.total() == 1 and qinghe.week_average.total() == pytest.approx(7 / 7)
    assert [d.total for d in qinghe.trend] == [1, 1, 1, 1, 1, 1, 8]
    lead = qinghe.stories[0]
    assert (lead.mentions, lead.reposts) == (6, sum(range(100, 106)))
    assert qinghe.categories == [("产品质量", 7)] and qinghe.regions == [("广东", 7), ("北京", 1)]
    assert "内胆" in qinghe.hot_words and "青禾" not in qinghe.hot_words
    assert [b.name for b in digest.blocked] == ["weibo"]
    rendered = render(digest)
    assert "青禾电饭煲内胆脱落&lt;b&gt;维权&lt;/b&gt;</a> —— 6 条，转发 615" in rendered.html
    assert "青禾电饭煲内胆脱落<b>维权</b> —— 6 条，转发 615" in rendered.text
    assert "提及 8 条（前一日 1，+700%；7日均 1，+700%）" in rendered.text
    assert 'src="cid:trend-1@yuqing.digest"' in rendered.html
    assert rendered.images[0][1].startswith(b"\x89PNG")


def test_digest_arrives_by_smtp_once_with_text_html_and_charts(world):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    from delivery.outbox import deliver_pending

    received = []

    class Inbox(Message):
        def handle_message(self, message):
            received.append(message)

    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings, db = world(port)
        assert send_digest(db, settings, DAY) is not None
        assert send_digest(db, settings, DAY) is None  # the scheduler firing twice sends one digest
        report = deliver_pending(db, settings)
    finally:
        controller.stop()
    assert report.sent == 1 and len(received) == 1
    message = email.message_from_bytes(received[0].as_bytes(), policy=email.policy.default)
    assert message["X-Yuqing-Key"] == "digest:2026-11-24"
    assert "舆情日报 2026-11-24" in message["Subject"] and "pr@example.cn" in message["To"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "【青禾】提及 8 条" in text and "<h2" in html
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 2 and images[0]["Content-ID"] == "<trend-1@yuqing.digest>"


def test_digest_command_prints_writes_html_and_refuses_bad_dates(world, tmp_path, capsys):
    settings, db = world()
    db.dispose()
    path = str(tmp_path / "settings.toml")
    assert main(["--settings", path, "digest", "--date", DAY.isoformat(), "--print"]) == 0
    assert "【青禾】提及 8 条" in capsys.readouterr().out
    target = tmp_path / "digest.html"
    assert main(["--settings", path, "digest", "--date", DAY.isoformat(), "--html", str(target)]) == 0
    assert "data:image/png;base64," in target.read_text(encoding="utf-8")
    assert main(["--settings", path, "digest", "--date", "24/11/2026"]) == 1
    assert "expected a date" in capsys.readouterr().err


def test_blocked_sources_only_count_on_their_day(world):
    settings, db = world()
    with db.session() as session:
        tieba = session.scalar(select(Source).where(Source.name == "tieba"))
        tieba.blocked_at = _at(DAY - timedelta(days=3), 1)
    assert [b.name for b in build_digest(db, settings, DAY).blocked] == ["weibo"]
