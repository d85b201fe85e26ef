"""News feeds: RSS 2.0 and Atom, as feedparser reads them, with Chinese feeds' quirks handled here.

Chinese portals declare ``gb2312`` and then use GBK characters, and some print ``2018-09-18 14:38:10``
instead of RFC 822; so we decode the bytes ourselves (GB18030) and read every date with
:func:`parse_chinese_date`, where a zoneless date is local time, not UTC as feedparser would assume.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import feedparser

from crawler.dates import parse_chinese_date
from crawler.items import MentionItem
from crawler.parsers import Parser
from crawler.parsers.common import ParseError, absolute, decode_body, html_to_text, text_or_none

_ENCODING_DECLARATION = re.compile(r"^(\s*<\?xml[^>]*?)\sencoding\s*=\s*[\"'][^\"']*[\"']", re.I)


def parse(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    text = _ENCODING_DECLARATION.sub(r"\1", decode_body(body), count=1)
    feed = feedparser.parse(text.encode("utf-8"), sanitize_html=False, resolve_relative_uris=False)
    if not feed.entries and not feed.get("version"):
        reason = feed.get("bozo_exception") or "no <rss>, <feed> or <rdf> root"
        raise ParseError(f"feed {url}: not an RSS or Atom feed ({reason})")
    items = []
    for entry in feed.entries:
        link = absolute(entry.get("link"), url)
        summary = entry.get("summary") or _first_content(entry)
        items.append(
            MentionItem(
                external_id=str(
                    entry.get("id") or (link if entry.get("link") else "") or entry.get("title") or ""
                ),
                url=link,
                title=html_to_text(entry.get("title")),
                text=html_to_text(summary),
                published_at=_entry_date(entry, now, tz),
                author=text_or_none((entry.get("author_detail") or {}).get("name") or entry.get("author")),
                extra=_extra(entry, feed),
            )
        )
    return [item for item in items if item.external_id]


def _first_content(entry) -> str:
    contents = entry.get("content") or []
    return contents[0].get("value", "") if contents else ""


def _entry_date(entry, now: datetime, tz: ZoneInfo) -> datetime | None:
    for key in ("published", "updated", "created", "dc_date"):
        if moment := parse_chinese_date(entry.get(key), now=now, tz=tz):
            return moment
    return None


def _extra(entry, feed) -> dict:
    extra = {}
    if channel := text_or_none(feed.feed.get("title")):
        extra["channel"] = channel
    tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    if tags:
        extra["categories"] = tags
    return extra


# The names ``yuqing parse`` and the spider know these parsers by.
PARSERS: dict[str, Parser] = {
    "feed": parse,
}
