"""Baidu Tieba PC pages: a forum's thread list (``/f``), a thread (``/p/{tid}``), search (``/f/search/res``).

Every mention's ``external_id`` is the Tieba post id (``pid``): a list entry is the thread's first post
(``first_post_id`` in its ``data-field``), so the list entry and floor 1 of the thread page are one mention
and a later crawl updates it instead of storing it twice.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from parsel import Selector

from crawler.dates import parse_chinese_date
from crawler.items import MentionItem
from crawler.parsers import Parser
from crawler.parsers.common import (
    ParseError,
    absolute,
    decode_body,
    html_page,
    html_to_text,
    text_or_none,
    to_count,
)

BASE = "https://tieba.baidu.com"
# The forum page ships its thread list as HTML inside a comment in <code class="pagelet_html">; unwrap it
# (a truncated page may end inside the comment).
_PAGELET = re.compile(r"(<code[^>]*pagelet_html[^>]*>)\s*<!--(.*?)(?:-->\s*(</code>)|\Z)", re.S)
_TID_IN_URL = re.compile(r"/p/(\d+)")
_PID_IN_URL = re.compile(r"[?&]pid=(\d+)")
_FLOOR = re.compile(r"^(\d+)楼$")
_TAIL_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}$")
_FORUM_TITLE = re.compile(r"【(.+?)吧】|^(.+?)吧[-_]")


def parse_list(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    """Threads of a forum page; ``extra.is_top`` marks pinned threads, which are old news on every page."""
    page = html_page(_PAGELET.sub(lambda m: m.group(1) + m.group(2) + (m.group(3) or ""), decode_body(body)))
    if not page.css("#thread_list, li.j_thread_list"):
        raise ParseError(f"tieba list {url}: no #thread_list (not a forum page, or a verification page)")
    forum = _forum_name(page)
    return [item for li in page.css("li.j_thread_list") if (item := _list_entry(li, forum, url, now, tz))]


def _list_entry(li: Selector, forum: str | None, url: str, now: datetime, tz: ZoneInfo) -> MentionItem | None:
    field = _data_field(li)
    tid = li.attrib.get("data-tid") or str(field.get("id") or "")
    if not tid.isdigit():
        return None
    title = li.css("a.j_th_tit::attr(title)").get() or html_to_text(li.css("a.j_th_tit").get())
    author = (
        li.css("a.frs-author-name::text").get() or field.get("author_nickname") or field.get("author_name")
    )
    extra: dict[str, Any] = {
        "tid": tid,
        "is_top": bool(field.get("is_top")),
        "is_good": bool(field.get("is_good")),
    }
    if forum:
        extra["forum"] = forum
    if last_reply := parse_chinese_date(li.css("span.threadlist_reply_date::text").get(), now=now, tz=tz):
        extra["last_reply_at"] = last_reply.isoformat()
    return MentionItem(
        external_id=str(field.get("first_post_id") or tid),
        url=f"{BASE}/p/{tid}",
        title=text_or_none(title) or "",
        text=html_to_text(li.css("div.threadlist_abs").get()),
        published_at=parse_chinese_date(li.css("span.is_show_create_time::text").get(), now=now, tz=tz),
        author=text_or_none(author),
        comments=to_count(
            field.get("reply_num") if "reply_num" in field else _first_text(li, "span.threadlist_rep_num")
        ),
        extra=extra,
    )


def parse_thread(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    """Posts of one thread page; ad and system posts (no ``content`` in ``data-field``) are skipped."""
    page = html_page(body)
    posts = page.css("div.l_post.j_l_post, div.l_post[data-field]")
    if not posts and not page.css("h3.core_title_txt, h1.core_title_txt"):
        raise ParseError(f"tieba thread {url}: no posts and no thread title (not a thread page)")
    title = text_or_none(
        page.css(".core_title_txt::attr(title)").get() or page.css(".core_title_txt::text").get()
    )
    forum = _forum_name(page)
    items = []
    for post in posts:
        if item := _thread_post(post, title or "", forum, url, now, tz):
            items.append(item)
    return items


def _thread_post(
    post: Selector, title: str, forum: str | None, url: str, now: datetime, tz: ZoneInfo
) -> MentionItem | None:
    field = _data_field(post)
    content = field.get("content")
    if not isinstance(content, dict):
        return None
    pid = str(content.get("post_id") or post.attrib.get("data-pid") or "")
    tid = str(content.get("thread_id") or _match(_TID_IN_URL, url) or "")
    if not pid.isdigit() or not tid:
        return None
    author = field.get("author") if isinstance(field.get("author"), dict) else {}
    tail = [
        t.strip() for t in post.css("div.post-tail-wrap span::text, div.post-tail-wrap span *::text").getall()
    ]
    region = next(
        (t.removeprefix("IP属地").lstrip(":：").strip() for t in tail if t.startswith("IP属地")), None
    )
    floor = content.get("post_no") or next((int(m.group(1)) for t in tail if (m := _FLOOR.match(t))), None)
    date_text = next((t for t in tail if _TAIL_DATE.match(t)), None) or content.get("date")
    first = floor == 1
    extra: dict[str, Any] = {"tid": tid, "floor": floor}
    if forum:
        extra["forum"] = forum
    return MentionItem(
        external_id=pid,
        url=f"{BASE}/p/{tid}" if first else f"{BASE}/p/{tid}?pid={pid}#{pid}",
        title=title if first or not title else f"回复：{title}",
        text=html_to_text(post.css("div.d_post_content").get() or content.get("content")),
        published_at=parse_chinese_date(date_text, now=now, tz=tz),
        author=text_or_none(
            post.css("a.p_author_name::text").get() or author.get("user_nickname") or author.get("user_name")
        ),
        region=region,
        comments=to_count(content.get("comment_num")),
        extra=extra,
    )


def parse_search(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    """Hits of a keyword search page (served in GBK); each hit is one post, thread title as title."""
    page = html_page(body)
    if not page.css("div.s_post_list, div.s_post, div.search_noresult, .s_main"):
        raise ParseError(
            f"tieba search {url}: no div.s_post_list (not a search page, or a verification page)"
        )
    items = []
    for hit in page.css("div.s_post"):
        link = hit.css("span.p_title a")
        tid = link.attrib.get("data-tid") if link else None
        href = link.attrib.get("href") if link else None
        if not tid:
            continue
        pid = _match(_PID_IN_URL, href or "") or tid
        forum = text_or_none(" ".join(hit.css("a.p_forum ::text").getall()))
        items.append(
            MentionItem(
                external_id=pid,
                url=absolute(href, BASE + "/") if href else f"{BASE}/p/{tid}",
                title=html_to_text(link.get()),
                text=html_to_text(hit.css("div.p_content").get()),
                published_at=parse_chinese_date(_first_text(hit, ".p_date"), now=now, tz=tz),
                author=text_or_none(" ".join(hit.css('a[href^="/home/main"] ::text').getall())),
                extra={"tid": tid, **({"forum": forum} if forum else {})},
            )
        )
    return items


def _data_field(node: Selector) -> dict[str, Any]:
    raw = node.attrib.get("data-field") or ""
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _forum_name(page: Selector) -> str | None:
    if name := text_or_none(page.css("a.card_title_fname::text").get()):
        return name.removesuffix("吧")
    match = _FORUM_TITLE.search(page.css("title::text").get() or "")
    return (match.group(1) or match.group(2)) if match else None


def _first_text(node: Selector, css: str) -> str | None:
    return text_or_none(" ".join(node.css(f"{css} ::text").getall()))


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


# The names ``yuqing parse`` and the spider know these parsers by.
PARSERS: dict[str, Parser] = {
    "tieba-list": parse_list,
    "tieba-thread": parse_thread,
    "tieba-search": parse_search,
}
