"""The one shape every site parser produces and every later stage consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class MentionItem:
    """One post, comment, complaint, review or article as a site shows it.

    Parsers fill what the page has; the spider sets ``source`` and ``source_kind``; the pipeline adds
    ``brand`` and the analysis. ``published_at`` is always timezone-aware.
    """

    external_id: str
    url: str
    title: str
    text: str
    published_at: datetime | None = None
    author: str | None = None
    region: str | None = None
    author_followers: int | None = None
    author_verified: bool | None = None
    is_media: bool | None = None
    reposts: int | None = None
    comments: int | None = None
    likes: int | None = None
    rating: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    source_kind: str = ""
    brand: str | None = None
    raw_html: str | None = None
    official: bool = False
    analysis: Any = field(default=None, repr=False, compare=False)
    # Where the item came from when it is not its URL (``FILE:LINE`` of an import): errors name it.
    origin: str | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The ``yuqing parse`` output shape: plain JSON types, dates in ISO 8601 with offset."""
        data = asdict(self)
        data.pop("analysis")
        data.pop("origin")
        data.pop("official")
        for key in ("source", "source_kind", "brand", "raw_html"):
            if not data[key]:
                data.pop(key)
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        return data
