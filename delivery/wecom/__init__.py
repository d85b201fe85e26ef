"""企业微信 (WeCom) group robot: a Markdown message to the webhook URL, whose ``key`` is the credential.

WeCom robots are not signed; keep the URL secret (``url_env``). Limits: 20 messages a minute per robot, content
up to 4096 bytes.
"""

from __future__ import annotations

from datetime import timedelta

from delivery.transport import Outgoing
from delivery.webhook import WebhookTransport, fit

MAX_BYTES = 4096


class WecomTransport(WebhookTransport):
    platform = "wecom"
    rates = ((20, timedelta(minutes=1)),)
    # 45009: "api freq out of limit"; -1: "system busy".
    busy_codes = frozenset({45009, -1})

    def payload(self, message: Outgoing) -> dict:
        return {"msgtype": "markdown", "markdown": {"content": fit(f"## {message.subject}\n{message.text}",
                                                                   MAX_BYTES)}}
