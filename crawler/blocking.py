"""Recognising a site's ways of saying "stop": bans, captchas, login walls. Pure: status, headers, body in.

Each answer recognised is one the sites really give (see research/SITES.md). Recognising them matters because the
usual reflex, retrying, is exactly what turns a short ban into a long one: the crawl stops, the source is
marked blocked with the reason, and it is left alone until its back-off has passed.

A site's own answers are its ``crawler/sites/<site>/blocking.py`` (a :data:`BlockingRule` named ``detect``, built
from the helpers here); the generic ones (HTTP 429, Cloudflare's challenge) apply to every site.
"""

from __future__ import annotations

import json
from collections.abc import Callable

# ``rule(status, headers, head, url)``: headers with lower-cased names, ``head`` the body's first 64 KiB.
BlockingRule = Callable[[int, dict, bytes, str], "str | None"]

# Block pages are small and say so early; reading further into a 20 MB body would only cost time.
_HEAD = 64 * 1024


def detect_block(rule: BlockingRule | None, status: int, headers: dict, body: bytes, url: str) -> str | None:
    """Why this response is a blocking answer (by the site's ``rule``, if it has one, or the generic rules), or
    ``None`` if it is a normal page."""
    head = body[:_HEAD]
    lowered = {str(k).lower(): _header_text(v) for k, v in (headers or {}).items()}
    reason = rule(status, lowered, head, url) if rule else None
    return reason or _generic(status, lowered, head)


def _header_text(value) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def says(head: bytes, *phrases: str) -> bool:
    """A phrase in the body, whether the page is UTF-8 or GBK (decoding a truncated head could garble it)."""
    return any(p.encode("utf-8") in head or p.encode("gb18030") in head for p in phrases)


def json_object(head: bytes) -> dict:
    try:
        value = json.loads(head)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def dig(value, *keys):
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def looks_like_html(head: bytes) -> bool:
    return head.lstrip()[:1] == b"<"


def _generic(status: int, headers: dict, head: bytes) -> str | None:
    if status == 429:
        return "HTTP 429: too many requests"
    if status in (403, 503) and (headers.get("cf-mitigated") or says(head, "cf-chl", "Just a moment...")):
        return f"HTTP {status}: Cloudflare challenge"
    return None
