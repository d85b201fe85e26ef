"""A generic review / forum list parser for sites without a parser of their own, driven by CSS selectors.

``selectors`` (a source's ``[sources.selectors]`` in settings.toml) must name ``item``, the repeating element;
``title``, ``text``, ``author``, ``date``, ``link``, ``rating``, ``id`` and ``region`` are optional and
relative to the item. A selector may end in ``::text`` or ``::attr(name)``; without one, ``link`` reads
``href``, ``date`` prefers a ``title``/``datetime`` attribute, and the rest take the element's visible text.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from crawler.dates import parse_chinese_date
from crawler.items import MentionItem
from crawler.parsers import Parser
from crawler.parsers.common import ParseError, absolute, html_page, html_to_text, text_or_none

# ``next`` (the next-page link) is for the spider; the parser ignores it.
FIELDS = ("item", "title", "text", "author", "date", "link", "rating", "id", "region", "next")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_STAR_CLASS = re.compile(r"str(\d{2})\b")


def check_selectors(selectors: dict[str, str] | None) -> dict[str, str]:
    """The selectors if usable, else ``ParseError`` naming the problem (call at spider start-up too)."""
    if not selectors or not selectors.get("item"):
        raise ParseError(
            "review parser needs selectors with at least 'item' (and usually title, text, date, link)"
        )
    unknown = sorted(set(selectors) - set(FIELDS))
    if unknown:
        raise ParseError(f"review parser: unknown selector {unknown[0]!r} (known: {', '.join(FIELDS)})")
    translator = HTMLTranslator()
    for name, css in selectors.items():
        try:
            translator.css_to_xpath(css)
        except Exception as exc:  # cssselect raises several unrelated types for bad syntax
            raise ParseError(f"review parser: selector {name}={css!r} is not valid CSS ({exc})") from None
    return selectors


def parse(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    selectors = check_selectors(selectors)
    page = html_page(body)
    items = []
    for node in page.css(selectors["item"]):
        link = _value(node, selectors.get("link"), "link")
        title = _value(node, selectors.get("title"), "title") or ""
        text = _value(node, selectors.get("text"), "text") or ""
        if not (title or text):
            continue
        date_text = _value(node, selectors.get("date"), "date")
        author = _value(node, selectors.get("author"), "author")
        items.append(
            MentionItem(
                external_id=_value(node, selectors.get("id"), "id")
                or link
                or _fingerprint(title, text, author, date_text),
                url=absolute(link, url),
                title=title,
                text=text,
                published_at=parse_chinese_date(date_text, now=now, tz=tz),
                author=author,
                region=_value(node, selectors.get("region"), "region"),
                rating=_rating(node, selectors.get("rating")),
            )
        )
    return items


def _value(node: Selector, css: str | None, field: str) -> str | None:
    if not css:
        return None
    if "::" in css:
        return text_or_none(" ".join(node.css(css).getall()))
    found = node.css(css)
    if not found:
        return None
    element = found[0]
    if field == "link":
        return text_or_none(element.attrib.get("href"))
    if field == "date":
        for attribute in ("datetime", "title", "data-time"):
            if value := text_or_none(element.attrib.get(attribute)):
                return value
    return text_or_none(html_to_text(element.get()))


def _rating(node: Selector, css: str | None) -> float | None:
    """``4.5``, ``4.5分``, a ``str45`` star class (tenths) or a row of ``★``."""
    if not css:
        return None
    found = node.css(css)
    if not found:
        return None
    if "::" in css:
        shown = " ".join(found.getall())
    else:
        if match := _STAR_CLASS.search(found[0].attrib.get("class", "")):
            return int(match.group(1)) / 10
        shown = html_to_text(found[0].get())
    if "★" in shown:
        return float(shown.count("★"))
    match = _NUMBER.search(shown)
    return float(match.group(1)) if match else None


def _fingerprint(*parts: str | None) -> str:
    return hashlib.sha1("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()[:16]


# The names ``yuqing parse`` and the spider know these parsers by.
PARSERS: dict[str, Parser] = {
    "review": parse,
}
