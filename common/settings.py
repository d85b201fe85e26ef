"""Settings building blocks: the strict section base, durations and the source kinds.

Each feature keeps its own settings model beside its code and builds on these; ``yuqing.config`` only composes
them into the one ``Settings`` model (as Alertmanager's ``config/common`` → ``notify/<channel>/config`` →
``config/config.go``). Nothing here imports anything of ours, so importing it never runs upward or in a loop.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

SOURCE_KINDS = ("social", "forum", "complaint", "review", "news")
# A source name ends up in file names, log lines, URLs and HTML: letters, digits and ``_ . -`` only, no ``/``.
SOURCE_NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
SourceKind = Literal["social", "forum", "complaint", "review", "news"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """``90`` (seconds), ``"30s"``, ``"15m"``, ``"2h"``, ``"7d"``, ``"1w"`` -> timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 15m, 2h or 7d")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]
    else:
        raise ValueError("expected a duration such as 30s, 15m, 2h or 7d")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
