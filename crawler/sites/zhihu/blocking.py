"""How zhihu says "stop" (see research/SITES.md); :func:`crawler.blocking.detect_block` applies it."""

from __future__ import annotations

from crawler.blocking import dig, json_object


def detect(status: int, headers: dict, head: bytes, url: str) -> str | None:
    code = dig(json_object(head), "error", "code")
    if str(code) in ("40352", "10003", "40362"):
        return f"zhihu: error {code} (unusual-traffic check or rejected signature)"
    if "/account/unhuman" in headers.get("location", "") or "/account/unhuman" in url:
        return "zhihu: redirected to the unusual-traffic check"
    if status in (401, 403):
        return f"zhihu HTTP {status}: login or signature rejected"
    return None
