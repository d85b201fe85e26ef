"""The alert state machine, as pure functions: the engine persists it, the backtest keeps it in memory.

    inactive --holds--> pending --held `pending`--> firing --nothing holds, fired >= `min_firing`--> resolved
                                                    |  ^
                             higher level due: 升级  v  |  lower level, fired >= `min_firing`: 降级

Each level has its own pending timer: ``holding[level]`` is when that level (or a higher one) began to hold
without a break. What has been *notified* is kept apart from the state (``last_notified_level``), as
Alertmanager keeps its notification log apart from alert state: a notification is due when the two differ, or
when the repeat interval has passed. So a silence or an inhibition only delays what is due, and a message
cannot be sent twice for one change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from alerts.config import LEVELS
from alerts.rules import rank

INACTIVE, PENDING, FIRING, RESOLVED = "inactive", "pending", "firing", "resolved"
# How people see a state: `yuqing status` says it in Chinese.
STATE_NAMES = {PENDING: "待确认", FIRING: "预警中", RESOLVED: "已解除", INACTIVE: "未触发"}


@dataclass(frozen=True)
class Timers:
    pending: dict[str, timedelta]
    min_firing: dict[str, timedelta]


@dataclass(frozen=True)
class AlertState:
    state: str = INACTIVE
    level: str | None = None
    holding: dict[str, datetime] = field(default_factory=dict)
    started_at: datetime | None = None
    level_since: datetime | None = None
    resolved_at: datetime | None = None
    last_notified_level: str | None = None
    last_notified_at: datetime | None = None
    acknowledged_at: datetime | None = None

    @property
    def shown_level(self) -> str | None:
        """The level that counts for inhibition: the firing level, else the last one people were told
        about."""
        return self.level if self.state == FIRING else self.last_notified_level


def advance(
    state: AlertState, holds: str | None, now: datetime, timers: Timers
) -> tuple[AlertState, list[str]]:
    """The state after one evaluation in which level ``holds`` (or none), and the changes that happened."""
    holding = {level: state.holding.get(level, now) for level in LEVELS if rank(level) <= rank(holds)}
    due = max(
        (lv for lv, since in holding.items() if now - since >= timers.pending[lv]), key=rank, default=None
    )
    state = replace(state, holding=holding)

    if state.state == FIRING:
        if rank(due) > rank(state.level):
            return replace(state, level=due, level_since=now), ["escalated"]
        if rank(due) < rank(state.level) and now - state.level_since >= timers.min_firing[state.level]:
            if due is None:
                return replace(state, state=RESOLVED, level=None, level_since=None, resolved_at=now), [
                    "resolved"
                ]
            return replace(state, level=due, level_since=now), ["deescalated"]
        return state, []

    if due is not None:
        fired = replace(
            state,
            state=FIRING,
            level=due,
            started_at=now,
            level_since=now,
            resolved_at=None,
            acknowledged_at=None,
        )
        return fired, ["firing"]
    if holding:
        return (state, []) if state.state == PENDING else (replace(state, state=PENDING), ["pending"])
    if state.state == PENDING:
        return replace(state, state=INACTIVE), ["inactive"]
    return state, []


def notification_due(state: AlertState, now: datetime, repeat_interval: timedelta) -> str | None:
    """What people should now be told (firing, escalated, deescalated, repeat, resolved), or ``None``."""
    told = state.last_notified_level
    if state.state == FIRING:
        if told is None:
            return "firing"
        if rank(state.level) > rank(told):
            return "escalated"
        if rank(state.level) < rank(told):
            return "deescalated"
        if state.acknowledged_at is None and now - state.last_notified_at >= repeat_interval:
            return "repeat"
        return None
    if told is not None:
        return "resolved"
    return None


def notified(state: AlertState, now: datetime) -> AlertState:
    """The state once the due notification is on its way."""
    return replace(
        state, last_notified_level=state.level if state.state == FIRING else None, last_notified_at=now
    )


def forget_notified(state: AlertState) -> AlertState:
    """A resolve nobody is to hear about (silenced, inhibited): the next firing starts a fresh
    conversation."""
    return replace(state, last_notified_level=None) if state.state != FIRING else state


def inhibited_by(level: str | None, scope: str, others: list[tuple[str | None, str]], all_scope: str) -> bool:
    """True if another alert of the same brand, given as (shown level, scope), outranks this one: a higher
    level, or the same level brand-wide (its email already carries the category breakdown and routes to the
    departments)."""
    if level is None:
        return False
    for other_level, other_scope in others:
        if rank(other_level) > rank(level):
            return True
        if rank(other_level) == rank(level) and other_scope == all_scope and scope != all_scope:
            return True
    return False
