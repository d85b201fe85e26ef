"""The demo world: posts about fictional brands, each visible on its site once the world's clock has passed it.

The demo sites render these posts in each real site's structure; tests build small worlds of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class DemoPost:
    site: str
    id: str
    title: str
    text: str
    author: str
    published_at: datetime
    region: str | None = None
    followers: int = 0
    verified_type: int = -1
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    rating: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def system_clock() -> datetime:
    return datetime.now(UTC)


class World:
    """Posts by site, a clock, and which sites currently answer with a blocking response."""

    def __init__(self, posts: Iterable[DemoPost] = (), clock: Callable[[], datetime] = system_clock) -> None:
        self._posts: list[DemoPost] = list(posts)
        self.clock = clock
        self.blocked: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, *posts: DemoPost) -> None:
        with self._lock:
            self._posts.extend(posts)

    def visible(self, site: str) -> list[DemoPost]:
        """The site's posts published by now, newest first, as a site lists them."""
        now = self.clock()
        with self._lock:
            posts = [p for p in self._posts if p.site == site and p.published_at <= now]
        return sorted(posts, key=lambda p: p.published_at, reverse=True)

    def find(self, site: str, post_id: str) -> DemoPost | None:
        return next((p for p in self.visible(site) if p.id == post_id), None)
