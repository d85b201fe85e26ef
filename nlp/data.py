"""Labeled sentiment data: reading the files ``yuqing nlp train`` accepts, and the fixed held-out split.

The split is a hash of the text, not a random draw, so every run, every machine and the benchmark agree on
which rows the shipped model never saw, and a text repeated in the data always falls on the same side.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_PERCENT = 20


@dataclass(frozen=True)
class LabeledText:
    text: str
    positive: bool
    domain: str = ""  # the trade or product category (a CSV's ``cat`` column), when the file names one


class DataError(ValueError):
    """A training file that cannot be read as labeled text."""


def is_held_out(text: str, percent: int = HELD_OUT_PERCENT) -> bool:
    """True for the fixed ``percent`` of texts kept out of training (md5 of the UTF-8 text)."""
    digest = hashlib.md5(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def read_labeled(path: str | Path) -> list[LabeledText]:
    """Rows of a CSV with ``label,review`` (or ``cat,label,review``) columns or JSON lines with ``label`` and
    ``text`` (and optionally ``domain``); labels are 1/0, pos/neg or positive/negative."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            handle.seek(0)
            rows = _json_lines(handle, path) if first.lstrip().startswith("{") else _csv_rows(handle, path)
            return list(rows)
    except OSError as exc:
        raise DataError(f"{path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text") from exc


def _csv_rows(handle, path: Path) -> Iterator[LabeledText]:
    reader = csv.DictReader(handle)
    fields = set(reader.fieldnames or ())
    text_field = next((name for name in ("review", "text") if name in fields), None)
    if "label" not in fields or text_field is None:
        raise DataError(f"{path}: a CSV needs a header with 'label' and 'review' (or 'text') columns")
    for number, row in enumerate(reader, start=2):
        text = (row.get(text_field) or "").strip().lstrip("\ufeff")
        if text:
            yield LabeledText(text, _positive(row["label"], path, number), (row.get("cat") or "").strip())


def _json_lines(handle, path: Path) -> Iterator[LabeledText]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number}: invalid JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or "label" not in row or not isinstance(row.get("text"), str):
            raise DataError(f"{path}:{number}: each line needs 'label' and 'text'")
        if row["text"].strip():
            yield LabeledText(row["text"].strip(), _positive(row["label"], path, number), str(row.get("domain") or ""))


_POSITIVE = {"1", "pos", "positive", "正面", "true"}
_NEGATIVE = {"0", "neg", "negative", "负面", "false"}


def _positive(label: object, path: Path, number: int) -> bool:
    value = str(label).strip().lower()
    if value in _POSITIVE:
        return True
    if value in _NEGATIVE:
        return False
    raise DataError(f"{path}:{number}: unknown label {label!r} (use 1/0 or pos/neg)")
