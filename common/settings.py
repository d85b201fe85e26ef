"""Settings building blocks: the strict section base, durations and the source kinds.

Each feature keeps its own settings model beside its code and builds on these; ``yuqing.config`` only composes
them into the one ``Settings`` model (as Alertmanager's ``config/common`` → ``notify/<channel>/config`` →
``config/config.go``). Nothing here imports anything of ours, so importing it never runs upward or in a loop.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

SOURCE_KINDS = ("social", "forum", "complaint", "review", "news")
# A source name ends up in file names, log lines, URLs and HTML: letters, digits and ``_ . -`` only, no ``/``.
SOURCE_NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
SourceKind = Literal["social", "forum", "complaint", "review", "news"]

DURATION_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Nothing here is meant to last longer than a century, and far beyond that timedelta and date arithmetic
# overflow (``retention = "99999999999d"`` was an OverflowError traceback on every command).
MAX_DURATION = timedelta(days=36525)


def parse_duration(value: object) -> timedelta:
    """``90`` (seconds), ``"30s"``, ``"15m"``, ``"2h"``, ``"7d"``, ``"1w"`` -> timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 15m, 2h or 7d")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := DURATION_PATTERN.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]
    else:
        raise ValueError("expected a duration such as 30s, 15m, 2h or 7d")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if not seconds <= MAX_DURATION.total_seconds():  # also refuses nan and inf
        raise ValueError("a duration cannot be longer than 100 years (36525d)")
    return timedelta(seconds=seconds)


def _at_least_a_second(value: timedelta) -> timedelta:
    if value < timedelta(seconds=1):
        raise ValueError("must be at least 1s (0s would run it without pause)")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
# Intervals and time limits: zero would be a busy loop, or a limit nothing can meet.
PositiveDuration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(_at_least_a_second)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
