"""News feeds (RSS 2.0 and Atom): every URL of the source is one feed, no paging."""

from __future__ import annotations

from crawler.sites.feed.parser import PARSERS
from crawler.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    site = "feed"
    parsers = PARSERS

    def start_requests(self):
        for url in self.source.urls:
            yield self.request(url, self.parse)

    def parse(self, response):
        for mention in self.parse_page("feed", response):
            if self.is_recent(mention):
                yield mention
