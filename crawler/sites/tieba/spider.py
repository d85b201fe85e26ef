"""Baidu Tieba: the source's forums (list pages, then each recently active thread), or keyword search."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from crawler.sites.tieba.parser import PARSERS
from crawler.spiders.paged import PagedSpider

THREADS_PER_PAGE = 50


class TiebaSpider(PagedSpider):
    site = "tieba"
    parsers = PARSERS
    default_base_url = "https://tieba.baidu.com"

    def start_requests(self):
        if self.source.forums:
            for forum in self.source.forums:
                yield self.get(
                    self.list_url(forum, 1), self.parse_list, cb_kwargs={"forum": forum, "page": 1}
                )
        else:
            for keyword in self.brand_keywords:
                yield self.get(
                    self.search_url(keyword, 1), self.parse_search, cb_kwargs={"keyword": keyword, "page": 1}
                )

    def list_url(self, forum: str, page: int) -> str:
        return f"{self.base_url}/f?kw={quote(forum)}&ie=utf-8&pn={THREADS_PER_PAGE * (page - 1)}"

    def search_url(self, keyword: str, page: int) -> str:
        return (
            f"{self.base_url}/f/search/res?isnew=1&ie=utf-8&qw={quote(keyword)}&rn=10&pn={page}"
            f"&sm=1&only_thread=0"
        )

    def parse_list(self, response, forum: str, page: int):
        threads = self.parse_page("tieba-list", response)
        active = [
            t for t in threads if not t.extra.get("is_top") and self._active_since(t) >= self.lookback_start
        ]
        for thread in active:
            if thread.extra["tid"] not in self.seen:
                yield self.get(f"{self.base_url}/p/{thread.extra['tid']}", self.parse_thread)
        self.seen |= {t.extra["tid"] for t in threads}
        # Lists are ordered by last reply: once a whole page is quiet, later pages are quieter still.
        if active and page < self.source.max_pages:
            yield self.get(
                self.list_url(forum, page + 1), self.parse_list, cb_kwargs={"forum": forum, "page": page + 1}
            )

    def _active_since(self, thread) -> datetime:
        last_reply = thread.extra.get("last_reply_at")
        if last_reply:
            return datetime.fromisoformat(last_reply)
        return thread.published_at or self.now

    def parse_thread(self, response):
        yield from self.fresh(self.parse_page("tieba-thread", response))

    def parse_search(self, response, keyword: str, page: int):
        hits = self.parse_page("tieba-search", response)
        yield from self.fresh(hits)
        if self.more_pages(page, hits):
            yield self.get(
                self.search_url(keyword, page + 1),
                self.parse_search,
                cb_kwargs={"keyword": keyword, "page": page + 1},
            )
