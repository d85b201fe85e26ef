"""黑猫投诉 (tousu.sina.com.cn): the search / feed / company JSON APIs and the complaint detail page.

``external_id`` is the complaint number ``sn`` in both, so the detail page enriches the list entry.
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
from crawler.parsers.common import (
    ParseError,
    absolute,
    html_page,
    html_to_text,
    load_json,
    require,
    text_or_none,
    tidy,
    to_count,
)

STATUS_NAMES = {3: "待分配", 4: "处理中", 6: "已回复", 7: "已完成"}
_PAGE_DOES_NOT_EXIST = 10019
_SN_IN_URL = re.compile(r"/complaint/view/([A-Za-z0-9]+)")
_STEP_TIME = re.compile(r"(?:\d{4}-)?\d{1,2}-\d{1,2} \d{1,2}:\d{2}(?::\d{2})?")
_DETAIL_FIELDS = {
    "投诉编号": "sn",
    "投诉对象": "company",
    "投诉问题": "issue",
    "投诉要求": "appeal",
    "涉诉金额": "cost",
    "投诉进度": "status",
}


def parse(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    """Complaints of one API page (``lists`` for search and feed, ``complaints`` for a company's page)."""
    what = f"heimao {url}"
    payload = load_json(body, what)
    code = require(payload, "result", "status", "code", what=what)
    if str(code) == str(_PAGE_DOES_NOT_EXIST):
        return []
    if str(code) != "0":
        message = (payload["result"]["status"] or {}).get("msg") or ""
        raise ParseError(f"{what}: status code {code} {message}".rstrip())
    data = require(payload, "result", "data", what=what) or {}
    entries = data.get("lists") if data.get("lists") is not None else data.get("complaints")
    if entries is None:
        raise ParseError(f"{what}: result.data has neither lists nor complaints")
    return [item for entry in entries if (item := _complaint(entry, now, tz))]


def _complaint(entry: Any, now: datetime, tz: ZoneInfo) -> MentionItem | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("main"), dict):
        return None
    main = entry["main"]
    sn = str(main.get("sn") or "")
    if not sn:
        return None
    author = entry.get("author") if isinstance(entry.get("author"), dict) else {}
    extra: dict[str, Any] = {"complaint_id": str(main.get("id") or "")}
    for key, name in (("cotitle", "company"), ("appeal", "appeal"), ("issue", "issue"), ("cost", "cost")):
        if value := text_or_none(html_to_text(str(main.get(key) or ""))):
            extra[name] = value
    extra.update(_status(main.get("status")))
    return MentionItem(
        external_id=sn,
        url=absolute(main.get("url"), "https://tousu.sina.com.cn/")
        if main.get("url")
        else f"https://tousu.sina.com.cn/complaint/view/{sn}/",
        title=html_to_text(main.get("title")),
        text=html_to_text(main.get("summary")),
        published_at=parse_chinese_date(main.get("timestamp"), now=now, tz=tz),
        author=text_or_none(author.get("title")),
        reposts=to_count(main.get("share_amount")),
        comments=to_count(main.get("comment_amount")),
        likes=to_count(main.get("upvote_amount")),
        extra=extra,
    )


def _status(code: Any) -> dict[str, Any]:
    try:
        number = int(code)
    except (TypeError, ValueError):
        return {}
    return {"status_code": number, "status": STATUS_NAMES.get(number)}


def parse_detail(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    """One complaint page; a deleted or private complaint (``div.error``) gives no items."""
    page = html_page(body)
    title = page.css("h1.article")
    if not title:
        if page.css("div.error"):
            return []
        raise ParseError(f"heimao detail {url}: no h1.article (not a complaint page)")
    fields = _detail_fields(page)
    sn = fields.pop("sn", None) or (match.group(1) if (match := _SN_IN_URL.search(url)) else None)
    if not sn:
        raise ParseError(f"heimao detail {url}: no 投诉编号 and no complaint number in the URL")
    extra: dict[str, Any] = dict(fields)
    timeline = _timeline(page, now, tz)
    if timeline:
        extra["timeline"] = timeline
    return [
        MentionItem(
            external_id=sn,
            url=url,
            title=html_to_text(title.get()),
            text=html_to_text(page.css(".ts-d-question .article").get() or page.css(".ts-d-question").get()),
            published_at=parse_chinese_date(page.css("span.u-date::text").get(), now=now, tz=tz),
            author=text_or_none(page.css("span.u-name::text").get()),
            extra=extra,
        )
    ]


def _detail_fields(page: Selector) -> dict[str, str]:
    fields = {}
    for li in page.css("ul.ts-q-list li"):
        label, _, value = html_to_text(li.get()).replace("\n", "").partition("：")
        if (name := _DETAIL_FIELDS.get(label.strip())) and value.strip():
            fields[name] = value.strip()
    return fields


def _timeline(page: Selector, now: datetime, tz: ZoneInfo) -> list[dict[str, str | None]]:
    """Progress steps (投诉, 商家回复, 完成…), each with its ``MM-DD HH:MM:SS`` time read as a date."""
    steps = []
    for step in page.css(".ts-d-steplist .ts-d-item"):
        text = html_to_text(step.get())
        stamp = _STEP_TIME.search(text)
        when = parse_chinese_date(stamp.group(0), now=now, tz=tz) if stamp else None
        steps.append(
            {"at": when.isoformat() if when else None, "text": tidy(_STEP_TIME.sub("", text, count=1))}
        )
    return steps


# The names ``yuqing parse`` and the spider know these parsers by.
PARSERS: dict[str, Parser] = {
    "heimao": parse,
    "heimao-detail": parse_detail,
}
