"""Turning a due notification into an outbox row: gather the evidence, route, render, enqueue."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.chart import trend_png
from alerts.config import ALL_SCOPE
from alerts.evidence import gather
from alerts.models import Alert
from alerts.render import render_alert, render_nodata
from alerts.routing import OPERATIONS, addresses, departments_for, robots_for
from common.urls import alert_url
from delivery.models import OutboxMessage
from delivery.outbox import enqueue
from storage.models import Source

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from yuqing.config import Settings


def notify(session: Session, settings: Settings, row: Alert, change, now: datetime) -> OutboxMessage | None:
    """Enqueue the email and the robot cards for ``change`` of alert ``row``; returns the first outbox row
    (``None`` if already queued)."""
    key = f"alert:{row.id}:{row.notifications}"
    if row.kind == "nodata":
        message, departments = _nodata_message(session, settings, row, change, now), [OPERATIONS]
    else:
        message, departments = _brand_message(session, settings, row, change, now)
    kind = f"alert-{change.notification}"
    recipients = addresses(settings.mail, departments)
    robots = robots_for(settings.robots, departments)
    queued = []
    # With neither addresses nor robots the email is still queued: it fails visibly ("no recipients").
    if recipients or not robots:
        queued.append(enqueue(session, kind=kind, recipients=recipients, subject=message.subject, text=message.text,
                              html=message.html, key=key, images=message.images, now=now))
    for name in robots:
        queued.append(enqueue(session, kind=kind, recipients=[], subject=message.subject, text=message.card,
                              html=None, key=f"{key}:robot:{name}", now=now,
                              channel=settings.robots[name].platform, destination=name))
    row.notifications += 1
    row.evidence = {**row.evidence, "departments": departments}
    return next((queued_row for queued_row in queued if queued_row is not None), None)


def _brand_message(session: Session, settings, row: Alert, change, now: datetime):
    alerts = settings.alerts
    brand, scope = row.subject, row.scope
    evidence = gather(session, alerts, brand, scope, now)
    if change.notification == "resolved":
        # The people told about the alert are the ones to hear it is over.
        departments = list((row.evidence or {}).get("departments") or ["pr"])
        level, previous = None, change.previous.last_notified_level or change.previous.level
    else:
        level, previous = change.state.level, change.previous.last_notified_level
        departments = departments_for(alerts, scope=scope, level=level, categories=evidence.categories)
    who = brand if scope == ALL_SCOPE else f"{brand}·{scope}"
    chart = trend_png(evidence.trend, settings.tz, title=f"{who} 近24小时负面声量")
    message = render_alert(
        settings=alerts,
        tz=settings.tz,
        alert_id=row.id,
        kind=change.notification,
        level=level,
        previous_level=previous,
        brand=brand,
        scope=scope,
        reasons=change.assessment.reasons if change.assessment else [],
        figures=change.figures or _empty(brand, scope),
        evidence=evidence,
        chart=chart,
        started_at=change.state.started_at or change.previous.started_at,
        level_since=change.state.level_since,
        now=now,
        departments=departments,
        alert_url=alert_url(settings.web, row.id),
    )
    return message, departments


def _empty(brand: str, scope: str):
    from alerts.indicators import Figures

    return Figures(brand, scope)


def _nodata_message(session: Session, settings, row: Alert, change, now: datetime):
    source = session.scalar(select(Source).where(Source.name == row.subject))
    since = change.detail.get("since")
    return render_nodata(
        source=row.subject,
        kind=source.kind if source else "",
        resolved=change.notification == "resolved",
        since=datetime.fromisoformat(since) if since else None,
        now=now,
        threshold=settings.alerts.nodata_after,
        row=source,
        tz=settings.tz,
    )
