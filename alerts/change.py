"""What one evaluation does to one alert: the type every stage passes on (plan -> mute -> persist and notify)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from alerts.indicators import Figures
from alerts.rules import Assessment
from alerts.state import AlertState

BRAND = "brand"
NODATA = "nodata"
# (kind, subject, scope): ("brand", "青禾", "全部"), ("brand", "青禾", "产品质量"), ("nodata", "weibo", "").
AlertKey = tuple[str, str, str]


@dataclass
class Change:
    """One alert's state changes (``events``) in one evaluation and the notification now due, if any.

    ``state`` is the state after the evaluation; the mute stage records in it whether the due notification
    went out (``notified``) or was held back (``muted`` says why).
    """

    key: AlertKey
    at: datetime
    state: AlertState
    previous: AlertState
    events: list[str]
    due: str | None = None
    muted: str | None = None
    assessment: Assessment | None = None
    figures: Figures | None = None
    detail: dict = field(default_factory=dict)

    @property
    def notification(self) -> str | None:
        """The notification to send now: the one due, unless a silence or a higher alert mutes it."""
        return None if self.muted else self.due
