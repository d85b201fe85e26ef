"""The alert engine's tables: alert state, its history and silences (the outbox is ``delivery.models``).

An alert's whole state lives in its row, so a restart of the evaluator neither forgets a firing alert nor
sends its notification again; every change is also an ``alert_events`` row with the figures that caused it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import delivery.models  # noqa: F401  (alert_events.outbox_id refers to its table)
from storage.models import Base


class Alert(Base):
    """One alert per (brand, complaint category or 全部), or per failing source (kind ``nodata``)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("kind", "subject", "scope", name="uq_alerts_kind_subject_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10))
    level: Mapped[str | None] = mapped_column(String(4))
    holding: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime | None]
    level_since: Mapped[datetime | None]
    last_notified_at: Mapped[datetime | None]
    last_notified_level: Mapped[str | None] = mapped_column(String(4))
    notifications: Mapped[int] = mapped_column(Integer, default=0)
    resolved_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]

    events: Mapped[list[AlertEvent]] = relationship(back_populates="alert", order_by="AlertEvent.id")


class AlertEvent(Base):
    """A change of an alert (pending, firing, escalated, deescalated, resolved, repeat, acknowledged) and
    why."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(4))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))

    alert: Mapped[Alert] = relationship(back_populates="events")


class Silence(Base):
    """No notifications for a brand (one category, or every scope when ``scope`` is empty) until
    ``ends_at``."""

    __tablename__ = "alert_silences"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str | None] = mapped_column(String(20))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(100))
