"""Zhihu search (answers, articles, videos) for the brand keywords, newest first."""

from __future__ import annotations

import json
from urllib.parse import quote

from crawler.sites.zhihu.parser import PARSERS
from crawler.spiders.paged import PagedSpider

PAGE_SIZE = 20


class ZhihuSpider(PagedSpider):
    site = "zhihu"
    parsers = PARSERS
    default_base_url = "https://www.zhihu.com"
    default_headers = {"Accept": "application/json", "Referer": "https://www.zhihu.com/search"}

    def search_url(self, keyword: str, page: int) -> str:
        offset = (page - 1) * PAGE_SIZE
        return (
            f"{self.base_url}/api/v4/search_v3?gk_version=gz-gaokao&t=general&q={quote(keyword)}&correction=1"
            f"&offset={offset}&limit={PAGE_SIZE}&filter_fields=&lc_idx={offset}&show_all_topics=0"
            f"&search_source=Filter&time_interval=a_week&sort=created_time&vertical="
        )

    def start_requests(self):
        for keyword in self.brand_keywords:
            yield self.get(self.search_url(keyword, 1), self.parse, cb_kwargs={"keyword": keyword, "page": 1})

    def parse(self, response, keyword: str, page: int):
        results = self.parse_page("zhihu", response)
        yield from self.fresh(results)
        if not self._is_end(response.body) and self.more_pages(page, results):
            yield self.get(
                self.search_url(keyword, page + 1),
                self.parse,
                cb_kwargs={"keyword": keyword, "page": page + 1},
            )

    @staticmethod
    def _is_end(body: bytes) -> bool:
        try:
            return bool(json.loads(body).get("paging", {}).get("is_end", True))
        except (ValueError, AttributeError):
            return True
