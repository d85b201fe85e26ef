"""Alert mail through a real SMTP server on 127.0.0.1 (aiosmtpd): once per change, routed, never lost or
doubled."""

from __future__ import annotations

import email
import email.policy
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from alerts.engine import evaluate
from delivery.models import OutboxMessage
from delivery.outbox import SENDING, SENT, deliver_pending
from demo import synthetic
from tests.conftest import ROOT, free_port
from yuqing.config import Settings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
DEPARTMENTS = {
    "pr": ["pr@qinghe.cn"],
    "quality": ["quality@qinghe.cn"],
    "leadership": ["ceo@qinghe.cn"],
    "logistics": ["wl@qinghe.cn"],
}


class Sink:
    """Keeps every message the server accepted, as (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    @property
    def subjects(self) -> list[str]:
        return [message["Subject"] for _, message in self.received]



@pytest.fixture
def smtp():
    """A running SMTP server; ``smtp.stop()`` / ``smtp.start()`` take it down and bring it back on the same
    port."""
    sink = Sink()
    port = free_port()

    class Server:
        def __init__(self) -> None:
            self.port, self.sink, self.controller = port, sink, None

        def start(self) -> None:
            self.controller = Controller(sink, hostname="127.0.0.1", port=port)
            self.controller.start()

        def stop(self) -> None:
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

    server = Server()
    server.start()
    yield server
    server.stop()


def settings_for(database, port: int, tmp_path) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"url": database.url},
            "brands": [{"name": "青禾"}],
            "mail": {
                "host": "127.0.0.1",
                "port": port,
                "security": "none",
                "departments": DEPARTMENTS,
                "sender": "舆情监测 <alerts@qinghe.cn>",
                "mailbox_dir": str(tmp_path / "unused"),
                "retry_backoff": ["1m", "5m"],
                "timeout": "5s",
            },
        }
    )


def negatives(n: int, at: datetime, **values) -> list[dict]:
    values.setdefault("category", "产品质量")
    return [synthetic.mention("青禾", at + i * MIN, label="negative", **values) for i in range(n)]


def test_each_firing_escalation_repeat_and_resolve_arrives_once_to_the_routed_people(
    database, smtp, tmp_path
):
    settings = settings_for(database, smtp.port, tmp_path)
    synthetic.store(database, negatives(12, NOW - 30 * MIN, region="北京"))
    moments = [NOW + i * MIN for i in range(12)]
    synthetic.store(database, negatives(1, NOW + 15 * MIN, grade="重大"))
    moments += [NOW + 15 * MIN, NOW + 16 * MIN, NOW + 15 * MIN + timedelta(hours=4), NOW + timedelta(days=2)]
    for moment in moments:
        evaluate(database, settings, now=moment)
        deliver_pending(database, settings, now=moment)
    assert deliver_pending(database, settings, now=NOW + timedelta(days=3)).attempted == 0
    assert [s.split("】")[0] + "】" for s in smtp.sink.subjects] == [
        "【一般】",
        "【重大·升级】",
        "【重大·持续】",
        "【已解除】",
    ]
    recipients = [sorted(rcpt) for rcpt, _ in smtp.sink.received]
    assert recipients[0] == ["pr@qinghe.cn", "quality@qinghe.cn"]
    assert (
        recipients[1]
        == recipients[2]
        == recipients[3]
        == ["ceo@qinghe.cn", "pr@qinghe.cn", "quality@qinghe.cn"]
    )
    first = smtp.sink.received[0][1]
    assert first["From"] == "舆情监测 <alerts@qinghe.cn>" and first["Message-ID"].endswith("@qinghe.cn>")
    assert [p.get_content_type() for p in first.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    html = first.get_body(("html",)).get_content()
    chart = next(p for p in first.walk() if p.get_content_type() == "image/png")
    assert f'src="cid:{chart["Content-ID"].strip("<>")}"' in html
    assert chart.get_content().startswith(b"\x89PNG")
    text = first.get_body(("plain",)).get_content()
    assert "1小时负面 12 条 (阈值 10)" in text and "确认：" in text and "北京" in text


def test_crawled_markup_in_a_title_arrives_as_text(database, smtp, tmp_path):
    settings = settings_for(database, smtp.port, tmp_path)
    title = '<script>alert("x")</script><img src=x onerror=alert(1)>青禾漏电'
    synthetic.store(
        database, negatives(1, NOW - 5 * MIN, grade="重大", title=title, url="javascript:alert(2)")
    )
    evaluate(database, settings, now=NOW)
    deliver_pending(database, settings, now=NOW)
    ((_, message),) = smtp.sink.received
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<img src=x" not in html and "javascript:" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;青禾漏电" in html
    assert title in message.get_body(("plain",)).get_content()


def test_mail_waits_while_the_server_is_down_and_each_message_arrives_once_it_is_back(
    database, smtp, tmp_path
):
    settings = settings_for(database, smtp.port, tmp_path)
    synthetic.store(
        database,
        [
            *negatives(1, NOW - 5 * MIN, grade="重大"),
            *negatives(1, NOW - 5 * MIN, grade="重大", category="服务态度"),
        ],
    )
    with database.session() as session:
        from delivery.outbox import enqueue

        enqueue(
            session,
            kind="digest",
            recipients=["pr@qinghe.cn"],
            subject="日报",
            text="日报正文",
            html=None,
            key="digest:2026-11-20",
            now=NOW,
        )
    evaluate(database, settings, now=NOW)
    smtp.stop()
    down = [deliver_pending(database, settings, now=NOW + i * MIN) for i in range(4)]
    assert down[0].retried == 1 and down[0].sent == 0  # the first failure ends the run: the server is down
    assert sum(r.sent for r in down) == 0
    smtp.start()
    assert deliver_pending(database, settings, now=NOW + 4 * MIN).sent == 0  # not due yet: back-off
    back = deliver_pending(database, settings, now=NOW + 10 * MIN)
    assert back.sent == 2 and back.retried == 0
    assert deliver_pending(database, settings, now=NOW + timedelta(hours=1)).attempted == 0
    assert sorted(smtp.sink.subjects) == sorted({*smtp.sink.subjects}) and len(smtp.sink.subjects) == 2
    with database.session() as session:
        assert set(session.scalars(select(OutboxMessage.state))) == {SENT}


KILLED_AFTER_EVALUATION = textwrap.dedent("""
    import os, signal, sys
    from datetime import datetime
    from storage.db import Database
    from yuqing.config import load_settings
    from alerts.engine import evaluate

    settings = load_settings(sys.argv[1])
    report = evaluate(Database(settings.storage.url), settings, now=datetime.fromisoformat(sys.argv[2]))
    assert report.enqueued == 1, report
    os.kill(os.getpid(), signal.SIGKILL)  # dies before anything is sent
""")


def test_a_process_killed_after_evaluating_leaves_the_mail_to_be_sent_once_after_restart(
    database, smtp, tmp_path
):
    settings = settings_for(database, smtp.port, tmp_path)
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[storage]\nurl = "{database.url}"\n[[brands]]\nname = "青禾"\n'
        f'[mail.departments]\npr = ["pr@qinghe.cn"]\n',
        encoding="utf-8",
    )
    synthetic.store(database, negatives(1, NOW - 5 * MIN, grade="重大"))
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_EVALUATION, str(path), NOW.isoformat()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert smtp.sink.received == []
    assert (
        evaluate(database, settings, now=NOW + MIN).enqueued == 0
    )  # the restarted evaluator does not re-enqueue
    assert deliver_pending(database, settings, now=NOW + MIN).sent == 1
    assert deliver_pending(database, settings, now=NOW + 2 * MIN).attempted == 0
    assert len(smtp.sink.received) == 1 and smtp.sink.subjects[0].startswith("【重大】青禾")


def test_a_sender_that_died_mid_delivery_is_resent_after_its_lease_with_the_same_message_id(
    database, smtp, tmp_path
):
    settings = settings_for(database, smtp.port, tmp_path)
    synthetic.store(database, negatives(1, NOW - 5 * MIN, grade="重大"))
    evaluate(database, settings, now=NOW)
    deliver_pending(database, settings, now=NOW)
    with database.session() as session:  # as if the process died after the server accepted, before "sent"
        session.execute(update(OutboxMessage).values(state=SENDING, claimed_at=NOW, sent_at=None))
    assert deliver_pending(database, settings, now=NOW + MIN).attempted == 0  # its lease still runs
    assert deliver_pending(database, settings, now=NOW + 6 * MIN).sent == 1
    first, second = (message["Message-ID"] for _, message in smtp.sink.received)
    assert first == second


def test_without_an_smtp_host_mail_lands_in_the_mailbox_directory_once(database, tmp_path):
    settings = Settings.model_validate(
        {
            "storage": {"url": database.url},
            "brands": [{"name": "青禾"}],
            "mail": {"mailbox_dir": str(tmp_path / "mailbox"), "departments": DEPARTMENTS},
        }
    )
    synthetic.store(database, negatives(1, NOW - 5 * MIN, grade="重大"))
    evaluate(database, settings, now=NOW)
    assert deliver_pending(database, settings, now=NOW).sent == 1
    with database.session() as session:
        session.execute(update(OutboxMessage).values(state="pending"))  # delivered again, e.g. after a crash
    deliver_pending(database, settings, now=NOW)
    files = list((tmp_path / "mailbox").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("【重大】青禾 负面舆情预警：")
