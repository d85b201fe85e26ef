"""Recognising a site's ways of saying "stop": bans, captchas, login walls. Pure: status, headers, body in.

Each answer here is one the sites really give (see research/SITES.md). Recognising them matters because the
usual reflex, retrying, is exactly what turns a short ban into a long one: the crawl stops, the source is
marked blocked with the reason, and it is left alone until its back-off has passed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

# Block pages are small and say so early; reading further into a 20 MB body would only cost time.
_HEAD = 64 * 1024


def detect_block(site: str, status: int, headers: dict, body: bytes, url: str) -> str | None:
    """Why this response is a blocking answer from ``site``, or ``None`` if it is a normal page."""
    head = body[:_HEAD]
    lowered = {str(k).lower(): _header_text(v) for k, v in (headers or {}).items()}
    check = SITE_RULES.get(site)
    reason = check(status, lowered, head, url) if check else None
    return reason or _generic(status, lowered, head)


def _header_text(value) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _says(head: bytes, *phrases: str) -> bool:
    """A phrase in the body, whether the page is UTF-8 or GBK (decoding a truncated head could garble it)."""
    return any(p.encode("utf-8") in head or p.encode("gb18030") in head for p in phrases)


def _json(head: bytes) -> dict:
    try:
        value = json.loads(head)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _dig(value, *keys):
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _looks_like_html(head: bytes) -> bool:
    return head.lstrip()[:1] == b"<"


def _weibo(status: int, headers: dict, head: bytes, url: str) -> str | None:
    if status == 418:
        return "weibo HTTP 418: rate limited for crawling too fast"
    if status == 432:
        return "weibo HTTP 432: needs a valid SUB cookie from m.weibo.cn"
    if "passport.weibo.com" in headers.get("location", "") or "passport.weibo.com" in url:
        return "weibo: redirected to the login page"
    if "/api/" in urlsplit(url).path:
        if _looks_like_html(head):
            return "weibo: the JSON API answered with an HTML page (captcha or login wall)"
        if _json(head).get("ok") == -100:
            return "weibo: login required (ok:-100)"
    return None


def _tieba(status: int, headers: dict, head: bytes, url: str) -> str | None:
    if "wappass.baidu.com" in headers.get("location", "") or "wappass.baidu.com" in url:
        return "tieba: redirected to the wappass captcha"
    if _says(head, "百度安全验证"):
        return f"tieba HTTP {status}: 百度安全验证 captcha page"
    if status == 403:
        return "tieba HTTP 403: forbidden"
    return None


def _heimao(status: int, headers: dict, head: bytes, url: str) -> str | None:
    if status == 456:
        return "heimao HTTP 456: IP banned"
    if status in (403, 429):
        return f"heimao HTTP {status}: treated as a ban"
    if str(_dig(_json(head), "result", "status", "code")) == "10017":
        return "heimao: login required (code 10017)"
    return None


def _discuz(status: int, headers: dict, head: bytes, url: str) -> str | None:
    if _says(head, "抱歉，您没有权限访问该版块", "您无权进行当前操作", "没有权限访问该版块"):
        return "discuz: this board needs permission (抱歉，您没有权限访问该版块)"
    if _says(head, "请开启JavaScript并刷新该页", "acw_sc__v2"):
        return "discuz: JavaScript cookie challenge"
    if status == 403:
        return "discuz HTTP 403: forbidden"
    return None


def _zhihu(status: int, headers: dict, head: bytes, url: str) -> str | None:
    code = _dig(_json(head), "error", "code")
    if str(code) in ("40352", "10003", "40362"):
        return f"zhihu: error {code} (unusual-traffic check or rejected signature)"
    if "/account/unhuman" in headers.get("location", "") or "/account/unhuman" in url:
        return "zhihu: redirected to the unusual-traffic check"
    if status in (401, 403):
        return f"zhihu HTTP {status}: login or signature rejected"
    return None


def _dianping(status: int, headers: dict, head: bytes, url: str) -> str | None:
    location = headers.get("location", "")
    if "verify.meituan.com" in location or "verify.meituan.com" in url:
        return "dianping: redirected to the verification centre"
    if _says(head, "<title>验证中心</title>", "yoda.min.js"):
        return "dianping: 验证中心 captcha page"
    if status == 403:
        return "dianping HTTP 403: forbidden"
    return None


def _generic(status: int, headers: dict, head: bytes) -> str | None:
    if status == 429:
        return "HTTP 429: too many requests"
    if status in (403, 503) and (headers.get("cf-mitigated") or _says(head, "cf-chl", "Just a moment...")):
        return f"HTTP {status}: Cloudflare challenge"
    return None


SITE_RULES: dict[str, Callable[[int, dict, bytes, str], str | None]] = {
    "weibo": _weibo,
    "tieba": _tieba,
    "heimao": _heimao,
    "discuz": _discuz,
    "zhihu": _zhihu,
    "dianping": _dianping,
}
