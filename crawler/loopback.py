"""A site played on loopback: what a site's demo renderer (``crawler/sites/<site>/demo.py``) gets and returns, and
the helpers the renderers share (keyword search, paging, escaping, encodings).

A renderer is ``ROUTES = [(path regex, handler)]`` with ``handler(request: DemoRequest, world) -> DemoResponse``;
the demo server (``demo.server``) routes to every registered site's renderer. The world (``demo.world``) is only
read, through its ``visible``/``find``/``blocked``/``clock``, so it is named here for annotations alone: the crawler
never imports the demo at run time, the demo imports the crawler's registry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # annotations only: the demo sits above the crawler
    from demo.world import DemoPost

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class DemoRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    match: re.Match[str] | None = None


@dataclass
class DemoResponse:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def matching(posts: list[DemoPost], keyword: str) -> list[DemoPost]:
    """What a site search returns: posts whose title or text contains the keyword (newest first, as given)."""
    return [p for p in posts if keyword and (keyword in p.title or keyword in p.text)]


def page_of(posts: list[DemoPost], page: int, size: int) -> list[DemoPost]:
    start = max(page - 1, 0) * size
    return posts[start : start + size]


def int_arg(query: dict[str, str], name: str, default: int = 1) -> int:
    try:
        return int(query.get(name, default))
    except ValueError:
        return default


def html(text: str) -> str:
    return escape(text, quote=True)


def json_response(payload, status: int = 200) -> DemoResponse:
    return DemoResponse(
        status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"
    )


def html_response(page: str, status: int = 200, encoding: str = "utf-8") -> DemoResponse:
    """An HTML page in the site's encoding; GBK sites say so in the header as well as the page."""
    label = "gbk" if encoding == "gbk" else "utf-8"
    return DemoResponse(
        status,
        page.encode("gb18030" if encoding == "gbk" else "utf-8", errors="replace"),
        f"text/html; charset={label}",
    )


def local(post: DemoPost, pattern: str) -> str:
    return post.published_at.astimezone(BEIJING).strftime(pattern)
