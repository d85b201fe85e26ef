"""Replaying stored mentions through the rules: what would have fired, escalated and resolved, and when.

The same indicators and the same state machine as the live engine, with the state kept in memory: nothing is
written and nothing is sent, so a team can tune thresholds against last month's history on the live database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from alerts.change import AlertKey, Change
from alerts.engine import plan
from alerts.indicators import Samples, measure
from alerts.mute import mute
from alerts.state import AlertState

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from storage.db import Database
    from yuqing.config import Settings

SHOWN = ("firing", "escalated", "deescalated", "resolved")


@dataclass(frozen=True)
class Replayed:
    """One firing, level change or resolve the live engine would have produced."""

    at: datetime
    brand: str
    scope: str
    event: str
    level: str | None
    previous_level: str | None
    muted: str | None
    reasons: list[str]

    def to_json(self) -> dict:
        return {
            "at": self.at.isoformat(),
            "brand": self.brand,
            "scope": self.scope,
            "event": self.event,
            "level": self.level,
            "previous_level": self.previous_level,
            "muted": self.muted,
            "reasons": self.reasons,
        }


def replay(
    db: Database,
    settings: Settings,
    start: datetime,
    end: datetime,
    *,
    step: timedelta | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Replayed]:
    """Evaluate at ``start``, ``start + step`` ... up to ``end`` (default step: the evaluation interval).

    ``progress(done, total)`` is told after each evaluation: a month at one-minute steps is 43,200 of them.
    """
    step = step or settings.alerts.evaluation_interval
    if step <= timedelta(0):
        raise ValueError("the step must be longer than zero")
    total = (end - start) // step + 1
    states: dict[AlertKey, AlertState] = {}
    found: list[Replayed] = []
    samples = Samples()
    with db.session() as session:
        for done in range(total):
            moment = start + done * step
            figures = measure(session, settings.alerts, moment, live=False, samples=samples)
            for change in mute(plan(settings.alerts, states, figures, moment), states):
                found.extend(shown(change))
            if progress:
                progress(done + 1, total)
        session.rollback()
    return found


def shown(change: Change) -> list[Replayed]:
    _, brand, scope = change.key
    reasons = []
    if change.assessment is not None:
        reasons = [f.describe_in(change.figures) for f in change.assessment.reasons]
    return [
        Replayed(
            at=change.at,
            brand=brand,
            scope=scope,
            event=event,
            level=change.state.level,
            previous_level=change.previous.level,
            muted=change.muted,
            reasons=reasons,
        )
        for event in change.events
        if event in SHOWN
    ]
