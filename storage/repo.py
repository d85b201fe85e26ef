"""Writing mentions and source health. Idempotent: the same post stored twice is one row."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Mention, Source

# What a re-crawl may change on a stored mention: the counts grow, the rest is what we first saw.
ENGAGEMENT_FIELDS = ("reposts", "comments", "likes", "author_followers")


def now_utc() -> datetime:
    return datetime.now(UTC)


def external_key(external_id: str | None, url: str, text: str = "") -> str:
    """The dedup key within a source: the site's id; without one, a hash of the URL and the post's text.

    The URL alone is no identity: a review page without per-review links shows several posts under one URL,
    and each is its own mention. The same text under the same URL is the same post seen again.
    """
    if external_id:
        return external_id[:200]
    return "url:" + hashlib.sha1(f"{url}\x00{' '.join(text.split())}".encode()).hexdigest()


def _legacy_url_key(url: str) -> str:
    """The key rows stored before the text joined it; they still match a post with the same text."""
    return "url:" + hashlib.sha1(url.encode("utf-8")).hexdigest()


def get_or_create_source(session: Session, name: str, kind: str) -> Source:
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, kind=kind, failures=0)
        try:
            with session.begin_nested():
                session.add(source)
        except IntegrityError:
            # Another process created it between our select and insert.
            source = session.scalar(select(Source).where(Source.name == name))
    elif source.kind != kind:
        source.kind = kind  # settings changed the source's kind: the configured one wins
    return source


def upsert_mention(
    session: Session, source: Source, values: Mapping[str, Any], *, seen_now: bool = True, savepoint: bool = True
) -> tuple[Mention, bool]:
    """Insert a mention, or update the engagement counts of the one already stored; returns (row, created).

    ``seen_now`` False (a replay of saved mentions) leaves a stored row's ``fetched_at`` as it was. The insert
    runs on its own savepoint, so a row another process inserted first turns into an update; a caller that
    already holds a savepoint per mention passes ``savepoint=False`` and retries on ``IntegrityError`` itself
    (a savepoint costs a flush and two statements, a third of a stored mention's time on SQLite).
    """
    key = external_key(values.get("external_id"), values["url"], _identity_text(values))
    existing = _find(session, source.id, key, values)
    if existing is not None:
        _refresh(existing, values, seen_now)
        return existing, False
    counts = {field: values.get(field) or 0 for field in ("reposts", "comments", "likes")}
    row = Mention(source_id=source.id, **{**values, **counts, "external_id": key})
    if not savepoint:
        session.add(row)
        return row, True
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Rolling back the savepoint already took the new row out of the session.
        existing = _find(session, source.id, key, values)
        if existing is None:
            raise
        _refresh(existing, values, seen_now)
        return existing, False
    return row, True


def _identity_text(values: Mapping[str, Any]) -> str:
    return f"{values.get('title') or ''}\n{values.get('text') or ''}"


def _find(session: Session, source_id: int, key: str, values: Mapping[str, Any]) -> Mention | None:
    """The stored row for this key. Different site ids never match each other, whatever their URL."""
    row = session.scalar(select(Mention).where(Mention.source_id == source_id, Mention.external_id == key))
    if row is not None or values.get("external_id"):
        return row
    legacy = session.scalar(select(Mention).where(Mention.source_id == source_id,
                                                  Mention.external_id == _legacy_url_key(values["url"])))
    if legacy is not None and _identity_text(
        {"title": legacy.title, "text": legacy.text}
    ).split() == _identity_text(values).split():
        return legacy
    return None


def _refresh(row: Mention, values: Mapping[str, Any], seen_now: bool = True) -> None:
    for field in ENGAGEMENT_FIELDS:
        value = values.get(field)
        if value is not None:
            setattr(row, field, value)
    if seen_now and values.get("fetched_at"):
        row.fetched_at = values["fetched_at"]


def record_run(
    session: Session,
    source: Source,
    *,
    items: int,
    new: int,
    error: str | None = None,
    blocked_reason: str | None = None,
    blocked_until: datetime | None = None,
    at: datetime | None = None,
) -> None:
    """Note how a crawl of ``source`` went: success, error, or blocked until a back-off time."""
    at = at or now_utc()
    source.last_run_at = at
    source.items_last_run = items
    source.new_last_run = new
    if blocked_reason:
        source.blocked_reason = blocked_reason
        source.blocked_until = blocked_until
        source.blocked_at = at
    if error or blocked_reason:
        source.last_error = error or f"blocked: {blocked_reason}"
        source.last_error_at = at
        source.failures = (source.failures or 0) + 1
    else:
        source.last_success_at = at
        source.failures = 0
        source.blocked_until = None
        source.blocked_reason = None
