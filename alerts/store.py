"""Alert persistence: the ``alerts`` rows as :class:`AlertState`, their events, and the active silences.

The engine loads every alert once per evaluation and writes back only what changed, in the transaction that
also holds the outbox rows, so a crash loses neither a state change nor its email.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.change import AlertKey, Change
from alerts.models import Alert, AlertEvent, OutboxMessage, Silence
from alerts.state import INACTIVE, AlertState


def load_alerts(session: Session) -> dict[AlertKey, Alert]:
    statement = select(Alert)
    if session.get_bind().dialect.name == "postgresql":
        # Two evaluators at once (a manual `yuqing alerts evaluate` during the scheduler's) take turns per
        # row.
        statement = statement.with_for_update()
    return {(row.kind, row.subject, row.scope): row for row in session.scalars(statement)}


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


def row_for(session: Session, rows: dict[AlertKey, Alert], key: AlertKey, now: datetime) -> Alert:
    """The alert's row, created on its first change."""
    row = rows.get(key)
    if row is None:
        kind, subject, scope = key
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
        rows[key] = row
    return row


def write_state(row: Alert, change: Change) -> None:
    state = change.state
    row.state, row.level = state.state, state.level
    row.holding = {level: since.isoformat() for level, since in state.holding.items()}
    row.started_at, row.level_since, row.resolved_at = state.started_at, state.level_since, state.resolved_at
    row.last_notified_level, row.last_notified_at = state.last_notified_level, state.last_notified_at
    row.acknowledged_at = state.acknowledged_at
    if state.acknowledged_at is None:
        row.acknowledged_by = None
    row.updated_at = change.at
    row.evidence = {**evidence_json(change), "departments": (row.evidence or {}).get("departments", [])}


def record_events(session: Session, row: Alert, change: Change, outbox_row: OutboxMessage | None) -> None:
    """The history rows of one change: its state events, then what became of its notification."""
    evidence = evidence_json(change)
    for event in change.events or ([change.notification] if change.notification else []):
        level = change.state.level or change.previous.level
        session.add(AlertEvent(alert_id=row.id, at=change.at, kind=event, level=level, evidence=evidence))
    if change.notification and outbox_row is not None:
        session.add(
            AlertEvent(
                alert_id=row.id,
                at=change.at,
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
                at=change.at,
                kind=change.muted,
                level=change.state.level,
                evidence={"notification": change.due},
            )
        )


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


def active_silences(session: Session, now: datetime) -> list[Silence]:
    return list(session.scalars(select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now)))
