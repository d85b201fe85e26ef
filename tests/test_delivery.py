"""The delivery outbox as an operator meets it: secrets found at start-up, Message-IDs unique per installation,
and ``alerts send`` saying when something is left undelivered."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from sqlalchemy import select

from delivery.models import OutboxMessage
from delivery.outbox import PENDING, SENT, deliver_pending, enqueue
from storage.db import Database
from tests.conftest import free_port
from yuqing.cli import main
from yuqing.config import Settings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def queue_alert(db: Database, key: str = "alert:1:0") -> None:
    with db.session() as session:
        enqueue(session, kind="alert-firing", recipients=["pr@qinghe.cn"], subject="【严重】青禾 负面舆情预警",
                text="负面舆情预警", html=None, key=key, now=NOW)


def mailbox_settings(db: Database, mailbox) -> Settings:
    return Settings.model_validate({"storage": {"url": db.url}, "brands": [{"name": "青禾"}],
                                    "mail": {"mailbox_dir": str(mailbox)}})


def message_ids(mailbox) -> list[str]:
    return sorted(email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["Message-ID"]
                  for path in mailbox.glob("*.eml"))


def test_the_first_message_of_two_fresh_databases_gets_two_message_ids_and_neither_file_is_overwritten(tmp_path):
    mailbox = tmp_path / "mailbox"
    for name in ("before-reset.db", "after-reset.db"):
        db = Database(f"sqlite:///{tmp_path}/{name}")
        db.upgrade()
        queue_alert(db)  # the same first alert key in both: alert 1, first notification
        assert deliver_pending(db, mailbox_settings(db, mailbox), now=NOW).sent == 1
        db.dispose()
    first, second = message_ids(mailbox)
    assert first != second


def test_a_resend_of_the_same_row_keeps_its_message_id(sqlite_database, tmp_path):
    mailbox = tmp_path / "mailbox"
    queue_alert(sqlite_database)
    settings = mailbox_settings(sqlite_database, mailbox)
    deliver_pending(sqlite_database, settings, now=NOW)
    before = message_ids(mailbox)
    with sqlite_database.session() as session:
        session.execute(OutboxMessage.__table__.update().values(state=PENDING))
    deliver_pending(sqlite_database, settings, now=NOW)
    assert message_ids(mailbox) == before and len(before) == 1


def test_alerts_send_exits_non_zero_naming_why_when_the_mail_server_is_down(write_settings, capsys):
    path = write_settings(f'[mail]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n')
    db = Database(f"sqlite:///{path.parent}/yuqing.db")
    db.upgrade()
    queue_alert(db)
    assert main(["--settings", str(path), "alerts", "send"]) == 1
    err = capsys.readouterr().err
    assert "未送达" in err and "ConnectionRefusedError" in err and "1 email waiting" in err
    # Still queued, not dropped: a later run delivers it.
    with db.session() as session:
        assert session.scalars(select(OutboxMessage.state)).all() == [PENDING]
    db.dispose()


def test_alerts_send_exits_zero_once_everything_is_delivered(write_settings, tmp_path, capsys):
    path = write_settings(f'[mail]\nmailbox_dir = "{tmp_path}/mailbox"\n')
    db = Database(f"sqlite:///{path.parent}/yuqing.db")
    db.upgrade()
    queue_alert(db)
    assert main(["--settings", str(path), "alerts", "send"]) == 0
    assert "未送达" not in capsys.readouterr().err
    with db.session() as session:
        assert session.scalars(select(OutboxMessage.state)).all() == [SENT]
    db.dispose()


def test_a_mail_login_without_its_password_variable_stops_at_start_up_naming_key_and_variable(
        write_settings, monkeypatch, capsys):
    monkeypatch.delenv("YUQING_TEST_SMTP_SECRET", raising=False)
    path = write_settings('[mail]\nhost = "127.0.0.1"\nusername = "alerts@qinghe.cn"\n'
                          'password_env = "YUQING_TEST_SMTP_SECRET"\n')
    assert main(["--settings", str(path), "db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "mail.password_env" in err and "YUQING_TEST_SMTP_SECRET" in err and "not set" in err
    monkeypatch.setenv("YUQING_TEST_SMTP_SECRET", "s3cret")
    assert main(["--settings", str(path), "db", "upgrade"]) == 0


def test_the_database_url_can_come_from_a_named_variable_and_its_password_is_never_printed(
        tmp_path, postgres_url, monkeypatch, capsys):
    path = tmp_path / "settings.toml"
    path.write_text('[storage]\nurl_env = "YUQING_TEST_DB_URL"\n\n[[brands]]\nname = "青禾"\n', encoding="utf-8")
    monkeypatch.delenv("YUQING_TEST_DB_URL", raising=False)
    assert main(["--settings", str(path), "db", "upgrade"]) == 2
    assert "storage.url_env" in capsys.readouterr().err
    # The test server trusts loopback, so any password logs in; what matters is that it is never shown.
    monkeypatch.setenv("YUQING_TEST_DB_URL", postgres_url.replace("postgres@", "postgres:hunter2@", 1))
    assert main(["--settings", str(path), "db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "database is up to date" in out and "hunter2" not in out


def test_giving_both_url_and_url_env_is_refused(tmp_path, capsys):
    path = tmp_path / "settings.toml"
    path.write_text('[storage]\nurl = "sqlite:///x.db"\nurl_env = "X"\n\n[[brands]]\nname = "青禾"\n', encoding="utf-8")
    assert main(["--settings", str(path), "db", "upgrade"]) == 2
    assert "url or url_env, not both" in capsys.readouterr().err
