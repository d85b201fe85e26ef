"""What people do to alerts: acknowledge one, silence a brand for a time, end a silence early.

One function per action, so ``yuqing alerts ack`` and the button on the alert page change the same rows the
same way, and refuse the same things with the same words.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.models import Alert, AlertEvent, Silence
from alerts.state import FIRING, STATE_NAMES

# A silence longer than this is a rule change in disguise: turn the rule off in settings.toml instead.
MAX_SILENCE = timedelta(days=30)


class ActionError(ValueError):
    """An action that cannot be done as asked; the message is the one line the user sees (Chinese first)."""


def acknowledge(db, alert_id: int, by: str | None, now: datetime) -> Alert:
    """Mark a firing alert as seen: no more repeat reminders this episode; escalation and resolve still go out."""
    with db.session() as session:
        row = session.get(Alert, alert_id)
        if row is None:
            raise ActionError(f"没有编号为 #{alert_id} 的预警 (no alert #{alert_id})")
        if row.state != FIRING:
            raise ActionError(f"预警 #{alert_id} {STATE_NAMES.get(row.state, row.state)}，无需确认 "
                              f"(alert #{alert_id} is {row.state}, not firing: nothing to acknowledge)")
        if row.acknowledged_at is not None:
            raise ActionError(f"预警 #{alert_id} 已由 {row.acknowledged_by or '-'} 确认 (already acknowledged)")
        row.acknowledged_at, row.acknowledged_by = now, by
        session.add(AlertEvent(alert_id=row.id, at=now, kind="acknowledged", level=row.level, evidence={}, note=by))
        return row


def silence(db, *, brand: str, scope: str | None, duration: timedelta, reason: str, by: str | None,
            now: datetime, known_brands: set[str] | None = None) -> Silence:
    """No notifications for ``brand`` (one category, or all when ``scope`` is empty) for ``duration``."""
    if duration <= timedelta(0) or duration > MAX_SILENCE:
        raise ActionError("静默时长须在 1 分钟到 30 天之间 (a silence lasts from 1 minute to 30 days)")
    if not reason.strip():
        raise ActionError("请填写静默原因 (a silence needs a reason)")
    if known_brands and brand not in known_brands:
        raise ActionError(f"未知品牌 {brand!r} (unknown brand; known: {', '.join(sorted(known_brands))})")
    with db.session() as session:
        row = Silence(brand=brand, scope=scope or None, starts_at=now, ends_at=now + duration,
                      reason=reason.strip(), created_by=by)
        session.add(row)
        session.flush()
        return row


def end_silence(db, silence_id: int, now: datetime) -> Silence:
    """End a silence early. Ended, not deleted: the record of who silenced what, and why, stays."""
    with db.session() as session:
        row = session.get(Silence, silence_id)
        if row is None:
            raise ActionError(f"没有编号为 #{silence_id} 的静默 (no silence #{silence_id})")
        if row.ends_at <= now:
            raise ActionError(f"静默 #{silence_id} 已经结束 (silence #{silence_id} already ended)")
        row.ends_at = now
        return row
