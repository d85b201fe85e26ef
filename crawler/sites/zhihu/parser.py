"""Zhihu search (``/api/v4/search_v3``): answers, articles and videos among the results.

The result list also carries topic cards, "related searches" and ads; only ``search_result`` and ``zvideo``
entries are posts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from crawler.dates import parse_chinese_date
from crawler.items import MentionItem
from crawler.parsers import Parser
from crawler.parsers.common import ParseError, html_to_text, load_json, text_or_none, to_count

POST_TYPES = ("search_result", "zvideo")
_URLS = {
    "answer": "https://www.zhihu.com/question/{qid}/answer/{id}",
    "article": "https://zhuanlan.zhihu.com/p/{id}",
    "zvideo": "https://www.zhihu.com/zvideo/{id}",
    "question": "https://www.zhihu.com/question/{id}",
}


def parse(
    body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
) -> list[MentionItem]:
    what = f"zhihu {url}"
    payload = load_json(body, what)
    if not isinstance(payload, dict):
        raise ParseError(f"{what}: expected a JSON object")
    if isinstance(payload.get("error"), dict):
        error = payload["error"]
        raise ParseError(f"{what}: error {error.get('code')} {error.get('message') or ''}".rstrip())
    if not isinstance(payload.get("data"), list):
        raise ParseError(f"{what}: missing the data list")
    return [item for entry in payload["data"] if (item := _result(entry, now, tz))]


def _result(entry: Any, now: datetime, tz: ZoneInfo) -> MentionItem | None:
    if not isinstance(entry, dict) or entry.get("type") not in POST_TYPES:
        return None
    obj = entry.get("object")
    if not isinstance(obj, dict) or not obj.get("id") or obj.get("type") not in _URLS:
        return None
    kind = obj["type"]
    question = obj.get("question") if isinstance(obj.get("question"), dict) else {}
    if kind == "answer" and not question.get("id"):
        return None
    author = obj.get("author") if isinstance(obj.get("author"), dict) else {}
    extra: dict[str, Any] = {"type": kind}
    if question.get("id"):
        extra["question_id"] = str(question["id"])
    if headline := text_or_none(html_to_text(author.get("headline"))):
        extra["author_headline"] = headline
    return MentionItem(
        external_id=f"{kind}-{obj['id']}",
        url=_URLS[kind].format(id=obj["id"], qid=question.get("id")),
        title=html_to_text(question.get("name") or obj.get("title")),
        text=html_to_text(obj.get("content") or obj.get("excerpt") or obj.get("description")),
        published_at=parse_chinese_date(obj.get("created_time") or obj.get("updated_time"), now=now, tz=tz),
        author=text_or_none(author.get("name")),
        comments=to_count(obj.get("comment_count")),
        likes=to_count(obj.get("voteup_count")),
        extra=extra,
    )


# The names ``yuqing parse`` and the spider know these parsers by.
PARSERS: dict[str, Parser] = {
    "zhihu": parse,
}
