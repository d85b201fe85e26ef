"""Discuz! X3 boards: each configured forum id's list, newest replies first, then every active thread."""

from __future__ import annotations

from datetime import datetime

from crawler.sites.discuz.parser import PARSERS
from crawler.spiders.paged import PagedSpider


class DiscuzSpider(PagedSpider):
    site = "discuz"
    parsers = PARSERS

    def start_requests(self):
        if not self.base_url:
            self.error(f"{self.source.name}: a discuz source needs base_url (the board's address)")
            return
        for fid in self.source.forums:
            yield self.get(self.list_url(fid, 1), self.parse_list, cb_kwargs={"fid": fid, "page": 1})

    def list_url(self, fid: str, page: int) -> str:
        return f"{self.base_url}/forum.php?mod=forumdisplay&fid={fid}&filter=lastpost&orderby=lastpost&page={page}"

    def parse_list(self, response, fid: str, page: int):
        threads = self.parse_page("discuz-list", response)
        active = [t for t in threads if self._active_since(t) >= self.lookback_start]
        for thread in active:
            if thread.extra["tid"] not in self.seen:
                yield self.get(
                    f"{self.base_url}/forum.php?mod=viewthread&tid={thread.extra['tid']}", self.parse_thread
                )
        self.seen |= {t.extra["tid"] for t in threads}
        if active and page < self.source.max_pages:
            yield self.get(
                self.list_url(fid, page + 1), self.parse_list, cb_kwargs={"fid": fid, "page": page + 1}
            )

    def _active_since(self, thread) -> datetime:
        last_reply = thread.extra.get("last_reply_at")
        return datetime.fromisoformat(last_reply) if last_reply else (thread.published_at or self.now)

    def parse_thread(self, response):
        yield from self.fresh(self.parse_page("discuz-thread", response))
