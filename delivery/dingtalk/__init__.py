"""钉钉 (DingTalk) custom robot: a Markdown message, signed when the robot uses 加签.

The signature is HMAC-SHA256 keyed with the secret over ``timestamp + "\\n" + secret`` (timestamp in
milliseconds, at most an hour off DingTalk's clock), Base64, sent as ``timestamp`` and ``sign`` query
parameters. It is computed at each attempt, so a message retried hours later is signed afresh. Limit: 20 messages
a minute per robot; past it DingTalk refuses (130101) for ten minutes, so the outbox spaces messages instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import httpx

from delivery.transport import Outgoing
from delivery.webhook import WebhookTransport, fit

MAX_BYTES = 4096


def signature(timestamp_ms: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingtalkTransport(WebhookTransport):
    platform = "dingtalk"
    signed = True
    rates = ((20, timedelta(minutes=1)),)
    # 130101: "send too fast"; -1: "system busy".
    busy_codes = frozenset({130101, -1})

    def payload(self, message: Outgoing) -> dict:
        # The title is what the chat list and the phone notification show.
        return {"msgtype": "markdown", "markdown": {
            "title": message.subject, "text": fit(f"### {message.subject}\n{message.text}", MAX_BYTES)}}

    def sign(self, url: str, body: dict, secret: str) -> tuple[str, dict]:
        timestamp = int(time.time() * 1000)
        signed = httpx.URL(url).copy_merge_params({"timestamp": str(timestamp), "sign": signature(timestamp, secret)})
        return str(signed), body
