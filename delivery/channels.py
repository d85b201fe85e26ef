"""The channel registry: an outbox row's ``channel`` names its entry here, which opens that channel's transport.

Adding a channel is one folder, ``delivery/<channel>/`` (its transport, and its settings if it has any), plus one
line below. The outbox does the rest: claiming, leases, retries, rate limits, reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from delivery.mailbox import MailboxTransport
from delivery.smtp import SmtpTransport
from delivery.transport import Transport

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from yuqing.config import Settings


def _email(settings: Settings) -> Transport:
    # One channel, two transports: a laptop or the demo without an SMTP host gets .eml files instead.
    return SmtpTransport(settings.mail) if settings.mail.host else MailboxTransport(settings.mail)


CHANNELS: dict[str, Callable[[Settings], Transport]] = {
    "email": _email,
}
