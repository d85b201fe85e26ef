"""Sending the daily digest through the delivery outbox, once per day whatever calls it how often."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from delivery.models import OutboxMessage
from delivery.outbox import enqueue
from digest.build import build_digest, default_day
from digest.render import render

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from storage.db import Database
    from yuqing.config import Settings

log = logging.getLogger(__name__)


def digest_key(day: date) -> str:
    return f"digest:{day.isoformat()}"


def send_digest(db: Database, settings: Settings, day: date | None = None) -> OutboxMessage | None:
    """Queue the digest of ``day`` (default: yesterday, local time) for the PR team; the outbox delivers it.

    Returns the outbox row, or None when that day's digest was queued before or nobody is set to get it.
    """
    day = day or default_day(settings)
    key = digest_key(day)
    department = settings.digest.department
    recipients = settings.mail.departments.get(department, [])
    if not recipients:
        log.warning("digest %s not sent: no addresses under [mail.departments] %s", day, department)
        return None
    with db.session() as session:
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
            return None
    rendered = render(build_digest(db, settings, day))
    with db.session() as session:
        return enqueue(session, kind="digest", recipients=recipients, subject=rendered.subject,
                       text=rendered.text, html=rendered.html, key=key, images=rendered.images)
