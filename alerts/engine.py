"""One evaluation: figures -> levels -> state machine -> notifications, all brands at once.

:func:`plan` is the whole decision, with the state in a dict: :func:`evaluate` loads that dict from the
``alerts`` table and writes it back with the events and the outbox rows in the same transaction (so a crash
loses neither the state change nor its email), and the backtest keeps it in memory and sends nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import ALL_SCOPE, LEVELS, AlertSettings
from alerts.indicators import Figures, measure
from alerts.models import Alert, AlertEvent, Silence
from alerts.nodata import NODATA, nodata_plan
from alerts.rules import Assessment, assess
from alerts.state import (
    FIRING,
    INACTIVE,
    AlertState,
    Timers,
    advance,
    forget_notified,
    inhibited_by,
    notification_due,
    notified,
)

log = logging.getLogger(__name__)

BRAND = "brand"
AlertKey = tuple[str, str, str]  # (kind, subject, scope): ("brand", "青禾", "全部"), ("nodata", "weibo", "")


@dataclass
class Change:
    """What one evaluation did to one alert: state changes (``events``) and the notification now due, if
    any."""

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
    *,
    silenced: Callable[[AlertKey], bool] = lambda key: False,
) -> list[Change]:
    """Advance every brand alert one evaluation; ``states`` is updated in place. Returns what changed."""
    assessments = {(BRAND, brand, scope): assess(settings, fig) for (brand, scope), fig in figures.items()}
    keys = {k for k, a in assessments.items() if a.level} | {
        k for k, s in states.items() if k[0] == BRAND and s.state != INACTIVE
    }
    advanced: dict[AlertKey, tuple[AlertState, AlertState, list[str]]] = {}
    timers: dict[str, Timers] = {}
    for key in sorted(keys):
        brand = key[1]
        timers.setdefault(brand, timers_for(settings, brand))
        before = states.get(key, AlertState())
        assessment = assessments.get(key)
        after, events = advance(before, assessment.level if assessment else None, now, timers[brand])
        advanced[key] = (before, after, events)

    shown: dict[str, list[tuple[AlertKey, str | None, str]]] = defaultdict(list)
    for key, (_, after, _) in advanced.items():
        shown[key[1]].append((key, after.shown_level, key[2]))

    changes = []
    for key, (before, after, events) in advanced.items():
        others = [(level, scope) for other, level, scope in shown[key[1]] if other != key]
        due = notification_due(after, now, settings.repeat_interval)
        muted = None
        if due:
            if silenced(key):
                muted = "silenced"
            elif inhibited_by(after.shown_level, key[2], others, ALL_SCOPE):
                muted = "inhibited"
        if due and muted:
            after = forget_notified(after) if due == "resolved" else after
        elif due:
            after = notified(after, now)
        states[key] = after
        if events or due or after != before:
            changes.append(
                Change(
                    key=key,
                    at=now,
                    state=after,
                    previous=before,
                    events=events,
                    due=due,
                    muted=muted,
                    assessment=assessments.get(key),
                    figures=figures.get((key[1], key[2])),
                )
            )
    return changes


# --- persistence ------------------------------------------------------------------------------------------


def state_of(row: Alert) -> AlertState:
    return AlertState(
        state=row.state,
        level=row.level,
        holding={level: datetime.fromisoformat(since) for level, since in (row.holding or {}).items()},
        started_at=row.started_at,
        level_since=row.level_since,
        resolved_at=row.resolved_at,
        last_notified_level=row.last_notified_level,
        last_notified_at=row.last_notified_at,
        acknowledged_at=row.acknowledged_at,
    )


def write_state(row: Alert, state: AlertState, now: datetime) -> None:
    row.state, row.level = state.state, state.level
    row.holding = {level: since.isoformat() for level, since in state.holding.items()}
    row.started_at, row.level_since, row.resolved_at = state.started_at, state.level_since, state.resolved_at
    row.last_notified_level, row.last_notified_at = state.last_notified_level, state.last_notified_at
    row.acknowledged_at = state.acknowledged_at
    if state.acknowledged_at is None:
        row.acknowledged_by = None
    row.updated_at = now


def load_alerts(session: Session) -> dict[AlertKey, Alert]:
    statement = select(Alert)
    if session.get_bind().dialect.name == "postgresql":
        # Two evaluators at once (a manual `yuqing alerts evaluate` during the scheduler's) take turns per
        # row.
        statement = statement.with_for_update()
    return {(row.kind, row.subject, row.scope): row for row in session.scalars(statement)}


def active_silences(session: Session, now: datetime) -> list[Silence]:
    return list(session.scalars(select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now)))


def silence_matcher(silences: list[Silence]) -> Callable[[AlertKey], bool]:
    def silenced(key: AlertKey) -> bool:
        return any(s.brand == key[1] and s.scope in (None, "", key[2]) for s in silences)

    return silenced


def evidence_json(change: Change) -> dict:
    data: dict = {"state": change.state.state, "level": change.state.level}
    if change.figures is not None:
        data["figures"] = {k: v for k, v in change.figures.values.items() if v is not None}
        data["baselines"] = change.figures.baselines
        data["max_grade"] = change.figures.max_grade
    if change.assessment is not None:
        data["reasons"] = [f.to_json() for f in change.assessment.reasons]
    data.update(change.detail)
    return data


def evaluate(db, settings, *, now: datetime | None = None) -> EvaluationReport:
    """Evaluate every brand (and every source's health) at ``now``; state, events and outbox rows are written
    in one transaction. Sends nothing: :func:`alerts.outbox.deliver_pending` does."""
    from alerts.notify import notify

    now = now or datetime.now(UTC)
    report = EvaluationReport(now=now)
    if not settings.alerts.enabled:
        return report
    with db.session() as session:
        rows = load_alerts(session)
        states = {key: state_of(row) for key, row in rows.items()}
        figures = measure(session, settings.alerts, now, live=True)
        report.brands = len({brand for brand, _ in figures})
        changes = plan(
            settings.alerts, states, figures, now, silenced=silence_matcher(active_silences(session, now))
        )
        changes += nodata_plan(session, settings, states, now)
        for change in changes:
            row = rows.get(change.key)
            if row is None:
                kind, subject, scope = change.key
                row = Alert(
                    kind=kind,
                    subject=subject,
                    scope=scope,
                    state=INACTIVE,
                    notifications=0,
                    holding={},
                    evidence={},
                    updated_at=now,
                )
                session.add(row)
                session.flush()
                rows[change.key] = row
            write_state(row, change.state, now)
            evidence = evidence_json(change)
            row.evidence = {**evidence, "departments": (row.evidence or {}).get("departments", [])}
            outbox_row = None
            if change.notification:
                outbox_row = notify(session, settings, row, change, now)
                report.enqueued += outbox_row is not None
            for event in change.events or ([change.notification] if change.notification else []):
                session.add(
                    AlertEvent(
                        alert_id=row.id,
                        at=now,
                        kind=event,
                        level=change.state.level or change.previous.level,
                        evidence=evidence,
                        outbox_id=None,
                    )
                )
            if change.notification and outbox_row is not None:
                session.add(
                    AlertEvent(
                        alert_id=row.id,
                        at=now,
                        kind="notified",
                        level=change.state.level,
                        evidence={"notification": change.notification, "outbox_id": outbox_row.id},
                        note=outbox_row.subject,
                        outbox_id=outbox_row.id,
                    )
                )
            elif change.muted:
                session.add(
                    AlertEvent(
                        alert_id=row.id,
                        at=now,
                        kind=change.muted,
                        level=change.state.level,
                        evidence={"notification": change.due},
                    )
                )
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


__all__ = ["NODATA", "BRAND", "Change", "EvaluationReport", "evaluate", "plan"]
