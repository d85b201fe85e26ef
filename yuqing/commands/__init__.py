"""Command groups of the ``yuqing`` CLI; each module registers its subcommands (see ``yuqing.cli``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def when(moment: datetime | None, tz: ZoneInfo) -> str:
    """A time as the command tables show it: local month-day hour:minute, or ``-``."""
    return moment.astimezone(tz).strftime("%m-%d %H:%M") if moment else "-"
