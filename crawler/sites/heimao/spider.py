"""黑猫投诉 keyword search; a new complaint's detail page adds the full text and the progress timeline."""

from __future__ import annotations

from urllib.parse import quote

from crawler.sites.heimao.parser import PARSERS
from crawler.spiders.paged import PagedSpider


class HeimaoSpider(PagedSpider):
    site = "heimao"
    parsers = PARSERS
    default_base_url = "https://tousu.sina.com.cn"
    default_headers = {"Referer": "https://tousu.sina.com.cn/", "X-Requested-With": "XMLHttpRequest"}

    def search_url(self, keyword: str, page: int) -> str:
        return f"{self.base_url}/api/index/s?keywords={quote(keyword)}&page_size=10&page={page}"

    def start_requests(self):
        for keyword in self.brand_keywords:
            yield self.get(self.search_url(keyword, 1), self.parse, cb_kwargs={"keyword": keyword, "page": 1})

    def parse(self, response, keyword: str, page: int):
        complaints = self.parse_page("heimao", response)
        fresh = self.fresh(complaints)
        stored = self.stored_ids({c.external_id for c in fresh})
        for complaint in fresh:
            if complaint.external_id in stored or complaint.external_id in self.seen:
                yield complaint  # known: the list entry refreshes its counts
            else:
                yield self.get(
                    f"{self.base_url}/complaint/view/{complaint.external_id}/",
                    self.parse_detail,
                    cb_kwargs={"listed": complaint},
                )
        if self.more_pages(page, complaints):
            yield self.get(
                self.search_url(keyword, page + 1),
                self.parse,
                cb_kwargs={"keyword": keyword, "page": page + 1},
            )

    def parse_detail(self, response, listed):
        for detail in self.parse_page("heimao-detail", response):
            if len(detail.text) > len(listed.text):
                listed.text = detail.text
            listed.extra.update({k: v for k, v in detail.extra.items() if k not in listed.extra})
        yield listed
