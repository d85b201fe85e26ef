"""No-data alerts: a source that has failed or been blocked for ``alerts.nodata_after`` goes to operations.

A silent source is a blind spot: a crisis that starts there would raise no brand alert at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.change import NODATA, AlertKey, Change
from alerts.state import INACTIVE, AlertState, Timers, advance, notification_due
from storage.models import Source

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from yuqing.config import Settings

LEVEL = "一般"
# The threshold itself is the waiting time: once over it, fire at once and resolve as soon as a crawl
# succeeds.
IMMEDIATE = Timers(
    pending={"一般": timedelta(0), "严重": timedelta(0), "重大": timedelta(0)},
    min_firing={"一般": timedelta(0), "严重": timedelta(0), "重大": timedelta(0)},
)


def failing_since(source: Source, now: datetime) -> datetime | None:
    """When the source stopped working, if it is not working now."""
    blocked = source.blocked_until is not None and source.blocked_until > now
    errored = source.last_error_at is not None and (
        source.last_success_at is None or source.last_error_at > source.last_success_at
    )
    if not (blocked or errored):
        return None
    if source.last_success_at is not None:
        return source.last_success_at
    return min(t for t in (source.blocked_at, source.last_error_at) if t is not None)


def nodata_plan(
    session: Session, settings: Settings, states: dict[AlertKey, AlertState], now: datetime
) -> list[Change]:
    """Advance every source's no-data alert; ``states`` is updated in place. Returns the changes, with the
    notification each makes due (never muted: a silence is about a brand, and operations must hear)."""
    configured = {source.name: source for source in settings.sources}
    threshold = settings.alerts.nodata_after
    changes = []
    rows = {row.name: row for row in session.scalars(select(Source))}
    keys = {(NODATA, name, "") for name in rows} | {
        k for k, s in states.items() if k[0] == NODATA and s.state != INACTIVE
    }
    for key in sorted(keys):
        row = rows.get(key[1])
        enabled = key[1] not in configured or configured[key[1]].enabled
        since = failing_since(row, now) if row is not None and enabled else None
        holds = LEVEL if since is not None and now - since >= threshold else None
        before = states.get(key, AlertState())
        after, events = advance(before, holds, now, IMMEDIATE)
        due = notification_due(after, now, settings.alerts.repeat_interval)
        states[key] = after
        if events or due or after != before:
            detail = {
                "source": key[1],
                "since": since.isoformat() if since else None,
                "threshold_hours": threshold.total_seconds() / 3600,
            }
            changes.append(
                Change(key=key, at=now, state=after, previous=before, events=events, due=due, detail=detail)
            )
    return changes
