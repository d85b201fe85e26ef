"""How weibo says "stop" (see research/SITES.md); :func:`crawler.blocking.detect_block` applies it."""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.blocking import json_object, looks_like_html


def detect(status: int, headers: dict, head: bytes, url: str) -> str | None:
    if status == 418:
        return "weibo HTTP 418: rate limited for crawling too fast"
    if status == 432:
        return "weibo HTTP 432: needs a valid SUB cookie from m.weibo.cn"
    if "passport.weibo.com" in headers.get("location", "") or "passport.weibo.com" in url:
        return "weibo: redirected to the login page"
    if "/api/" in urlsplit(url).path:
        if looks_like_html(head):
            return "weibo: the JSON API answered with an HTML page (captcha or login wall)"
        if json_object(head).get("ok") == -100:
            return "weibo: login required (ok:-100)"
    return None
