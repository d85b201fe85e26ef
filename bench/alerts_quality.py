"""Alert quality benchmark: ``python -m bench.alerts_quality`` (``make bench-alerts-quality``).

Generated brand lives (:mod:`bench.scenarios`) are stored in a fresh SQLite database and replayed through the
rules exactly as ``yuqing alerts backtest`` does (same indicators, normals, state machine and mute stage, in
memory), for two sets of rules in the same run: the shipped defaults, and the rules shipped before brand
baselines (the baseline: the same thresholds and timers, nothing relative to the brand's normal; its growth is
measured against the same trailing days as the defaults', 28 instead of 7, as the figures are measured once for
both).

* calm months: three brands (small, medium, big) with 28 days of history, then 30 calm days replayed; every
  notification there is a false alarm, counted per level (firing or escalation to that level, not muted);
* crises: five brands with the same history, then a crisis of a given shape at a labelled onset; reported: the
  delay from the onset (fast crises) or from the labelled crossing (slow burn) to the first notification at or
  above each level, a miss when a warranted level never comes, and an over-escalation when a level above
  the one the crisis warrants is notified.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.backtest import Replayed, shown
from alerts.config import LEVELS
from alerts.engine import plan
from alerts.indicators import Samples, measure
from alerts.mute import mute
from alerts.rules import rank
from bench import scenarios
from demo import synthetic
from storage.db import Database
from yuqing.config import Settings

START = datetime(2026, 9, 1, tzinfo=UTC)
HISTORY_DAYS, REPLAY_DAYS = 28, 30
REPLAY_START = START + timedelta(days=HISTORY_DAYS)
CALM = {"小品牌": scenarios.SMALL, "中品牌": scenarios.MEDIUM, "大品牌": scenarios.BIG}
# Onsets at different hours of different days: 10:00, 21:30, 03:00 in Beijing ...
ONSETS = (
    REPLAY_START + timedelta(days=12, hours=2),
    REPLAY_START + timedelta(days=16, hours=13, minutes=30),
    REPLAY_START + timedelta(days=19, hours=19),
    REPLAY_START + timedelta(days=22, hours=6),
    REPLAY_START + timedelta(days=25, hours=1, minutes=20),
)
FAST_LIMIT, SLOW_LIMIT = timedelta(hours=2), timedelta(minutes=30)  # 30 min: the default crawl interval
AFTER_ONSET = timedelta(days=4)
# The rules shipped before brand baselines: their thresholds, nothing relative to the brand's normal.
TODAY = {
    "rules": {
        "一般": {"departure": 0, "conditions": {"customer_groups_6h": "off"}},
        "严重": {"departure": 0, "conditions": {"customer_groups_6h": "off", "negative_reach_6h": 1_000_000}},
        "重大": {"departure": 0},
    },
}


def build(database: Database) -> list[scenarios.Crisis]:
    days = HISTORY_DAYS + REPLAY_DAYS
    for seed, (brand, profile) in enumerate(CALM.items()):
        synthetic.store(database, scenarios.Life(brand, profile, seed).calm(START, days))
    crises = []
    for seed, (make, onset) in enumerate(zip(scenarios.CRISES, ONSETS, strict=True), start=10):
        life, crisis = make(f"危机{seed - 9}", onset, seed)
        synthetic.store(database, life.calm(START, days))
        synthetic.store(database, crisis.rows)
        crises.append(crisis)
    return crises


def notifications(found: list[Replayed]) -> list[Replayed]:
    """What people would have been told of a new level: firings and escalations that were not muted."""
    return [r for r in found if r.event in ("firing", "escalated") and not r.muted]


def replay_all(
    database: Database, variants: dict[str, dict], brands: list[str], step: timedelta
) -> dict[str, list[Replayed]]:
    """Replay the month once per step for every variant of the rules: the figures and normals are measured
    once (they do not depend on thresholds), each variant keeps its own alert states."""
    settings = {
        name: Settings.model_validate(
            {"storage": {"url": database.url}, "brands": [{"name": b} for b in brands], "alerts": alerts}
        ).alerts
        for name, alerts in variants.items()
    }
    measuring = next(iter(settings.values()))
    states: dict[str, dict] = {name: {} for name in settings}
    found: dict[str, list[Replayed]] = {name: [] for name in settings}
    samples = Samples()
    total = REPLAY_DAYS * timedelta(days=1) // step
    with database.session() as session:
        for done in range(total + 1):
            moment = REPLAY_START + done * step
            figures = measure(session, measuring, moment, live=False, samples=samples)
            for name, alerts in settings.items():
                for change in mute(plan(alerts, states[name], figures, moment), states[name]):
                    found[name].extend(shown(change))
            if done % 288 == 0:
                print(f"  day {done * step / timedelta(days=1):.0f}/{REPLAY_DAYS}", file=sys.stderr)
        session.rollback()
    return {name: notifications(items) for name, items in found.items()}


def calm_table(told: list[Replayed]) -> dict[str, Counter]:
    counts = {brand: Counter() for brand in CALM}
    for item in told:
        if item.brand in counts:
            counts[item.brand][item.level] += 1
    return counts


def crisis_rows(told: list[Replayed], crisis: scenarios.Crisis) -> dict:
    mine = [r for r in told if r.brand == crisis.brand]
    before = [r for r in mine if r.at < crisis.onset]
    after = [r for r in mine if crisis.onset <= r.at < crisis.onset + AFTER_ONSET]
    start = crisis.onset if crisis.fast else crisis.crossing
    delays = {}
    for level in LEVELS:
        first = next((r.at for r in after if rank(r.level) >= rank(level)), None)
        delays[level] = None if first is None else first - (crisis.onset if level != "重大" else start)
    over = [r for r in after if rank(r.level) > rank(crisis.expected)]
    return {"delays": delays, "false_before": len(before), "over": len(over), "start": start}


def _minutes(delay: timedelta | None) -> str:
    if delay is None:
        return "—"
    return f"{delay.total_seconds() / 60:+.0f}m"


def report(results: dict, crises: list[scenarios.Crisis]) -> bool:
    ok = True
    print("\ncalm months: false notifications per brand-month (一般 / 严重 / 重大)")
    print(f"  {'brand':<22}" + "".join(f"{name:>28}" for name in results))
    for brand, profile in CALM.items():
        cells = []
        for told in results.values():
            counts = calm_table(told)[brand]
            cells.append(" / ".join(str(counts[level]) for level in LEVELS))
        print(f"  {brand} ({profile.size}, {profile.per_day:g}/day)".ljust(24) + "".join(f"{c:>28}" for c in cells))
        counts = calm_table(results["shipped defaults"])[brand]
        ok &= counts["一般"] <= 4 and counts["严重"] + counts["重大"] <= 1
    print("\ncrises: first notification at or above each level, from the onset (重大 of the slow burn: from the")
    print("labelled crossing); — = never; 'over' = notifications above the level the crisis warrants")
    for crisis in crises:
        print(f"  {crisis.name} ({crisis.profile.size}, warrants {crisis.expected})")
        for name, told in results.items():
            row = crisis_rows(told, crisis)
            delays = "  ".join(f"{level} {_minutes(row['delays'][level])}" for level in LEVELS)
            print(f"    {name:<18} {delays}   over {row['over']}   false before onset {row['false_before']}")
            if name == "shipped defaults":
                ok &= _holds(crisis, row)
    return ok


def _holds(crisis: scenarios.Crisis, row: dict) -> bool:
    delays = row["delays"]
    if crisis.expected != "重大":
        return delays[crisis.expected] is not None and row["over"] == 0
    limit = FAST_LIMIT if crisis.fast else SLOW_LIMIT
    return delays["重大"] is not None and delays["重大"] <= limit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step", default=5, type=int, help="evaluation step in minutes (default 5)")
    args = parser.parse_args()
    step = timedelta(minutes=args.step)
    with tempfile.TemporaryDirectory() as workdir:
        database = Database(f"sqlite:///{Path(workdir) / 'quality.db'}")
        database.upgrade()
        crises = build(database)
        brands = [*CALM, *(c.brand for c in crises)]
        started = time.perf_counter()
        results = replay_all(database, {"shipped defaults": {}, "today's rules": TODAY}, brands, step)
        print(f"replayed {REPLAY_DAYS} days of {len(brands)} brands in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        database.dispose()
    ok = report(results, crises)
    before = len([r for r in results["today's rules"] if r.brand in CALM])
    after = len([r for r in results["shipped defaults"] if r.brand in CALM])
    print(f"\nfalse notifications in the calm months: today's rules {before}, shipped defaults {after} "
          f"-> {before / max(after, 1):.1f}x fewer")
    print("targets (≤4 一般 and ≤1 严重+ per calm brand-month; every crisis caught; 重大 ≤2 h after a fast onset, "
          f"≤30 min after a slow crossing): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
