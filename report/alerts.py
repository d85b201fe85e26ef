"""Alerts as people read them: the list of alerts and one alert with its figures, history and evidence.

``yuqing alerts list`` and the alert pages read through these functions; changes go through
:mod:`alerts.actions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from alerts.evidence import TopMention, top_mentions, trend
from alerts.indicators import Figures
from alerts.models import Alert, AlertEvent, Silence
from alerts.render import figures_table
from alerts.response import DueStep, due_steps
from alerts.state import INACTIVE, RESOLVED
from alerts.store import active_silences
from delivery.models import OutboxMessage
from report.incident import OfficialPost, official_posts, reason_texts

EVENT_NAMES = {
    "pending": "开始满足条件", "inactive": "条件不再满足", "firing": "触发", "escalated": "升级", "deescalated": "降级",
    "resolved": "解除", "repeat": "重复提醒", "notified": "通知发出", "acknowledged": "已确认",
    "silenced": "通知被静默", "inhibited": "通知被更高级别预警合并",
}
DELIVERY_NAMES = {"sent": "已送达", "pending": "待发送", "sending": "发送中", "failed": "发送失败",
                  "deleted": "记录已清理"}
TIMELINE_LIMIT = 300
MUTED = ("silenced", "inhibited")


@dataclass(frozen=True)
class AlertSummary:
    id: int
    kind: str
    subject: str
    scope: str
    state: str
    level: str | None
    started_at: datetime | None
    resolved_at: datetime | None
    last_notified_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    reasons: list[str]
    raw_reasons: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    name: str
    level: str | None
    detail: str
    recipients: tuple[str, ...] = ()
    delivery: str | None = None


@dataclass
class AlertDetail:
    alert: AlertSummary
    figures_header: list[str]
    figures_rows: list[list[str]]
    trend: list[tuple[datetime, int]]
    timeline: list[TimelineEntry]
    top: list[TopMention]
    official: list[OfficialPost]
    steps: list[DueStep]
    silences: list[Silence]


def _summary(row: Alert) -> AlertSummary:
    evidence = row.evidence or {}
    return AlertSummary(row.id, row.kind, row.subject, row.scope, row.state, row.level, row.started_at,
                        row.resolved_at, row.last_notified_at, row.acknowledged_at, row.acknowledged_by,
                        reason_texts(evidence), list(evidence.get("reasons") or []))


def alert_list(db, *, include_resolved: bool = False) -> list[AlertSummary]:
    """Alerts that are pending or firing (and resolved ones when asked), the latest change first."""
    with db.session() as session:
        rows = session.scalars(select(Alert).where(Alert.state != INACTIVE).order_by(Alert.updated_at.desc()))
        return [_summary(r) for r in rows if include_resolved or r.state != RESOLVED]


def current_silences(db, now: datetime | None = None) -> list[Silence]:
    with db.session() as session:
        found = active_silences(session, now or datetime.now(UTC))
        session.expunge_all()
        return found


def alert_detail(db, settings, alert_id: int, now: datetime | None = None) -> AlertDetail | None:
    """Everything the alert page shows; ``None`` when there is no such alert."""
    now = now or datetime.now(UTC)
    with db.session() as session:
        row = session.get(Alert, alert_id)
        if row is None:
            return None
        evidence = row.evidence or {}
        figures = Figures(row.subject, row.scope, values=dict(evidence.get("figures") or {}),
                          baselines=dict(evidence.get("baselines") or {}))
        header, rows = figures_table(settings.alerts, figures)
        brand_alert = row.kind == "brand"
        since = now - settings.alerts.windows[-1]
        detail = AlertDetail(
            alert=_summary(row), figures_header=header, figures_rows=rows,
            trend=trend(session, row.subject, row.scope, now) if brand_alert else [],
            timeline=_timeline(session, row),
            top=top_mentions(session, settings.alerts, row.subject, row.scope, now, since) if brand_alert else [],
            official=official_posts(session, row.subject, (row.started_at or since) - timedelta(hours=1), now)
            if brand_alert else [],
            steps=due_steps(row.level, row.level_since) if row.level and row.level_since else [],
            silences=[s for s in active_silences(session, now) if s.brand == row.subject],
        )
        session.expunge_all()
        return detail


def _timeline(session, row: Alert) -> list[TimelineEntry]:
    """The alert's changes and notifications, newest first, each notification with whom it went to."""
    events = list(session.scalars(select(AlertEvent).where(AlertEvent.alert_id == row.id)
                                  .order_by(AlertEvent.at.desc(), AlertEvent.id.desc()).limit(TIMELINE_LIMIT)))
    ids = [e.outbox_id for e in events if e.outbox_id is not None]
    messages = {m.id: m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))} \
        if ids else {}
    entries: list[TimelineEntry] = []
    for event in events:
        if event.kind in MUTED and entries and entries[-1].kind == event.kind:
            continue  # logged at every evaluation while muted: the newest of a run stands for it
        message = messages.get(event.outbox_id) if event.outbox_id else None
        if event.kind == "notified":
            detail = event.note or ""
        elif event.kind == "acknowledged":
            detail = f"确认人：{event.note or '未填写'}"
        else:
            detail = "；".join(reason_texts(event.evidence)[:3])
        delivery = None
        if message is not None:
            delivery = DELIVERY_NAMES.get(message.state, message.state)
        entries.append(TimelineEntry(event.at, event.kind, EVENT_NAMES.get(event.kind, event.kind), event.level,
                                     detail, tuple(message.recipients) if message else (), delivery))
    return entries
