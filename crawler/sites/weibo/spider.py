"""Weibo keyword search through the mobile API, with long posts completed from their detail page."""

from __future__ import annotations

from urllib.parse import quote

from crawler.sites.weibo.parser import PARSERS
from crawler.spiders.paged import PagedSpider


class WeiboSpider(PagedSpider):
    site = "weibo"
    parsers = PARSERS
    default_base_url = "https://m.weibo.cn"
    default_headers = {
        "Accept": "application/json, text/plain, */*",
        "Referer": "https://m.weibo.cn/",
        "X-Requested-With": "XMLHttpRequest",
        "MWeibo-Pwa": "1",
    }

    def search_url(self, keyword: str, page: int) -> str:
        containerid = quote(f"100103type=1&q={keyword}", safe="")
        return f"{self.base_url}/api/container/getIndex?containerid={containerid}&page_type=searchall&page={page}"

    def start_requests(self):
        for keyword in self.brand_keywords:
            yield self.get(self.search_url(keyword, 1), self.parse, cb_kwargs={"keyword": keyword, "page": 1})

    def parse(self, response, keyword: str, page: int):
        mentions = self.parse_page("weibo-search", response)
        for mention in self.fresh(mentions):
            if mention.extra.get("is_long_text"):
                # Search cuts long posts short; the detail page has the whole text under the same id.
                yield self.get(
                    f"{self.base_url}/detail/{mention.external_id}",
                    self.parse_detail,
                    cb_kwargs={"short": mention},
                )
            else:
                yield mention
        if self.more_pages(page, mentions):
            yield self.get(
                self.search_url(keyword, page + 1),
                self.parse,
                cb_kwargs={"keyword": keyword, "page": page + 1},
            )

    def parse_detail(self, response, short):
        full = self.parse_page("weibo-detail", response)
        yield full[0] if full else short
