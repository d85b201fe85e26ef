"""What every yuqing spider shares: its source's settings, the parser call, and how a crawl ends when blocked."""

from __future__ import annotations

from datetime import UTC, datetime

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.items import MentionItem
from crawler.parsers import ParseError, Parser


class SourceSpider(scrapy.Spider):
    """A spider bound to one ``[[sources]]`` entry. Subclasses decide which requests to send; parsing is pure."""

    site = "generic"
    # The site's parsers by name (its ``parser.PARSERS``): a spider calls them by name through ``parse_page``.
    parsers: dict[str, Parser] = {}

    def __init__(self, source, settings, **kwargs) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.yuqing = settings
        self.tz = settings.tz
        self.now = datetime.now(UTC).astimezone(self.tz)
        self.lookback_start = self.now - source.lookback
        self.blocked_reason: str | None = None
        self.errors: list[str] = []

    async def start(self):
        # Scrapy >= 2.13 starts from ``start()``; our spiders list their first requests in ``start_requests``.
        for request in self.start_requests():
            yield request

    def start_requests(self):
        return []

    @property
    def cookie(self) -> str | None:
        return self.source.cookie

    @property
    def brand_keywords(self) -> list[str]:
        """What to ask a site's search for in this run: the source's own keywords, else the brands' names and
        aliases, combined and rotated to stay within the source's searches per run (see crawler.fanout)."""
        from crawler.fanout import search_plan

        return search_plan(self.source, self.yuqing.brands).queries(self.now)

    def parse_page(self, parser: str, response, **kwargs) -> list[MentionItem]:
        """Run a site parser on a response; a malformed page is one clear error, and the crawl goes on."""
        try:
            mentions = self.parsers[parser](response.body, response.url, now=self.now, tz=self.tz,
                                       selectors=self.source.selectors or None, **kwargs)
        except ParseError as exc:
            self.error(f"{self.source.name}: cannot parse {response.url}: {exc}")
            return []
        except Exception as exc:  # a parser bug must not end the crawl of the other pages
            self.error(f"{self.source.name}: parser {parser} failed on {response.url}: {exc!r}")
            return []
        for mention in mentions:
            mention.source = self.source.name
            mention.source_kind = self.source.kind
        return mentions

    def request(self, url: str, callback, **kwargs) -> scrapy.Request:
        """A request whose failure (HTTP error, DNS, timeout) is recorded against the source, not just logged."""
        return scrapy.Request(url, callback=callback, errback=self.failed, **kwargs)

    def failed(self, failure) -> None:
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return  # blocked or filtered: already recorded by the middleware that ignored it
        response = getattr(failure.value, "response", None)
        url = response.url if response is not None else getattr(failure.request, "url", "?")
        what = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.error(f"{self.source.name}: {what} at {url}")

    def error(self, message: str) -> None:
        self.errors.append(message)
        self.logger.error(message)
        self.crawler.stats.inc_value("yuqing/errors")

    def block(self, reason: str, url: str) -> None:
        if self.blocked_reason is None:
            self.blocked_reason = reason
            self.logger.warning("%s blocked at %s: %s", self.source.name, url, reason)
            self.crawler.engine.close_spider(self, "blocked")

    def is_recent(self, mention: MentionItem) -> bool:
        return mention.published_at is None or mention.published_at >= self.lookback_start
