"""``yuqing digest --send``: the day's digest reaches the PR team through a real SMTP server, once per day."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from delivery.models import OutboxMessage
from demo import synthetic
from storage.db import Database
from tests.conftest import free_port
from yuqing.cli import main
from yuqing.config import load_settings

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 24)
MAIL = """
[mail]
host = "127.0.0.1"
port = {port}
security = "none"
mailbox_dir = "{mailbox}"
[mail.departments]
pr = ["pr@qinghe.cn"]
leadership = ["ceo@qinghe.cn"]
"""


class Inbox:
    """An SMTP handler that keeps each delivery's envelope recipients and message bytes."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.deliveries.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def settings_path(smtp_server, write_settings, tmp_path):
    port, _ = smtp_server
    path = write_settings(MAIL.format(port=port, mailbox=tmp_path / "mailbox"))
    db = Database(load_settings(path).storage.url)
    db.upgrade()
    at = datetime.combine(DAY, time(10), tzinfo=TZ)
    synthetic.store(db, [
        *(synthetic.mention("青禾", at + timedelta(minutes=n), label="negative", source="tieba",
                            category="产品质量", title="青禾电饭煲内胆涂层脱落", cluster_id=42) for n in range(3)),
        synthetic.mention("青禾", at, label="positive", source="weibo", title="青禾电饭煲好用"),
        synthetic.mention("青禾", at - timedelta(days=3), label="negative"),  # another day: not in the digest
    ])
    db.dispose()
    return str(path)


def _send(settings_path: str, capsys) -> str:
    assert main(["--settings", settings_path, "digest", "--date", DAY.isoformat(), "--send"]) == 0
    return capsys.readouterr().out


def test_digest_send_delivers_one_message_with_text_and_html_to_the_pr_team(settings_path, smtp_server, capsys):
    _, inbox = smtp_server
    out = _send(settings_path, capsys)
    assert "已加入发件队列" in out and "sent 1, to retry 0, failed 0" in out

    assert len(inbox.deliveries) == 1
    recipients, raw = inbox.deliveries[0]
    assert recipients == ["pr@qinghe.cn"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "舆情日报 2026-11-24：2 个品牌，负面 3 条，预警 0 次"
    assert message["X-Yuqing-Key"] == "digest:2026-11-24" and message["To"] == "pr@qinghe.cn"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "【青禾】提及 4 条" in text and "青禾电饭煲内胆涂层脱落" in text
    assert "<h2" in html and "青禾电饭煲内胆涂层脱落" in html


def test_digest_send_again_for_the_same_day_sends_nothing_more(settings_path, smtp_server, capsys):
    _, inbox = smtp_server
    _send(settings_path, capsys)
    again = _send(settings_path, capsys)
    assert "此前已发送或已在队列中" in again and "sent 0, to retry 0, failed 0" in again
    assert len(inbox.deliveries) == 1

    db = Database(load_settings(settings_path).storage.url)
    with db.session() as session:
        rows = [(m.key, m.state) for m in session.scalars(select(OutboxMessage))]
    db.dispose()
    assert rows == [("digest:2026-11-24", "sent")]
