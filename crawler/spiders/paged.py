"""Paging for the site spiders: where to stop, so a crawl every half hour fetches what changed and little else.

A listing is paged newest first until a page brings nothing new: no items, only items this crawl has already
seen or the database already holds, or only items older than the source's look-back window. Known items on
the pages that are fetched are still yielded, which is how a re-crawl refreshes their engagement counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from crawler.items import MentionItem
from crawler.spiders.base import SourceSpider


class PagedSpider(SourceSpider):
    """A source spider with a default site address and the incremental stop rule."""

    default_base_url = ""
    # Sent by the sites' own pages; some APIs answer differently (or not at all) without them.
    default_headers: dict[str, str] = {}

    def __init__(self, source, settings, **kwargs) -> None:
        super().__init__(source, settings, **kwargs)
        self.base_url = (source.base_url or self.default_base_url).rstrip("/")
        self.seen: set[str] = set()

    def get(self, url: str, callback, **kwargs):
        headers = {**self.default_headers, **kwargs.pop("headers", {})}
        return self.request(url, callback, headers=headers, **kwargs)

    def fresh(self, mentions: Iterable[MentionItem]) -> list[MentionItem]:
        """The mentions inside the look-back window."""
        return [m for m in mentions if self.is_recent(m)]

    def brings_something_new(self, mentions: list[MentionItem]) -> bool:
        """Whether the next page is worth fetching, judged by this one (pinned entries do not count)."""
        listed = [m for m in mentions if not m.extra.get("is_top")]
        recent = self.fresh(listed)
        ids = {m.external_id for m in recent}
        unseen = ids - self.seen
        self.seen |= {m.external_id for m in mentions}
        if not unseen:
            return False
        return bool(unseen - self.stored_ids(unseen))

    def stored_ids(self, external_ids: set[str]) -> set[str]:
        """Which of these ids this source already stored; empty when the crawl runs without a database."""
        db = getattr(getattr(self, "crawler", None), "yuqing_db", None)
        if db is None or not external_ids:
            return set()
        from sqlalchemy import select

        from storage.models import Mention, Source

        with db.session() as session:
            rows = session.scalars(
                select(Mention.external_id)
                .join(Source, Mention.source_id == Source.id)
                .where(Source.name == self.source.name, Mention.external_id.in_(sorted(external_ids)))
            )
            return set(rows)

    def more_pages(self, page: int, mentions: list[MentionItem]) -> bool:
        return page < self.source.max_pages and self.brings_something_new(mentions)
