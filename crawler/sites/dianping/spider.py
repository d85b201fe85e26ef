"""大众点评: the all-reviews pages of each configured shop (``forums`` holds the shop ids), newest first."""

from __future__ import annotations

from crawler.sites.dianping.parser import PARSERS
from crawler.spiders.paged import PagedSpider


class DianpingSpider(PagedSpider):
    site = "dianping"
    parsers = PARSERS
    default_base_url = "https://www.dianping.com"

    def reviews_url(self, shop: str, page: int) -> str:
        return f"{self.base_url}/shop/{shop}/review_all/p{page}?queryType=sortType&queryVal=latest"

    def start_requests(self):
        for shop in self.source.forums:
            yield self.get(self.reviews_url(shop, 1), self.parse, cb_kwargs={"shop": shop, "page": 1})

    def parse(self, response, shop: str, page: int):
        reviews = self.parse_page("dianping", response)
        yield from self.fresh(reviews)
        if self.more_pages(page, reviews):
            yield self.get(
                self.reviews_url(shop, page + 1), self.parse, cb_kwargs={"shop": shop, "page": page + 1}
            )
