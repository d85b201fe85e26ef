"""Any review or forum list page, read with the CSS selectors the source configures; follows ``next``."""

from __future__ import annotations

from crawler.parsers import ParseError
from crawler.sites.review.parser import PARSERS, check_selectors
from crawler.spiders.paged import PagedSpider


class ReviewSpider(PagedSpider):
    site = "review"
    parsers = PARSERS

    def start_requests(self):
        try:
            check_selectors(self.source.selectors)
        except ParseError as exc:
            self.error(f"{self.source.name}: {exc}")
            return
        for url in self.source.urls:
            yield self.get(url, self.parse, cb_kwargs={"page": 1})

    def parse(self, response, page: int):
        mentions = self.parse_page("review", response)
        yield from self.fresh(mentions)
        next_css = self.source.selectors.get("next")
        if next_css and self.more_pages(page, mentions):
            href = response.css(next_css if "::" in next_css else f"{next_css}::attr(href)").get()
            if href:
                yield self.get(response.urljoin(href), self.parse, cb_kwargs={"page": page + 1})
