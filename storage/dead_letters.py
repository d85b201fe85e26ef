"""Dead letters: mentions that reached the store step and could not be stored, each with its reason.

They go to the ``dead_letters`` table. When the database refuses even that (read-only, gone, full), they go to a
JSON Lines file instead: beside the SQLite file, else ``var/dead-letters.jsonl``. Both hold the mention in the
``yuqing import`` line shape, and ``yuqing import --retry-failed`` replays both.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import DeadLetter

log = logging.getLogger(__name__)


def record(session: Session, *, source: str, reason: str, item: dict[str, Any], origin: str | None) -> None:
    session.add(DeadLetter(source=source[:100], reason=reason, item=item, origin=origin,
                           created_at=datetime.now(UTC), attempts=1))


def counts_by_source(session: Session) -> dict[str, int]:
    return dict(session.execute(select(DeadLetter.source, func.count()).group_by(DeadLetter.source)).all())


def file_path(database_url: str) -> Path:
    """Where dead letters go when the database cannot take them."""
    from sqlalchemy import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database.removeprefix("file:"))  # a URI filename (``file:…?mode=ro``) is the same file
        return database.with_name(database.name + ".dead-letters.jsonl")
    return Path("var") / "dead-letters.jsonl"


def append_to_file(path: Path, entries: Iterable[dict[str, Any]]) -> bool:
    """Append ``entries`` (``{"source", "reason", "origin", "item"}``) to ``path``; False if even that fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            for entry in entries:
                handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    except OSError as exc:
        log.error("cannot write dead letters to %s: %s", path, exc.strerror or exc)
        return False
    return True


def read_file(path: Path) -> list[dict[str, Any]]:
    """The dead letters in ``path`` (none if it does not exist); unreadable lines are kept as they are."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                entries.append({"raw": line})
    return entries


def rewrite_file(path: Path, entries: list[dict[str, Any]]) -> None:
    """Keep only ``entries`` in ``path`` (removing it when none are left)."""
    if not entries:
        path.unlink(missing_ok=True)
        return
    temporary = path.with_suffix(".tmp")
    temporary.write_text("".join(json.dumps(e, ensure_ascii=False, default=str) + "\n" for e in entries),
                         encoding="utf-8")
    temporary.replace(path)
