"""How tieba says "stop" (see research/SITES.md); :func:`crawler.blocking.detect_block` applies it."""

from __future__ import annotations

from crawler.blocking import says


def detect(status: int, headers: dict, head: bytes, url: str) -> str | None:
    if "wappass.baidu.com" in headers.get("location", "") or "wappass.baidu.com" in url:
        return "tieba: redirected to the wappass captcha"
    if says(head, "百度安全验证"):
        return f"tieba HTTP {status}: 百度安全验证 captcha page"
    if status == 403:
        return "tieba HTTP 403: forbidden"
    return None
