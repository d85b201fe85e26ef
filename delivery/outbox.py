"""The outbox: notifications are rows written with the state change, delivered afterwards with retries.

A row goes ``pending`` -> ``sending`` -> ``sent``. Claiming a row (``sending``) is a conditional UPDATE
committed before the transport is called, so two senders never both send it; marking it ``sent`` is committed
right after the channel accepts it. A sender that dies in between leaves the row ``sending``; once its lease
expires the row is sent again with the same delivery id (derived from the row and the installation; for email it
is the Message-ID, which mail clients recognise as the same message). That window is the only place a message
can arrive twice, and nothing can make it arrive never: a channel that is down only moves ``next_attempt_at``
along the back-off schedule, and a channel's rate limit only holds it back until the limit allows.

Each row names its channel (``delivery.channels``); the queue knows nothing of SMTP or webhooks.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, not_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from delivery.channels import CHANNELS
from delivery.config import MailSettings
from delivery.models import OutboxImage, OutboxMessage
from delivery.transport import Outgoing, PermanentFailure, TemporaryFailure, Transport
from storage.installation import instance_id

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from storage.db import Database
    from yuqing.config import Settings

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
    channel: str = "email",
    destination: str = "",
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; ``None`` if a message with ``key`` exists
    already.

    ``images`` are (content-id, PNG bytes) pairs the HTML refers to as ``cid:<content-id>``.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    now = now or datetime.now(UTC)
    message = OutboxMessage(
        key=key,
        channel=channel,
        destination=destination,
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
    """One delivery run. ``waiting`` and ``reasons`` describe what is still undelivered once the run ends."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    waiting: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed

    @property
    def undelivered(self) -> bool:
        """Anything refused in this run or still waiting for a later attempt."""
        return bool(self.failed or self.waiting)


def delivery_id(row_id: int, key: str, instance: str) -> str:
    """Fixed by the row and the installation: a resend after a crash carries the same one, and a fresh database's
    first message never repeats another installation's (or the same one's before a reset)."""
    digest = hashlib.sha1(f"{instance}:{key}".encode()).hexdigest()[:16]
    return f"yuqing.{row_id}.{digest}"


@dataclass
class _Run:
    """The state of one delivery run: transports opened so far and the destinations not to try again now."""

    settings: Settings
    now: datetime
    instance: str
    transports: dict[str, Transport] = field(default_factory=dict)
    paused: set[tuple[str, str]] = field(default_factory=set)
    done: set[int] = field(default_factory=set)

    def transport(self, channel: str) -> Transport:
        if channel not in self.transports:
            if channel not in CHANNELS:
                raise PermanentFailure(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")
            self.transports[channel] = CHANNELS[channel](self.settings)
        return self.transports[channel]

    def close(self) -> None:
        for transport in self.transports.values():
            transport.close()


def _due(now: datetime, stale: datetime):
    return or_(
        (OutboxMessage.state == PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.state == SENDING) & (OutboxMessage.claimed_at <= stale),
    )


def _not_paused(paused: set[tuple[str, str]]):
    return and_(
        OutboxMessage.id.isnot(None),
        *(not_((OutboxMessage.channel == c) & (OutboxMessage.destination == d)) for c, d in paused),
    )


def _claim_next(db: Database, run: _Run, lease: timedelta) -> tuple[int, str] | None:
    """Mark the next due row ``sending`` under a fresh token and return (id, token), or ``None`` if none is
    due."""
    stale = run.now - lease
    while True:
        with db.session() as session:
            row_id = session.scalar(
                select(OutboxMessage.id)
                .where(_due(run.now, stale), OutboxMessage.id.not_in(run.done), _not_paused(run.paused))
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
                .where(OutboxMessage.id == row_id, _due(run.now, stale))
                .values(state=SENDING, claimed_at=run.now, claim_token=token, attempts=OutboxMessage.attempts + 1)
            )
        run.done.add(row_id)
        if result.rowcount == 1:
            return row_id, token


def _finish(db: Database, row_id: int, token: str, **values) -> None:
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.claim_token == token)
            .values(**values)
        )


def deliver_pending(db: Database, settings: Settings, *, now: datetime | None = None) -> DeliveryReport:
    """Send every message that is due; a failure schedules the next attempt along ``mail.retry_backoff``.

    A temporary failure pauses that destination (the SMTP server, one robot) for the rest of the run: it is down,
    and trying its other messages now would only wait out the same timeout once per message.
    """
    mail: MailSettings = settings.mail
    with db.session() as session:
        run = _Run(settings=settings, now=now or datetime.now(UTC), instance=instance_id(session))
    report = DeliveryReport()
    try:
        while (claimed := _claim_next(db, run, mail.sending_lease)) is not None:
            _deliver_one(db, mail, run, *claimed, report)
    finally:
        run.close()
    _count_waiting(db, report)
    return report


def _outgoing(row: OutboxMessage, instance: str) -> Outgoing:
    return Outgoing(
        id=row.id,
        key=row.key,
        channel=row.channel,
        destination=row.destination,
        kind=row.kind,
        recipients=tuple(row.recipients),
        subject=row.subject,
        text=row.text,
        html=row.html,
        images=tuple((image.content_id, image.data) for image in row.images),
        created_at=row.created_at,
        delivery_id=delivery_id(row.id, row.key, instance),
    )


def _deliver_one(db: Database, mail: MailSettings, run: _Run, row_id: int, token: str, report: DeliveryReport) -> None:
    """Send one claimed row, or put it back for later when its destination's rate limit is reached."""
    with db.session() as session:
        row = session.get(OutboxMessage, row_id)
        message, attempts = _outgoing(row, run.instance), row.attempts
    destination = (message.channel, message.destination)
    try:
        transport = run.transport(message.channel)
        wait = _rate_wait(db, transport, message)
        if wait is not None:
            # Put back as it was, still due: the next run tries it first again, so a robot's cards keep their
            # order (a 已解除 never overtakes the alert it closes) and none is dropped.
            log.info("outbox %s (%s %s): rate limit reached, next slot in %s", row_id, message.channel,
                     message.destination, wait)
            _finish(db, row_id, token, state=PENDING, claimed_at=None, attempts=attempts - 1)
            run.paused.add(destination)
            report.deferred += 1
            return
        transport.send(message)
    except PermanentFailure as exc:
        log.error("outbox %s (%s, %s) refused for good: %s", row_id, message.channel, message.subject, exc)
        _finish(db, row_id, token, state=FAILED, last_error=str(exc)[:2000])
        report.failed += 1
        report.errors.append(f"#{row_id}: {exc}")
        return
    except TemporaryFailure as exc:
        delay = mail.retry_backoff[min(attempts, len(mail.retry_backoff)) - 1]
        log.warning("outbox %s (%s): %s; next attempt in %s", row_id, message.channel, exc, delay)
        _finish(db, row_id, token, state=PENDING, next_attempt_at=run.now + delay, claimed_at=None,
                last_error=str(exc)[:2000])
        run.paused.add(destination)
        report.retried += 1
        report.errors.append(f"#{row_id}: {exc}")
        return
    _finish(db, row_id, token, state=SENT, sent_at=datetime.now(UTC), last_error=None)
    report.sent += 1


def _rate_wait(db: Database, transport: Transport, message: Outgoing) -> timedelta | None:
    """How long until every rate limit of the destination allows one more message; ``None`` if they allow it now.

    Counted from the rows sent in the last window on the wall clock (the robot counts on its clock, not on a
    backtest's), so two senders in different processes share one count.
    """
    limits = transport.rate_limits(message.destination)
    if not limits:
        return None
    wall = datetime.now(UTC)
    longest = max(limit.per for limit in limits)
    with db.session() as session:
        recent = session.scalars(
            select(OutboxMessage.sent_at)
            .where(OutboxMessage.channel == message.channel, OutboxMessage.destination == message.destination,
                   OutboxMessage.state == SENT, OutboxMessage.sent_at > wall - longest)
            .order_by(OutboxMessage.sent_at.desc())
        ).all()
    waits = []
    for limit in limits:
        in_window = [at for at in recent if at > wall - limit.per]
        if len(in_window) >= limit.count:
            # The window frees a slot when the oldest of the last ``count`` sends leaves it.
            waits.append(in_window[limit.count - 1] + limit.per - wall)
    return max(waits, default=None)


def _count_waiting(db: Database, report: DeliveryReport) -> None:
    """What is left undelivered after the run, each with why: the operator's answer to "did everything go?"."""
    with db.session() as session:
        rows = session.execute(
            select(OutboxMessage.state, OutboxMessage.channel, OutboxMessage.last_error,
                   func.count(), func.min(OutboxMessage.next_attempt_at))
            .where(OutboxMessage.state.in_((PENDING, SENDING)))
            .group_by(OutboxMessage.state, OutboxMessage.channel, OutboxMessage.last_error)
        ).all()
    for state, channel, error, count, next_at in rows:
        report.waiting += count
        why = error or ("being sent by another process" if state == SENDING else "not yet due")
        report.reasons.append(f"{count} {channel} waiting (next attempt {next_at:%Y-%m-%d %H:%M} UTC): {why}")
