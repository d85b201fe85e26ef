"""What the outbox hands a transport, and the two ways a transport can fail.

A transport gets an :class:`Outgoing` (a snapshot of the row; it never touches the database) and either returns
(delivered), raises :class:`PermanentFailure` (refused for good: the row is marked ``failed``) or raises
:class:`TemporaryFailure` (try again along the back-off: the row stays ``pending``). Anything else is a bug and
propagates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One claimed outbox row as a transport sees it. ``delivery_id`` is fixed by the row and the installation,
    so a resend after a crash carries the same one (the email Message-ID is built from it)."""

    id: int
    key: str
    channel: str
    destination: str
    kind: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str | None
    images: tuple[tuple[str, bytes], ...]
    created_at: datetime
    delivery_id: str


class PermanentFailure(Exception):
    """The channel refused the message for good; retrying would only repeat the refusal."""


class TemporaryFailure(Exception):
    """The channel could not take the message now (down, timed out, busy); the outbox tries again later."""


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` messages per ``per`` to one destination; the outbox spaces rows out to keep under it."""

    count: int
    per: timedelta


class Transport(Protocol):
    """One delivery run's connection to a channel, opened by the channel's entry in ``delivery.channels``."""

    def send(self, message: Outgoing) -> None: ...

    def rate_limits(self, destination: str) -> tuple[RateLimit, ...]: ...

    def close(self) -> None: ...
