"""What every site parser is: a pure function from a saved response body to mentions.

Every parser is ``parse(body, url, *, now, tz, selectors=None) -> list[MentionItem]`` and raises
:class:`ParseError` (with a message naming the page and the problem) when the body is not what it reads. They
know nothing of requests, retries or storage, so tests run them on fixture files in milliseconds. Each site's
parsers live in its folder (``crawler/sites/<site>/parser.py``); ``crawler.parsers.common`` holds what they share.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from crawler.items import MentionItem
from crawler.parsers.common import ParseError


class Parser(Protocol):
    def __call__(
        self, body: bytes, url: str, *, now: datetime, tz: ZoneInfo, selectors: dict[str, str] | None = None
    ) -> list[MentionItem]: ...


__all__ = ["ParseError", "Parser"]
