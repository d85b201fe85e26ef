"""Per-brand thresholds from the brand's own history: ``yuqing alerts tune BRAND``.

The brand's recent days are measured as the backtest measures them (same indicators and normals). A level
*holds* at a moment when any of its conditions reaches its bar; each run of holding moments is one episode,
one notification. While a level has more episodes than the budget allows (by default one 一般 a week, no
严重 or 重大 at all), the condition behind most of them has its threshold raised just above its weakest
episode's peak. The proposal is only as good as the history: a real crisis in the replayed days is tuned away
like a false alarm, so the episodes removed are listed for a person to judge.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.catalog import INDICATORS
from alerts.config import LEVELS, AlertSettings, ResolvedRule
from alerts.indicators import Figures, Samples, measure
from alerts.rules import threshold_for

# Moments closer than this belong to one episode: a level that flickers is one notification, kept firing by
# min_firing.
EPISODE_GAP = timedelta(hours=1)


@dataclass(frozen=True)
class Budget:
    general_per_week: float = 1.0
    serious: int = 0
    major: int = 0

    def allowed(self, level: str, days: float) -> int:
        if level == "一般":
            return math.floor(self.general_per_week * days / 7)
        return self.serious if level == "严重" else self.major


@dataclass
class Proposal:
    """One level's thresholds for the brand: ``changes`` holds the raised ones (name -> (old, new)),
    ``before``/``after`` the episodes (start times) with the current and the proposed thresholds."""

    level: str
    allowed: int
    changes: dict[str, tuple[float, float]] = field(default_factory=dict)
    before: list[datetime] = field(default_factory=list)
    after: list[datetime] = field(default_factory=list)


# (moment, scope) -> the effective value of one condition: the figure when it also clears the brand's normal,
# else None (raising the threshold cannot make it hold).
Series = dict[str, list[tuple[datetime, str, float | None]]]


def history(
    db, settings: AlertSettings, brand: str, start: datetime, end: datetime, step: timedelta,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[datetime, dict[str, Figures]]]:  # fmt: skip
    """The brand's figures per scope at each step from ``start`` to ``end``."""
    total = (end - start) // step + 1
    moments, samples = [], Samples()
    with db.session() as session:
        for done in range(total):
            moment = start + done * step
            figures = measure(session, settings, moment, live=False, samples=samples)
            moments.append((moment, {scope: f for (b, scope), f in figures.items() if b == brand}))
            if progress:
                progress(done + 1, total)
        session.rollback()
    return moments


def propose(
    settings: AlertSettings, brand: str, moments: list[tuple[datetime, dict[str, Figures]]], budget: Budget
) -> list[Proposal]:
    days = (moments[-1][0] - moments[0][0]) / timedelta(days=1) if moments else 0
    proposals = []
    for level in LEVELS:
        rule = settings.level_rule(brand, level)
        series = _series(rule, moments)
        proposal = Proposal(level, budget.allowed(level, days))
        floors = dict(rule.thresholds)
        proposal.before = _episodes(series, floors)
        while len(episodes := _episodes(series, floors)) > proposal.allowed:
            name = max(floors, key=lambda n: len(_episodes({n: series[n]}, floors)))
            peaks = _peaks(series[name], floors[name])
            if not peaks:
                break
            floors[name] = _above(name, min(peaks))
            proposal.changes[name] = (rule.thresholds[name], floors[name])
        proposal.after = _episodes(series, floors) if proposal.changes else episodes
        proposals.append(proposal)
    return proposals


def _series(rule: ResolvedRule, moments: list[tuple[datetime, dict[str, Figures]]]) -> Series:
    series: Series = {name: [] for name in rule.thresholds}
    for moment, scopes in moments:
        for scope, figures in scopes.items():
            for name in rule.thresholds:
                value = figures.get(name)
                if value is not None:
                    bar, _ = threshold_for(rule, name, figures)
                    # The bar above the normal stays whatever the threshold: only a value clearing it can hold.
                    relative_bar = bar if bar > rule.thresholds[name] else -math.inf
                    series[name].append((moment, scope, value if value >= relative_bar else None))
    return series


def _episodes(series: Series, floors: dict[str, float]) -> list[datetime]:
    """Start times of the runs of moments at which any condition holds in any scope: a category alert at the
    brand-wide alert's level is inhibited, so the runs are merged across scopes."""
    moments = sorted(
        {moment for name, points in series.items() for moment, _, value in points
         if value is not None and value >= floors[name]}
    )  # fmt: skip
    return [m for i, m in enumerate(moments) if i == 0 or m - moments[i - 1] > EPISODE_GAP]


def _peaks(points: list[tuple[datetime, str, float | None]], floor: float) -> list[float]:
    """The highest value of each episode of one condition (any scope)."""
    peaks: list[float] = []
    last: datetime | None = None
    for moment, _, value in sorted(points, key=lambda p: p[0]):
        if value is None or value < floor:
            continue
        if last is not None and moment - last <= EPISODE_GAP:
            peaks[-1] = max(peaks[-1], value)
        else:
            peaks.append(value)
        last = moment
    return peaks


def _above(name: str, value: float) -> float:
    """The next threshold a figure of ``value`` would not reach, rounded the way people write thresholds."""
    unit = INDICATORS[name.rpartition("_")[0]].unit
    if unit == "%":
        return math.floor(value * 100 + 1) / 100
    if unit == "倍":
        return math.floor(value * 2 + 1) / 2
    if value >= 1000:
        magnitude = 10 ** (int(math.log10(value)) - 1)
        return (math.floor(value / magnitude) + 1) * magnitude
    return float(math.floor(value) + 1)


def toml(brand: str, proposals: list[Proposal]) -> str:
    """The settings lines of the proposal, ready to paste into ``settings.toml``."""
    lines = []
    for proposal in proposals:
        if proposal.changes:
            lines.append(f'[alerts.brands."{brand}".rules."{proposal.level}".conditions]')
            lines += [f"{name} = {new:g}" for name, (_, new) in proposal.changes.items()]
            lines.append("")
    return "\n".join(lines)
