"""How dianping says "stop" (see research/SITES.md); :func:`crawler.blocking.detect_block` applies it."""

from __future__ import annotations

from crawler.blocking import says


def detect(status: int, headers: dict, head: bytes, url: str) -> str | None:
    location = headers.get("location", "")
    if "verify.meituan.com" in location or "verify.meituan.com" in url:
        return "dianping: redirected to the verification centre"
    if says(head, "<title>验证中心</title>", "yoda.min.js"):
        return "dianping: 验证中心 captcha page"
    if status == 403:
        return "dianping HTTP 403: forbidden"
    return None
