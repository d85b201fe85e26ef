"""Discuz! X3 boards: the thread list (``mod=forumdisplay``) and a thread (``mod=viewthread``), GBK or UTF-8.

Discuz prints recent dates relatively (``昨天&nbsp;18:07``) but keeps the absolute one in the
span's ``title``; that is preferred, with the shown clock time added when the title has only the day.
A thread is ``t{tid}`` (its list entry and its first floor are one mention) and each reply is ``p{pid}``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from parsel import Selector

from crawler.dates import parse_chinese_date
from crawler.items import MentionItem
from crawler.parsers import Parser
from crawler.parsers.common import ParseError, absolute, html_page, html_to_text, text_or_none, to_count

_THREAD_ID = re.compile(r"^normalthread_(\d+)$")
_POST_ID = re.compile(r"^post_(\d+)$")
_TID_IN_URL = re.compile(r"(?:[?&]tid=|thread-)(\d+)")
_BOARD_LINK = re.compile(r"mod=forumdisplay|forum-\d+-\d+\.html")
_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_NAMED_FLOORS = {"楼主": 1, "沙发": 2, "板凳": 3, "地板": 4}
# Quotes repeat someone else's words; pstatus is "本帖最后由 X 于 … 编辑"; jammer is hidden anti-copy noise.
_NOISE = (
    './/div[contains(@class,"quote")] | .//i[contains(@class,"pstatus")] | .//font[@class="jammer"]'
    ' | .//span[contains(translate(@style," ",""),"display:none")] | .//script | .//div[@class="tip"]'
)


def parse_list(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    """Threads of one forum page; pinned threads (``stickthread_*``) are skipped, they are on every page."""
    page = html_page(body)
    table = page.css("#threadlisttableid") or page.css("#threadlist")
    if not table:
        raise ParseError(f"discuz list {url}: no #threadlisttableid (not a Discuz! X forum page)")
    forum = _forum_name(page)
    items = []
    for tbody in table.css("tbody[id^=normalthread_]"):
        match = _THREAD_ID.match(tbody.attrib.get("id", ""))
        link = tbody.css("a.xst")
        if not match or not link:
            continue
        tid = match.group(1)
        by = tbody.css("td.by")
        extra: dict[str, Any] = {"tid": tid, "views": to_count(tbody.css("td.num em::text").get())}
        if forum:
            extra["forum"] = forum
        if by and (last := _date(by[-1].css("em"), now, tz)):
            extra["last_reply_at"] = last.isoformat()
        items.append(
            MentionItem(
                external_id=f"t{tid}",
                url=absolute(link.attrib.get("href"), url),
                title=html_to_text(link.get()),
                text="",
                published_at=_date(by[0].css("em"), now, tz) if by else None,
                author=text_or_none(by[0].css("cite a::text").get()) if by else None,
                comments=to_count(tbody.css("td.num a.xi2::text").get()),
                extra=extra,
            )
        )
    return items


def parse_thread(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    """Posts of one thread page; floor 1 carries the subject, replies are titled ``回复：subject``."""
    page = html_page(body)
    posts = [
        (m.group(1), p)
        for p in page.css("#postlist > div[id^=post_]")
        if (m := _POST_ID.match(p.attrib["id"]))
    ]
    subject = text_or_none(" ".join(page.css("#thread_subject ::text").getall()))
    if not posts and subject is None:
        raise ParseError(
            f"discuz thread {url}: no #postlist posts and no #thread_subject (not a thread page)"
        )
    tid = _thread_id(url, page)
    forum = _forum_name(page)
    items = []
    for index, (pid, post) in enumerate(posts):
        floor = _floor(post, pid)
        first = floor == 1 or (floor is None and index == 0 and "page=" not in url)
        message = post.css(f"#postmessage_{pid}")
        if not message:
            continue
        for node in message[0].root.xpath(_NOISE):
            node.drop_tree()
        extra: dict[str, Any] = {"tid": tid, "pid": pid, "floor": floor}
        if forum:
            extra["forum"] = forum
        items.append(
            MentionItem(
                external_id=f"t{tid}" if first and tid else f"p{pid}",
                url=url if first else _post_url(url, tid, pid),
                title=(subject or "") if first else _reply_title(subject),
                text=html_to_text(message.get()),
                published_at=_date(post.css(f"#authorposton{pid}"), now, tz),
                author=text_or_none(post.css(".authi a.xw1::text, .pi .authi a.xi2::text").get()),
                extra=extra,
            )
        )
    return items


def _reply_title(subject: str | None) -> str:
    return f"回复：{subject}" if subject else ""


def _date(nodes: Selector | list, now: datetime, tz: ZoneInfo) -> datetime | None:
    """``<span title="2018-8-20">昨天&nbsp;18:07</span>``: the title's day (plus the shown time if needed)."""
    if not nodes:
        return None
    node = nodes[0]
    shown = " ".join(" ".join(node.css("::text").getall()).split()).removeprefix("发表于").strip()
    titled = node.css("span[title]::attr(title)").get()
    if titled:
        clock = _CLOCK.search(shown)
        if clock and not _CLOCK.search(titled):
            titled = f"{titled} {clock.group(0)}"
        if moment := parse_chinese_date(titled, now=now, tz=tz):
            return moment
    return parse_chinese_date(shown, now=now, tz=tz)


def _floor(post: Selector, pid: str) -> int | None:
    shown = "".join(post.css(f"#postnum{pid} ::text").getall()).strip().rstrip("#楼")
    if shown.isdigit():
        return int(shown)
    return _NAMED_FLOORS.get(shown)


def _thread_id(url: str, page: Selector) -> str | None:
    if match := _TID_IN_URL.search(url):
        return match.group(1)
    for href in page.css("#postlist a::attr(href), h1.ts a::attr(href)").getall():
        if match := _TID_IN_URL.search(href):
            return match.group(1)
    return None


def _post_url(url: str, tid: str | None, pid: str) -> str:
    parts = urlsplit(url)
    if tid and "tid" in parse_qs(parts.query):
        return f"{parts.scheme}://{parts.netloc}{parts.path}?mod=redirect&goto=findpost&ptid={tid}&pid={pid}"
    return f"{url.split('#')[0]}#pid{pid}"


def _forum_name(page: Selector) -> str | None:
    """The last breadcrumb that links to a forum list: the board on both list and thread pages."""
    boards = [a for a in page.css("#pt a") if _BOARD_LINK.search(a.attrib.get("href", ""))]
    return text_or_none(" ".join(boards[-1].css("::text").getall())) if boards else None


# The names ``yuqing parse`` and the spider know these parsers by.
PARSERS: dict[str, Parser] = {
    "discuz-list": parse_list,
    "discuz-thread": parse_thread,
}
