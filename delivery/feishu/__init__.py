"""飞书 / Lark custom bot: an interactive card (coloured header, Markdown body), signed when the bot uses 签名校验.

The signature is HMAC-SHA256 keyed with ``timestamp + "\\n" + secret`` over an empty message (timestamp in
seconds, at most an hour off), Base64, sent as ``timestamp`` and ``sign`` in the JSON body. Limits: 100 messages
a minute and 5 a second per bot.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta

from delivery.transport import Outgoing
from delivery.webhook import Answer, WebhookTransport, fit, level_of

MAX_BYTES = 20_000
HEADER_COLOURS = {"重大": "red", "严重": "orange", "一般": "yellow", "已解除": "green", "已恢复": "green",
                  "数据源异常": "grey"}


def signature(timestamp_s: int, secret: str) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class FeishuTransport(WebhookTransport):
    platform = "feishu"
    signed = True
    rates = ((100, timedelta(minutes=1)), (5, timedelta(seconds=1)))
    # 9499: "Too Many Request"; 11232: "frequency limited".
    busy_codes = frozenset({9499, 11232})

    def payload(self, message: Outgoing) -> dict:
        colour = HEADER_COLOURS.get(level_of(message.subject) or "", "blue")
        return {"msg_type": "interactive", "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": message.subject}, "template": colour},
            "elements": [{"tag": "markdown", "content": fit(message.text, MAX_BYTES)}],
        }}

    def sign(self, url: str, body: dict, secret: str) -> tuple[str, dict]:
        timestamp = int(time.time())
        return url, {"timestamp": str(timestamp), "sign": signature(timestamp, secret), **body}

    def answer(self, data: dict) -> Answer:
        # Newer bots answer {"code": 0, "msg": "success"}, older ones {"StatusCode": 0, "StatusMessage": ...}.
        if "code" in data:
            return Answer(int(data["code"]), str(data.get("msg", "")))
        return Answer(int(data.get("StatusCode", -1)), str(data.get("StatusMessage", "")))
