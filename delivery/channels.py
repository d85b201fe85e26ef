"""The channel registry: an outbox row's ``channel`` names its entry here, which opens that channel's transport.

Adding a channel is one folder, ``delivery/<channel>/`` (its transport, and its settings if it has any), plus one
line below: in ``ROBOTS`` for a chat robot platform (a ``WebhookTransport``; ``[robots]`` settings then name it),
else in ``CHANNELS``. The outbox does the rest: claiming, leases, retries, rate limits, reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from delivery.dingtalk import DingtalkTransport
from delivery.feishu import FeishuTransport
from delivery.mailbox import MailboxTransport
from delivery.smtp import SmtpTransport
from delivery.transport import Transport
from delivery.webhook import WebhookTransport, opener
from delivery.wecom import WecomTransport

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from yuqing.config import Settings


def _email(settings: Settings) -> Transport:
    # One channel, two transports: a laptop or the demo without an SMTP host gets .eml files instead.
    return SmtpTransport(settings.mail) if settings.mail.host else MailboxTransport(settings.mail)


# Chat robot platforms: ``[robots.<name>] platform`` names one of these.
ROBOTS: dict[str, type[WebhookTransport]] = {
    "wecom": WecomTransport,
    "dingtalk": DingtalkTransport,
    "feishu": FeishuTransport,
}

CHANNELS: dict[str, Callable[[Settings], Transport]] = {
    "email": _email,
    **{platform: opener(transport) for platform, transport in ROBOTS.items()},
}
