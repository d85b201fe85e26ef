"""One evaluation of every brand and source: load -> measure -> plan -> mute -> persist and notify.

:func:`plan` is the whole decision with the state in a dict, and :func:`alerts.mute.mute` decides which due
notifications go out; both are pure, so the backtest replays them in memory and sends nothing. :func:`evaluate`
loads the state from the ``alerts`` table and writes it back with the events and the outbox rows in the same
transaction (so a crash loses neither the state change nor its email).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from alerts import store
from alerts.change import BRAND, AlertKey, Change
from alerts.config import LEVELS, AlertSettings
from alerts.indicators import Figures, measure
from alerts.mute import mute, silence_matcher
from alerts.nodata import nodata_plan
from alerts.notify import notify
from alerts.rules import assess
from alerts.state import FIRING, INACTIVE, AlertState, Timers, advance, notification_due

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from storage.db import Database
    from yuqing.config import Settings

log = logging.getLogger(__name__)


@dataclass
class EvaluationReport:
    now: datetime
    brands: int = 0
    changes: list[Change] = field(default_factory=list)
    enqueued: int = 0

    @property
    def firing(self) -> list[Change]:
        return [c for c in self.changes if c.state.state == FIRING]


def timers_for(settings: AlertSettings, brand: str) -> Timers:
    rules = [settings.level_rule(brand, level) for level in LEVELS]
    return Timers(
        pending={r.level: r.pending for r in rules}, min_firing={r.level: r.min_firing for r in rules}
    )


def plan(
    settings: AlertSettings,
    states: dict[AlertKey, AlertState],
    figures: dict[tuple[str, str], Figures],
    now: datetime,
) -> list[Change]:
    """Advance every brand alert one evaluation; ``states`` is updated in place. Returns what changed, with
    the notification each change makes due (the mute stage decides whether it goes out)."""
    assessments = {(BRAND, brand, scope): assess(settings, fig) for (brand, scope), fig in figures.items()}
    keys = {k for k, a in assessments.items() if a.level} | {
        k for k, s in states.items() if k[0] == BRAND and s.state != INACTIVE
    }
    timers: dict[str, Timers] = {}
    changes = []
    for key in sorted(keys):
        brand = key[1]
        timers.setdefault(brand, timers_for(settings, brand))
        before = states.get(key, AlertState())
        assessment = assessments.get(key)
        after, events = advance(before, assessment.level if assessment else None, now, timers[brand])
        states[key] = after
        due = notification_due(after, now, settings.repeat_interval)
        if events or due or after != before:
            changes.append(
                Change(
                    key=key,
                    at=now,
                    state=after,
                    previous=before,
                    events=events,
                    due=due,
                    assessment=assessment,
                    figures=figures.get((brand, key[2])),
                )
            )
    return changes


def evaluate(db: Database, settings: Settings, *, now: datetime | None = None) -> EvaluationReport:
    """Evaluate every brand (and every source's health) at ``now``; state, events and outbox rows are written
    in one transaction. Sends nothing: :func:`delivery.outbox.deliver_pending` does."""
    now = now or datetime.now(UTC)
    report = EvaluationReport(now=now)
    if not settings.alerts.enabled:
        return report
    with db.session() as session:
        rows = store.load_alerts(session)
        states = {key: store.state_of(row) for key, row in rows.items()}
        figures = measure(session, settings.alerts, now, live=True)
        report.brands = len({brand for brand, _ in figures})
        changes = plan(settings.alerts, states, figures, now) + nodata_plan(session, settings, states, now)
        mute(changes, states, silenced=silence_matcher(store.active_silences(session, now)))
        for change in changes:
            report.enqueued += _persist_and_notify(session, settings, rows, change)
        report.changes = changes
    for change in changes:
        if change.events:
            log.info(
                "alert %s: %s (level %s)",
                "/".join(filter(None, change.key)),
                ",".join(change.events),
                change.state.level,
            )
    return report


def _persist_and_notify(session: Session, settings: Settings, rows: dict, change: Change) -> bool:
    """Write one change and enqueue its email; True if a new email was queued."""
    if store.unchanged(rows.get(change.key), change):
        return False
    row = store.row_for(session, rows, change.key, change.at)
    muted_before = (row.evidence or {}).get("muted")
    store.write_state(row, change)
    outbox_row = notify(session, settings, row, change, change.at) if change.notification else None
    store.record_events(session, row, change, outbox_row, muted_before)
    return outbox_row is not None


__all__ = ["BRAND", "Change", "EvaluationReport", "evaluate", "plan"]
