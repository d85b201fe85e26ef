"""Alert persistence: the ``alerts`` rows as :class:`AlertState`, their events, and the active silences.

The engine loads every alert once per evaluation and writes back only what changed, in the transaction that
also holds the outbox rows, so a crash loses neither a state change nor its email.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from alerts.change import AlertKey, Change
from alerts.models import Alert, AlertEvent, Silence
from alerts.state import INACTIVE, AlertState
from delivery.models import OutboxMessage

# pg_advisory_xact_lock key of alert evaluation: the bytes of "yuqingAE" as a signed 64-bit number.
EVALUATION_LOCK = int.from_bytes(b"yuqingAE", "big", signed=True)


def load_alerts(session: Session) -> dict[AlertKey, Alert]:
    """Every alert row, read after any other evaluation has committed.

    Two evaluators at once (a manual ``yuqing alerts evaluate`` during the scheduler's, or two daemons) take
    turns: on PostgreSQL the second waits on a transaction-scoped advisory lock, so it plans from the first
    one's committed state instead of its own stale copy (which would tell people twice). SQLite already runs
    one writing transaction at a time (``BEGIN IMMEDIATE`` in :mod:`storage.db`). ``FOR UPDATE`` keeps an
    ``alerts ack`` from being overwritten by an evaluation that read the row before it.
    """
    statement = select(Alert)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVALUATION_LOCK})
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
    """The alert's row, created on its first change by an upsert: if another writer created it since this
    evaluation loaded the table, that row is used instead of failing on the unique key."""
    row = rows.get(key)
    if row is None:
        kind, subject, scope = key
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
        session.execute(
            insert(Alert)
            .values(
                kind=kind,
                subject=subject,
                scope=scope,
                state=INACTIVE,
                notifications=0,
                holding={},
                evidence={},
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["kind", "subject", "scope"])
        )
        row = rows[key] = session.scalars(
            select(Alert).where(Alert.kind == kind, Alert.subject == subject, Alert.scope == scope)
        ).one()
    return row


def unchanged(row: Alert | None, change: Change) -> bool:
    """True for an evaluation that changes nothing worth a write: no state change, and the notification is
    held back for the same reason as last time (a muted category under a firing brand alert, every minute)."""
    return (
        row is not None
        and not change.events
        and change.state == change.previous
        and change.notification is None
        and change.muted == (row.evidence or {}).get("muted")
    )


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


def record_events(
    session: Session, row: Alert, change: Change, outbox_row: OutboxMessage | None, muted_before: str | None
) -> None:
    """The history rows of one change: its state events, then what became of its notification (a muted one
    only when the reason is new: the change is logged, not the steady state)."""
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
    elif change.muted and change.muted != muted_before:
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
    data: dict = {"state": change.state.state, "level": change.state.level, "muted": change.muted}
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
