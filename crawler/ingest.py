"""``yuqing import``: JSON Lines of mentions (the ``yuqing parse`` shape plus their source) through the pipeline.

Validation is line by line and the same as for settings and crawled items: a source name settings would refuse,
a ``source_kind`` that contradicts the stored or configured source, a title that is not text, a value no column can
take (after :mod:`crawler.validate` fitted what it could). Every good line is stored; every bad line is reported as
``FILE:LINE: reason`` and the import ends non-zero. Mentions the database refuses are kept as dead letters, which
``--retry-failed`` replays. Rerunning an import changes nothing: the same lines are the same mentions.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from common.settings import SOURCE_KINDS, SOURCE_NAME_PATTERN
from crawler.items import MentionItem
from crawler.validate import InvalidMention, coerce

FIELDS = {f.name for f in fields(MentionItem)} - {"analysis", "origin"}
STRING_FIELDS = ("url", "title", "text", "author", "region", "brand", "raw_html")
_SOURCE_NAME = re.compile(SOURCE_NAME_PATTERN)


class LineError(ValueError):
    """Why one line cannot be imported, worded for the user."""


@dataclass
class ImportReport:
    """What an import did. ``lines`` (non-blank lines read) is the sum of every other count."""

    lines: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def bad_lines(self) -> int:
        return self.outcomes["invalid"]

    @property
    def failed(self) -> bool:
        return bool(self.outcomes["invalid"] or self.outcomes["failed"])

    def adds_up(self) -> bool:
        return sum(self.outcomes.values()) == self.lines


def parse_line(text: str, tz: tzinfo, known_kinds: dict[str, str] | None = None) -> MentionItem:
    """One line as a validated, column-fitted mention; ``LineError`` with the reason otherwise.

    ``known_kinds`` maps source names (configured or stored) to their kind: a line may not contradict it.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise LineError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise LineError("expected a JSON object")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise LineError(f"unknown field {unknown[0]!r}")
    _check_source(data, known_kinds or {})
    for name in STRING_FIELDS:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise LineError(f"{name!r} must be text, got {type(data[name]).__name__}")
    if not data["url"].strip():
        raise LineError("'url' is required")
    if not (data.get("title") or data.get("text")):
        raise LineError("'title' or 'text' is required")
    data["published_at"] = _moment(data.get("published_at"), tz)
    data.setdefault("external_id", "")
    data["title"] = data.get("title") or ""
    data["text"] = data.get("text") or ""
    data["extra"] = data.get("extra") if data.get("extra") is not None else {}
    try:
        return coerce(MentionItem(**data))
    except InvalidMention as exc:
        raise LineError(str(exc)) from None


def _check_source(data: dict[str, Any], known_kinds: dict[str, str]) -> None:
    for name in ("url", "source", "source_kind"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise LineError(f"{name!r} is required")
    source, kind = data["source"], data["source_kind"]
    if len(source) > 100 or not _SOURCE_NAME.match(source):
        raise LineError(f"source {source[:60]!r}: only letters, digits, '_', '.' and '-' (as in settings)")
    if kind not in SOURCE_KINDS:
        raise LineError(f"source_kind {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    if source in known_kinds and known_kinds[source] != kind:
        raise LineError(f"source_kind {kind!r} contradicts source {source!r}, which is {known_kinds[source]!r}")


def _moment(value: Any, tz: tzinfo) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise LineError(f"published_at {value!r:.40} is not an ISO 8601 date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def read_lines(path: str | Path) -> Iterator[tuple[int, str | None]]:
    """``(number, text)`` for every non-blank line; text ``None`` when the line is not UTF-8."""
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield number, None
                continue
            if line.strip():
                yield number, line


def read_items(path: str | Path, tz: tzinfo, known_kinds: dict[str, str] | None = None
               ) -> tuple[list[MentionItem], list[str]]:
    """The items of a JSON Lines file, and one ``FILE:LINE: reason`` per line that could not be read."""
    items: list[MentionItem] = []
    errors: list[str] = []
    kinds = dict(known_kinds or {})
    for number, line in read_lines(path):
        try:
            if line is None:
                raise LineError("not UTF-8 text")
            item = parse_line(line, tz, kinds)
        except LineError as exc:
            errors.append(f"{path}:{number}: {exc}")
            continue
        item.origin = f"{path}:{number}"
        kinds.setdefault(item.source, item.source_kind)
        items.append(item)
    return items, errors


def known_source_kinds(settings, db) -> dict[str, str]:
    """Every source's kind as settings configure it, else as the database stored it."""
    from sqlalchemy import select

    from storage.models import Source

    with db.session() as session:
        kinds = dict(session.execute(select(Source.name, Source.kind)).all())
    kinds.update({source.name: source.kind for source in settings.sources})
    return kinds


def import_file(settings, db, path: str | Path, *, progress=None) -> ImportReport:
    """Import one file: every good line stored, every bad one reported; see :class:`ImportReport`."""
    from crawler.pipelines import run_pipeline

    items, errors = read_items(path, settings.tz, known_source_kinds(settings, db))
    report = ImportReport(lines=len(items) + len(errors), errors=errors)
    report.outcomes["invalid"] = len(errors)
    result = run_pipeline(settings, db, progress(items) if progress else items)
    report.outcomes.update(result.outcomes)
    report.errors += [f"{item.origin}: {reason}" for item, reason in result.failures]
    return report


def retry_failed(settings, db, *, progress=None) -> ImportReport:
    """Replay every dead letter (table and file) through the pipeline; the ones stored now are removed."""
    from sqlalchemy import select

    from crawler.pipelines import run_pipeline
    from storage import dead_letters
    from storage.models import DeadLetter

    with db.session() as session:
        rows = [(row.id, row.origin, row.item) for row in session.scalars(select(DeadLetter).order_by(DeadLetter.id))]
    path = dead_letters.file_path(db.url)
    held = dead_letters.read_file(path)
    report = ImportReport(lines=len(rows) + len(held))
    letters = [(f"dead letter {row_id}", row_id, origin, item) for row_id, origin, item in rows]
    letters += [(f"{path}:{n}", None, entry.get("origin"), entry.get("item")) for n, entry in enumerate(held, 1)]
    items, replayed, unreadable = [], [], []
    for where, row_id, origin, data in letters:
        try:
            item = parse_line(json.dumps(data, ensure_ascii=False), settings.tz)
        except LineError as exc:  # stays where it is: dropping it here would lose it for good
            report.outcomes["invalid"] += 1
            report.errors.append(f"{where} ({origin}): {exc}")
            if row_id is None:
                unreadable.append(held[int(where.rpartition(":")[2]) - 1])
            continue
        item.origin = f"{where} ({origin})" if origin else where
        items.append(item)
        if row_id is not None:
            replayed.append(row_id)
    # Taken out before the replay: a mention that fails again is written back as a fresh dead letter.
    with db.session() as session:
        session.query(DeadLetter).filter(DeadLetter.id.in_(replayed)).delete(synchronize_session=False)
    dead_letters.rewrite_file(path, unreadable)
    result = run_pipeline(settings, db, progress(items) if progress else items)
    report.outcomes.update(result.outcomes)
    report.errors += [f"{item.origin}: {reason}" for item, reason in result.failures]
    return report
