"""How heimao says "stop" (see research/SITES.md); :func:`crawler.blocking.detect_block` applies it."""

from __future__ import annotations

from crawler.blocking import dig, json_object


def detect(status: int, headers: dict, head: bytes, url: str) -> str | None:
    if status == 456:
        return "heimao HTTP 456: IP banned"
    if status in (403, 429):
        return f"heimao HTTP {status}: treated as a ban"
    if str(dig(json_object(head), "result", "status", "code")) == "10017":
        return "heimao: login required (code 10017)"
    return None
