"""Helpers the demo site renderers share: keyword search, paging, escaping, encodings."""

from __future__ import annotations

import json
from html import escape
from zoneinfo import ZoneInfo

from demo.http import DemoResponse
from demo.world import DemoPost

BEIJING = ZoneInfo("Asia/Shanghai")


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
