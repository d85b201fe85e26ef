"""Long commands report progress as they go: the backtest per evaluation step, the import per item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.backtest import replay
from yuqing.config import Settings
from yuqing.progress import tracked


def test_backtest_reports_every_evaluation_step(sqlite_database):
    settings = Settings.model_validate({"storage": {"url": sqlite_database.url}, "brands": [{"name": "青禾"}]})
    start = datetime(2026, 11, 20, tzinfo=UTC)
    calls: list[tuple[int, int]] = []
    replay(sqlite_database, settings, start, start + timedelta(minutes=30), step=timedelta(minutes=10),
           progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_tracked_yields_every_item_in_order():
    items = [f"mention {n}" for n in range(25)]
    assert list(tracked(items, "导入")) == items
