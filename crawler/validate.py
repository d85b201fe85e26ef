"""Fitting a mention to the columns it is stored in, before the database sees it, and saying what was changed.

A database refuses values a page can easily carry: a count past BIGINT (SQLite raises, PostgreSQL too), a NUL byte
(PostgreSQL), a region longer than its column (PostgreSQL), ``"yes"`` for a boolean. Each refusal used to cost the
whole row. Here every value is coerced to what its column holds, and each change is noted in
``extra["coerced"]`` so nobody mistakes a clamped count for the site's figure. What cannot be coerced (a title that
is a list) raises :class:`InvalidMention` with the field and the reason.

Characters that mean nothing in stored text go too: NUL and the other C0/C1 controls but tab and newline, DEL,
and the bidirectional overrides (U+202A–U+202E, U+2066–U+2069) that make a terminal or a page show text in an
order it was not written in. A lone surrogate (half an emoji, as a JSON ``\\ud83d`` escape of a post cut short
carries) cannot be written as UTF-8 at all, so no database takes it: it becomes U+FFFD, which says a character
was lost.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from crawler.items import MentionItem
from nlp.text import replace_lone_surrogates

BIGINT_MAX = 2**63 - 1
COUNT_FIELDS = ("author_followers", "reposts", "comments", "likes")
BOOL_FIELDS = ("author_verified", "is_media")
TEXT_FIELDS = ("external_id", "url", "title", "text", "author", "region", "brand", "raw_html", "source", "source_kind")
_MEANINGLESS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_TRUE = {"yes", "true", "1", "y", "是", "已认证"}
_FALSE = {"no", "false", "0", "n", "否", "未认证", ""}


class InvalidMention(ValueError):
    """A field holds a value no column can take (the message names the field)."""


def column_lengths() -> dict[str, int]:
    """The length limit of every string column of ``mentions``, read from the model so the two never drift."""
    from storage.models import Mention

    return {
        column.name: column.type.length
        for column in Mention.__table__.columns
        if getattr(column.type, "length", None)
    }


_LENGTHS = column_lengths()


def clean_text(value: str) -> str:
    """``value`` without the control and bidi-override characters that mean nothing in stored text."""
    return replace_lone_surrogates(_MEANINGLESS.sub("", value))


def coerce(item: MentionItem) -> MentionItem:
    """``item`` fitted to its columns in place; the changes listed in ``item.extra["coerced"]``."""
    notes: list[str] = []
    if not isinstance(item.extra, dict):
        raise InvalidMention(f"extra: expected an object, got {type(item.extra).__name__}")
    for name in TEXT_FIELDS:
        setattr(item, name, _text(name, getattr(item, name), notes))
    for name in COUNT_FIELDS:
        setattr(item, name, _count(name, getattr(item, name), notes))
    for name in BOOL_FIELDS:
        setattr(item, name, _flag(name, getattr(item, name), notes))
    item.rating = _rating(item.rating, notes)
    if item.published_at is not None and not isinstance(item.published_at, datetime):
        raise InvalidMention(f"published_at: expected a date, got {type(item.published_at).__name__}")
    item.extra = _clean_json(item.extra, "extra")
    if notes:
        item.extra["coerced"] = [*item.extra.get("coerced", []), *notes]
    return item


def _text(name: str, value: Any, notes: list[str]) -> str | None:
    if value is None:
        return "" if name in ("title", "text", "url", "external_id") else None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidMention(f"{name}: expected text, got {type(value).__name__}")
    text = clean_text(str(value))
    if isinstance(value, str) and text != value:
        notes.append(f"{name}: control characters removed")
    limit = _LENGTHS.get(name)
    if limit and len(text) > limit:
        notes.append(f"{name}: cut from {len(text)} to {limit} characters")
        text = text[:limit]
    return text


def _count(name: str, value: Any, notes: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidMention(f"{name}: expected a count, got a boolean")
    if isinstance(value, float) and math.isfinite(value):
        value = round(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise InvalidMention(f"{name}: expected a count, got {value!r:.40}")
    if value > BIGINT_MAX:
        notes.append(f"{name}: {value} clamped to {BIGINT_MAX}")
        return BIGINT_MAX
    if value < 0:
        notes.append(f"{name}: {value} clamped to 0")
        return 0
    return value


def _flag(name: str, value: Any, notes: list[str]) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        notes.append(f"{name}: {value!r:.20} read as {word in _TRUE}")
        return word in _TRUE
    raise InvalidMention(f"{name}: expected true or false, got {value!r:.40}")


def _rating(value: Any, notes: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        notes.append(f"rating: {value!r:.20} is not a number, left out")
        return None
    return float(value)


def _clean_json(value: Any, where: str) -> Any:
    """JSON data with its strings cleaned; anything JSON cannot hold is an error naming where it sits."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidMention(f"{where}: {value} is not a JSON number")
        return value
    if isinstance(value, list | tuple):
        return [_clean_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean_json(v, f"{where}.{k}") for k, v in value.items()}
    raise InvalidMention(f"{where}: {type(value).__name__} is not JSON")
