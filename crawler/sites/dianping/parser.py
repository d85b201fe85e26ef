"""大众点评 reviews: the shop page (``li.comment-item``) and the all-reviews pages (``div.reviews-items li``).

Dianping hides common characters behind ``<svgmtsi>`` tags (or private-use code points) drawn by a
per-page font. We cannot read them without that font, and silently dropping them would change the words
(``不好`` -> ``好``), so each becomes ``□`` and ``extra.obfuscated_chars`` counts them: downstream
analysis can discount such reviews.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from parsel import Selector

from crawler.dates import parse_chinese_date
from crawler.items import MentionItem
from crawler.parsers import Parser
from crawler.parsers.common import ParseError, html_page, html_to_text, text_or_none, to_count

HIDDEN = "□"
REVIEW_URL = "https://www.dianping.com/review/{id}"
# One <svgmtsi> per hidden character, empty or holding one private-use code point. ``<svgmtsi/>`` is not
# self-closing in HTML (a browser puts the rest of the sentence inside it), so only the tag and the one
# character are replaced and the closing tag dropped: the words after it stay.
_SVGMTSI = re.compile(r"<svgmtsi\b[^>]*>(?:&#x[ef][0-9a-f]{3};|[\ue000-\uf8ff])?", re.I)
_SVGMTSI_END = re.compile(r"</svgmtsi\s*>", re.I)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_STARS = re.compile(r"\bsml-str(\d{1,2})\b")
_SCORE = re.compile(r"^\s*(\S+?)\s*[:：]\s*(\d+(?:\.\d+)?)\s*$")
_FOLD_LINKS = ".//a[contains(@class,'fold') or contains(@class,'unfold') or contains(@class,'less')]"


def parse(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    page = html_page(body)
    reviews = page.css("li.comment-item") or page.css("div.reviews-items > ul > li")
    if not reviews and not page.css("#reviewlist-wrapper, div.reviews-items, div.reviews-wrapper"):
        raise ParseError(
            f"dianping {url}: no review list (not a shop or review page, or a verification page)"
        )
    shop = text_or_none(
        " ".join(page.css("h1.shop-name::text, div.review-shop-wrap .shop-name::text").getall())
    )
    return [item for review in reviews if (item := _review(review, shop, now, tz))]


def _review(node: Selector, shop: str | None, now: datetime, tz: ZoneInfo) -> MentionItem | None:
    review_id = (
        node.attrib.get("data-id")
        or node.css("a.praise::attr(data-id), a.reply::attr(data-id)").get()
        or node.css(".actions a[data-id]::attr(data-id)").get()
    )
    body = node.css("div.review-words, div.J-info-all p.desc") or node.css(
        "div.review-truncated-words, p.desc"
    )
    if not review_id or not body:
        return None
    for fold in body[0].root.xpath(_FOLD_LINKS):
        fold.drop_tree()
    text, hidden = reveal(body[0].get())
    extra: dict[str, Any] = {"obfuscated_chars": hidden}
    if scores := _scores(node):
        extra["scores"] = scores
    if shop_name := text_or_none(node.css("span.shop::text").get()) or shop:
        extra["shop"] = shop_name
    return MentionItem(
        external_id=str(review_id),
        url=REVIEW_URL.format(id=review_id),
        title="",
        text=text,
        published_at=parse_chinese_date(_review_time(node), now=now, tz=tz),
        author=text_or_none(node.css("a.name::text").get()),
        likes=_praise_count(node),
        rating=_rating(node),
        extra=extra,
    )


def reveal(fragment: str) -> tuple[str, int]:
    """A review fragment's text with each font-obfuscated character as ``□``, and how many there were."""
    marked = _SVGMTSI_END.sub("", _SVGMTSI.sub(HIDDEN, fragment))
    hidden = marked.count(HIDDEN) - fragment.count(HIDDEN) + len(_PRIVATE_USE.findall(marked))
    marked = _PRIVATE_USE.sub(HIDDEN, marked)
    return html_to_text(marked), hidden


def _rating(node: Selector) -> float | None:
    for classes in node.css(".sml-rank-stars::attr(class)").getall():
        if match := _STARS.search(classes):
            return int(match.group(1)) / 10
    return None


def _scores(node: Selector) -> dict[str, float]:
    scores = {}
    for item in node.css("span.score span.item"):
        if match := _SCORE.match(" ".join(item.css("::text").getall())):
            scores[match.group(1)] = float(match.group(2))
    return scores


def _review_time(node: Selector) -> str | None:
    text = " ".join(node.css("span.time::text").getall())
    # review_all appends "更新于…" after the original time; the first date is when it was written.
    return text.split("更新于")[0].strip() or None


def _praise_count(node: Selector) -> int | None:
    text = " ".join(node.css("a.J-praise ::text, a.praise ::text, em.col-exp::text").getall())
    match = re.search(r"\((\d+)\)", text)
    return to_count(match.group(1)) if match else None


# The names ``yuqing parse`` and the spider know these parsers by.
PARSERS: dict[str, Parser] = {
    "dianping": parse,
}
