"""The mute stage: silences and inhibition decide which due notifications go out.

Runs after :func:`alerts.engine.plan` on its changes, in memory, for the live engine and the backtest alike. A
muted notification is not forgotten: the state keeps what people were last told, so the notification is due
again at the next evaluation and goes out once the silence ends or the higher alert resolves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from alerts.change import BRAND, AlertKey, Change
from alerts.config import ALL_SCOPE
from alerts.models import Silence
from alerts.state import AlertState, forget_notified, inhibited_by, notified

SILENCED, INHIBITED = "silenced", "inhibited"


def silence_matcher(silences: Iterable[Silence]) -> Callable[[AlertKey], bool]:
    """True for a brand alert that an active silence covers (the brand, or one of its categories)."""
    silences = list(silences)

    def silenced(key: AlertKey) -> bool:
        return key[0] == BRAND and any(s.brand == key[1] and s.scope in (None, "", key[2]) for s in silences)

    return silenced


def mute(
    changes: list[Change],
    states: dict[AlertKey, AlertState],
    *,
    silenced: Callable[[AlertKey], bool] = lambda key: False,
) -> list[Change]:
    """Mark each due notification sent or muted; ``states`` and the changes get the resulting state.

    Inhibition compares the levels people see *before* this evaluation's notifications are recorded, so the
    outcome does not depend on the order of the changes.
    """
    shown: dict[str, list[tuple[AlertKey, str | None]]] = defaultdict(list)
    for key, state in states.items():
        if key[0] == BRAND:
            shown[key[1]].append((key, state.shown_level))
    for change in changes:
        if not change.due:
            continue
        change.muted = _reason(change, shown[change.key[1]], silenced) if change.key[0] == BRAND else None
        if not change.muted:
            change.state = notified(change.state, change.at)
        elif change.due == "resolved":
            change.state = forget_notified(change.state)
        states[change.key] = change.state
    return changes


def _reason(
    change: Change, shown: list[tuple[AlertKey, str | None]], silenced: Callable[[AlertKey], bool]
) -> str | None:
    if silenced(change.key):
        return SILENCED
    others = [(level, key[2]) for key, level in shown if key != change.key]
    if inhibited_by(change.state.shown_level, change.key[2], others, ALL_SCOPE):
        return INHIBITED
    return None
