"""Weibo mobile: the search API (``/api/container/getIndex``) and the long-text page (``/detail/{id}``).

Search results come as ``card_type`` 9 cards holding an ``mblog``, or grouped in ``card_type`` 11 cards; both
occur. A post flagged ``isLongText`` is cut short in search; the spider fetches its detail page, whose
``$render_data`` carries the full text under the same id, so the second item updates the first.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from crawler.dates import parse_chinese_date
from crawler.items import MentionItem
from crawler.parsers import Parser
from crawler.parsers.common import (
    ParseError,
    decode_body,
    html_to_text,
    load_json,
    require,
    text_or_none,
    to_count,
)

DETAIL_URL = "https://m.weibo.cn/detail/{id}"
# The 「全文」 link ends a truncated post; it is navigation, not the author's words.
_FULL_TEXT_LINK = re.compile(r"<a[^>]*>\s*全文\s*</a>\s*$")
_RENDER_DATA = re.compile(r"\$render_data\s*=\s*")
_NGO_OR_MEDIA = 3  # verified_type 3 is 媒体 (media organisations)
_NO_DATA = 0


def parse_search(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    """Posts of one ``getIndex`` search page; ``ok: 0`` (nothing found) is an empty list."""
    payload = load_json(body, f"weibo search {url}")
    if not isinstance(payload, dict) or "ok" not in payload:
        raise ParseError(f"weibo search {url}: missing the ok/data envelope")
    if payload["ok"] == _NO_DATA:
        return []
    if payload["ok"] != 1:
        raise ParseError(f"weibo search {url}: ok={payload['ok']!r} {payload.get('msg') or ''}".rstrip())
    cards = require(payload, "data", what=f"weibo search {url}").get("cards") or []
    return [mention_from_mblog(mblog, now=now, tz=tz) for mblog in _mblogs(cards) if _has_id(mblog)]


def parse_detail(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    """The full-length post of a ``/detail/{id}`` page, from its ``var $render_data = [...][0]`` script."""
    text = decode_body(body)
    match = _RENDER_DATA.search(text)
    if not match:
        raise ParseError(f"weibo detail {url}: no $render_data script (deleted post or login page?)")
    try:
        render_data, _ = json.JSONDecoder().raw_decode(text, match.end())
    except json.JSONDecodeError as exc:
        raise ParseError(f"weibo detail {url}: $render_data is not valid JSON ({exc.msg})") from None
    status = require(render_data, 0, "status", what=f"weibo detail {url}")
    if not _has_id(status):
        raise ParseError(f"weibo detail {url}: status has no id")
    item = mention_from_mblog(status, now=now, tz=tz)
    item.extra["long_text_fetched"] = True
    return [item]


def _mblogs(cards: list[Any]):
    for card in cards:
        if not isinstance(card, dict):
            continue
        if card.get("card_type") == 9 and isinstance(card.get("mblog"), dict):
            yield card["mblog"]
        for grouped in card.get("card_group") or []:
            if (
                isinstance(grouped, dict)
                and grouped.get("card_type") == 9
                and isinstance(grouped.get("mblog"), dict)
            ):
                yield grouped["mblog"]


def _has_id(mblog: dict) -> bool:
    return bool(mblog.get("id") or mblog.get("mid") or mblog.get("idstr"))


def mention_from_mblog(mblog: dict, *, now: datetime, tz: ZoneInfo) -> MentionItem:
    post_id = str(mblog.get("id") or mblog.get("mid") or mblog.get("idstr"))
    user = mblog.get("user") if isinstance(mblog.get("user"), dict) else {}
    verified_type = user.get("verified_type")
    return MentionItem(
        external_id=post_id,
        url=DETAIL_URL.format(id=post_id),
        title="",
        text=post_text(mblog),
        published_at=parse_chinese_date(mblog.get("created_at"), now=now, tz=tz),
        author=text_or_none(user.get("screen_name")),
        region=region_of(mblog.get("region_name")),
        author_followers=to_count(user.get("followers_count")),
        author_verified=_verified(user),
        is_media=(verified_type == _NGO_OR_MEDIA) if user else None,
        reposts=to_count(mblog.get("reposts_count")),
        comments=to_count(mblog.get("comments_count")),
        likes=to_count(mblog.get("attitudes_count")),
        extra=_extra(mblog, user),
    )


def post_text(mblog: dict) -> str:
    raw = mblog.get("text") or mblog.get("longText", {}).get("longTextContent") or ""
    return html_to_text(_FULL_TEXT_LINK.sub("", str(raw)))


def region_of(region_name: Any) -> str | None:
    """``"发布于 北京"`` -> ``"北京"``."""
    text = text_or_none(region_name)
    if text is None:
        return None
    return text.removeprefix("发布于").strip() or None


def _verified(user: dict) -> bool | None:
    if not user or "verified" not in user:
        return None
    return bool(user.get("verified")) and user.get("verified_type", 0) != -1


def _extra(mblog: dict, user: dict) -> dict[str, Any]:
    extra: dict[str, Any] = {"is_long_text": bool(mblog.get("isLongText"))}
    for key, name in (("bid", "bid"), ("source", "client"), ("pic_num", "pic_num")):
        if mblog.get(key) not in (None, ""):
            extra[name] = mblog[key]
    if user.get("id") is not None:
        extra["user_id"] = str(user["id"])
    if user.get("verified_type") is not None:
        extra["verified_type"] = user["verified_type"]
    if reason := text_or_none(user.get("verified_reason")):
        extra["verified_reason"] = reason
    retweeted = mblog.get("retweeted_status")
    if isinstance(retweeted, dict) and _has_id(retweeted):
        original_user = retweeted.get("user") if isinstance(retweeted.get("user"), dict) else {}
        extra["retweeted"] = {
            "id": str(retweeted.get("id") or retweeted.get("mid")),
            "author": text_or_none(original_user.get("screen_name")),
            "text": post_text(retweeted),
        }
    return extra


# The names ``yuqing parse`` and the spider know these parsers by.
PARSERS: dict[str, Parser] = {
    "weibo-search": parse_search,
    "weibo-detail": parse_detail,
}
