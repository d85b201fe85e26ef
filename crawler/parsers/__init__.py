"""Site parsers: pure functions from a saved response body to mentions, one module per site.

Every parser is ``parse(body, url, *, now, tz, selectors=None) -> list[MentionItem]`` and raises
:class:`ParseError` (with a message naming the page and the problem) when the body is not what it reads. They
know nothing of requests, retries or storage, so tests run them on fixture files in milliseconds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from crawler.items import MentionItem
from crawler.parsers import dianping, discuz, feed, heimao, review, tieba, weibo, zhihu
from crawler.parsers.common import ParseError


class Parser(Protocol):
    def __call__(
        self, body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
    ) -> list[MentionItem]: ...


PARSERS: dict[str, Parser] = {
    "feed": feed.parse,
    "weibo-search": weibo.parse_search,
    "weibo-detail": weibo.parse_detail,
    "tieba-list": tieba.parse_list,
    "tieba-thread": tieba.parse_thread,
    "tieba-search": tieba.parse_search,
    "heimao": heimao.parse,
    "heimao-detail": heimao.parse_detail,
    "discuz-list": discuz.parse_list,
    "discuz-thread": discuz.parse_thread,
    "dianping": dianping.parse,
    "zhihu": zhihu.parse,
    "review": review.parse,
}

__all__ = ["PARSERS", "ParseError", "Parser"]
