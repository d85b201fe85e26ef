"""Reading ``yuqing import`` files: JSON Lines of mentions, the ``yuqing parse`` shape plus their source.

Each bad line becomes one error naming the file and line; the good lines are imported regardless, so a replay
of a month's history does not fail on its one malformed record.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime, tzinfo
from pathlib import Path

from common.settings import SOURCE_KINDS
from crawler.items import MentionItem

FIELDS = {f.name for f in fields(MentionItem)} - {"analysis"}
INTEGERS = ("author_followers", "reposts", "comments", "likes")


class LineError(ValueError):
    pass


def parse_line(text: str, tz: tzinfo) -> MentionItem:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise LineError("expected a JSON object")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise LineError(f"unknown field {unknown[0]!r}")
    for name in ("url", "source", "source_kind"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise LineError(f"{name!r} is required")
    if data["source_kind"] not in SOURCE_KINDS:
        raise LineError(f"source_kind {data['source_kind']!r} is not one of {', '.join(SOURCE_KINDS)}")
    if not (data.get("title") or data.get("text")):
        raise LineError("'title' or 'text' is required")
    for name in INTEGERS:
        if data.get(name) is not None and (not isinstance(data[name], int) or isinstance(data[name], bool)):
            raise LineError(f"{name!r} must be a whole number")
    published = data.get("published_at")
    if published is not None:
        try:
            moment = datetime.fromisoformat(published)
        except (TypeError, ValueError):
            raise LineError(f"published_at {published!r} is not an ISO 8601 date") from None
        data["published_at"] = moment if moment.tzinfo else moment.replace(tzinfo=tz)
    data.setdefault("external_id", "")
    data["title"] = data.get("title") or ""
    data["text"] = data.get("text") or ""
    data["extra"] = data.get("extra") or {}
    return MentionItem(**data)


def read_items(path: str | Path, tz: tzinfo) -> tuple[list[MentionItem], list[str]]:
    """The items of a JSON Lines file, and one ``FILE:LINE: reason`` per line that could not be read."""
    items: list[MentionItem] = []
    errors: list[str] = []
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                errors.append(f"{path}:{number}: not UTF-8 text")
                continue
            if not line.strip():
                continue
            try:
                items.append(parse_line(line, tz))
            except LineError as exc:
                errors.append(f"{path}:{number}: {exc}")
    return items, errors
