"""The mail outbox: notifications are rows written with the state change, delivered afterwards with retries.

A row goes ``pending`` -> ``sending`` -> ``sent``. Claiming a row (``sending``) is a conditional UPDATE
committed before the SMTP conversation, so two senders never both send it; marking it ``sent`` is committed
right after the server accepts it. A sender that dies in between leaves the row ``sending``; once its lease
expires the row is sent again with the same Message-ID (derived from the row), which mail clients recognise as
the same message. That window is the only place a message can arrive twice, and nothing can make it arrive
never: an SMTP server that is down only moves ``next_attempt_at`` along the back-off schedule.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.config import MailSettings
from alerts.models import OutboxImage, OutboxMessage

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


def enqueue(
    session: Session,
    *,
    kind: str,
    recipients: list[str],
    subject: str,
    text: str,
    html: str | None,
    key: str,
    images: Sequence[tuple[str, bytes]] = (),
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; ``None`` if a message with ``key`` exists
    already.

    ``images`` are (content-id, PNG bytes) pairs the HTML refers to as ``cid:<content-id>``.
    """
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    now = now or datetime.now(UTC)
    message = OutboxMessage(
        key=key,
        kind=kind,
        recipients=list(recipients),
        subject=subject,
        text=text,
        html=html,
        state=PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
        images=[OutboxImage(content_id=cid, data=data) for cid, data in images],
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        # Another transaction enqueued the same key between our check and our insert.
        session.expunge(message)
        return None
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


class PermanentFailure(Exception):
    """The server refused the message for good (5xx); retrying would only repeat the refusal."""


def message_id(row: OutboxMessage, sender: str) -> str:
    """A Message-ID fixed by the row: a resend after a crash carries the same one."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "yuqing.local"
    digest = hashlib.sha1(row.key.encode("utf-8")).hexdigest()[:16]
    return f"<yuqing.{row.id}.{digest}@{domain}>"


def build_email(row: OutboxMessage, settings: MailSettings) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = row.subject
    email["From"] = settings.sender
    email["To"] = ", ".join(row.recipients) if row.recipients else "undisclosed-recipients:;"
    email["Date"] = format_datetime(row.created_at)
    email["Message-ID"] = message_id(row, settings.sender)
    email["X-Yuqing-Key"] = row.key
    email["X-Yuqing-Kind"] = row.kind
    email.set_content(row.text, subtype="plain", charset="utf-8")
    if row.html is not None:
        email.add_alternative(row.html, subtype="html", charset="utf-8")
        html_part = email.get_payload()[-1]
        for image in row.images:
            html_part.add_related(
                image.data,
                maintype="image",
                subtype="png",
                cid=f"<{image.content_id}>",
                filename=f"{image.content_id.partition('@')[0]}.png",
                disposition="inline",
            )
    return email


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; smtplib encodes credentials as ASCII, so a UTF-8 name or password goes as AUTH PLAIN (RFC 4616)."""
    if (username + password).isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    if "plain" not in client.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPAuthenticationError(504, "non-ASCII credentials need AUTH PLAIN, which the server lacks")
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


class SmtpTransport:
    """One SMTP connection for a delivery run, opened on first use."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        timeout = settings.timeout.total_seconds()
        context = ssl.create_default_context()
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
            if settings.security == "starttls":
                client.starttls(context=context)
        if settings.username:
            password = os.environ.get(settings.password_env or "", "")
            if not password:
                client.close()
                raise smtplib.SMTPAuthenticationError(
                    530, f"mail.password_env {settings.password_env!r} is not set"
                )
            _login(client, settings.username, password)
        return client

    def send(self, email: EmailMessage, recipients: list[str]) -> None:
        if not recipients:
            raise PermanentFailure("no recipients: add addresses under [mail.departments]")
        if self.client is None:
            self.client = self._connect()
        try:
            refused = self.client.send_message(email, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"every recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPServerDisconnected):
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            self.close()
            raise
        if refused:
            log.warning("%s: some recipients refused: %s", email["Message-ID"], refused)

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.client = None


class MailboxTransport:
    """No SMTP host configured: each message becomes an .eml file (the demo and a laptop need no mail
    server)."""

    def __init__(self, settings: MailSettings) -> None:
        self.directory = Path(settings.mailbox_dir)

    def send(self, email: EmailMessage, recipients: list[str]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = email["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
        target = self.directory / f"{name}.eml"
        # Written under a temporary name and renamed: a crash leaves no half message, and the same message
        # delivered again replaces itself instead of appearing twice.
        partial = self.directory / f".{name}.{uuid.uuid4().hex}.tmp"
        partial.write_bytes(bytes(email))
        os.replace(partial, target)

    def close(self) -> None:
        pass


def transport_for(settings: MailSettings):
    return SmtpTransport(settings) if settings.host else MailboxTransport(settings)


def _due(now: datetime, stale: datetime):
    return or_(
        (OutboxMessage.state == PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.state == SENDING) & (OutboxMessage.claimed_at <= stale),
    )


def _claim_next(db, settings: MailSettings, now: datetime, skip: set[int]) -> tuple[int, str] | None:
    """Mark the next due row ``sending`` under a fresh token and return (id, token), or ``None`` if none is
    due."""
    stale = now - settings.sending_lease
    while True:
        with db.session() as session:
            row_id = session.scalar(
                select(OutboxMessage.id)
                .where(_due(now, stale), OutboxMessage.id.not_in(skip))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
            )
            if row_id is None:
                return None
            token = uuid.uuid4().hex
            # Conditional on the row still being due: of two senders racing for it, exactly one update
            # matches.
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, _due(now, stale))
                .values(state=SENDING, claimed_at=now, claim_token=token, attempts=OutboxMessage.attempts + 1)
            )
        if result.rowcount == 1:
            return row_id, token
        skip.add(row_id)


def _finish(db, row_id: int, token: str, **values) -> None:
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.claim_token == token)
            .values(**values)
        )


def deliver_pending(db, settings, *, now: datetime | None = None) -> DeliveryReport:
    """Send every message that is due; a failure schedules the next attempt along ``mail.retry_backoff``.

    The first connection-level failure ends the run: the server is down, and trying every other message now
    would only wait out the same timeout once per message.
    """
    mail: MailSettings = settings.mail
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    transport = transport_for(mail)
    done: set[int] = set()
    try:
        while (claimed := _claim_next(db, mail, now, done)) is not None:
            row_id, token = claimed
            done.add(row_id)
            if not _deliver_one(db, mail, transport, row_id, token, now, report):
                break
    finally:
        transport.close()
    return report


def _deliver_one(
    db, mail: MailSettings, transport, row_id: int, token: str, now: datetime, report: DeliveryReport
) -> bool:
    """Send one claimed row; ``False`` if the server could not be reached or failed mid-conversation."""
    with db.session() as session:
        row = session.get(OutboxMessage, row_id)
        email = build_email(row, mail)
        recipients, attempts, subject = list(row.recipients), row.attempts, row.subject
    try:
        transport.send(email, recipients)
    except PermanentFailure as exc:
        log.error("mail %s (%s) refused for good: %s", row_id, subject, exc)
        _finish(db, row_id, token, state=FAILED, last_error=str(exc)[:2000])
        report.failed += 1
        report.errors.append(f"#{row_id}: {exc}")
        return True
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        transport.close()
        delay = mail.retry_backoff[min(attempts, len(mail.retry_backoff)) - 1]
        log.warning("mail %s: %s; next attempt in %s", row_id, exc, delay)
        _finish(
            db,
            row_id,
            token,
            state=PENDING,
            next_attempt_at=now + delay,
            claimed_at=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        report.retried += 1
        report.errors.append(f"#{row_id}: {exc}")
        return False
    _finish(db, row_id, token, state=SENT, sent_at=datetime.now(UTC), last_error=None)
    report.sent += 1
    return True
