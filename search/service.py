"""Finding stored mentions. Chinese keywords match as substrings: 小米 is found inside 小米汽车."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import Mention


@dataclass(frozen=True)
class KeywordQuery:
    keywords: tuple[str, ...]
    brand: str | None = None
    since: datetime | None = None
    limit: int = 50


def _like(word: str) -> str:
    """A LIKE pattern that takes the user's text literally (``%`` and ``_`` are not wildcards)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def keyword_search(session: Session, query: KeywordQuery) -> list[Mention]:
    """Mentions whose title or text contains every keyword, newest first."""
    statement = select(Mention)
    for word in query.keywords:
        pattern = _like(word)
        statement = statement.where(
            or_(Mention.title.like(pattern, escape="\\"), Mention.text.like(pattern, escape="\\"))
        )
    if query.brand:
        statement = statement.where(Mention.brand == query.brand)
    if query.since:
        statement = statement.where(Mention.published_at >= query.since)
    statement = statement.order_by(Mention.published_at.desc(), Mention.id.desc()).limit(query.limit)
    return list(session.scalars(statement))
