"""Settings of the daily digest (``[digest]``)."""

from __future__ import annotations

from pydantic import Field

from common.settings import Section


class DigestSettings(Section):
    enabled: bool = True
    # Local time in the settings' time zone; the scheduler sends the digest of the day before.
    time: str = Field(default="08:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    department: str = "pr"
    top_stories: int = Field(default=5, ge=1, le=50)
    hot_words: int = Field(default=15, ge=1, le=100)
