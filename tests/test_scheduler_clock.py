"""The daemon under a scripted clock: jobs run at their intervals, and the job store follows settings.toml.

APScheduler reads the time through ``datetime.now``; the scripted clock replaces it in APScheduler's modules, and the
scheduler dispatches each due job synchronously when the test calls ``tick``. The crawls are real processes (a
stand-in command that notes which source it crawled), so this is the daemon's own code path end to end.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler

import yuqing.daemon as scheduler_daemon
from storage.db import Database
from yuqing.config import load_settings

SOURCES = """
[scheduler]
jitter = "0s"
outbox_interval = "5m"
retention_time = "03:30"

[alerts]
evaluation_interval = "1m"

{sources}
"""

SOURCE = """
[[sources]]
name = "{name}"
kind = "forum"
spider = "feed"
urls = ["http://127.0.0.1:9/feed.xml"]
interval = "{interval}"
enabled = {enabled}
"""

# Notes the source it was asked to crawl: proof the daemon started a process for it.
NOTE_CRAWL = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n')"


class ScriptedClock:
    current: ScriptedClock | None = None

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class ScriptedDatetime(datetime):
    """``datetime`` whose ``now`` is the scripted clock (module level: the job store pickles what it touches)."""

    @classmethod
    def now(cls, tz=None):
        now = ScriptedClock.current.now
        return now.astimezone(tz) if tz else now.replace(tzinfo=None)


class ManualScheduler(BaseScheduler):
    """Runs due jobs only when told to, in the calling thread."""

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def wakeup(self) -> None:
        pass

    def tick(self) -> None:
        self._process_jobs()


@pytest.fixture
def clock(monkeypatch):
    scripted = ScriptedClock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(ScriptedClock, "current", scripted)
    for module in ("apscheduler.schedulers.base", "apscheduler.executors.base", "apscheduler.triggers.interval",
                   "apscheduler.triggers.date"):
        monkeypatch.setattr(f"{module}.datetime", ScriptedDatetime)
    monkeypatch.setattr(scheduler_daemon, "system_clock", lambda: scripted.now)
    return scripted


def sources_toml(*sources: tuple[str, str, bool]) -> str:
    return "".join(SOURCE.format(name=n, interval=i, enabled=str(e).lower()) for n, i, e in sources)


class Harness:
    """A daemon on a manual scheduler whose crawls append to ``crawl_log`` and whose evaluations are counted."""

    def __init__(self, tmp_path, write_settings, clock: ScriptedClock) -> None:
        self.tmp_path = tmp_path
        self.write_settings = write_settings
        self.clock = clock
        self.crawl_log = tmp_path / "crawls.log"
        self.crawl_log.touch()
        self.evaluations = 0
        self.daemon: scheduler_daemon.Daemon | None = None

    def start(self, *sources: tuple[str, str, bool]) -> scheduler_daemon.Reconciliation:
        path = self.write_settings(SOURCES.format(sources=sources_toml(*sources)))
        settings = load_settings(path)
        db = Database(settings.storage.url)
        db.upgrade()
        log = str(self.crawl_log)
        self.daemon = scheduler_daemon.Daemon(
            settings, path, db, clock=lambda: self.clock.now,
            crawl_argv=lambda _path, name: [sys.executable, "-c", NOTE_CRAWL, log, name])
        self.daemon.evaluate = self._count_evaluation
        self.daemon.deliver = lambda: None
        return self.daemon.start(ManualScheduler, {"default": DebugExecutor(), "crawl": DebugExecutor()})

    def _count_evaluation(self) -> None:
        self.evaluations += 1

    def run_for(self, minutes: int) -> None:
        for _ in range(minutes):
            self.clock.advance(timedelta(minutes=1))
            self.daemon.scheduler.tick()

    def crawls(self) -> list[str]:
        return self.crawl_log.read_text().split()

    def stop(self) -> None:
        self.daemon.scheduler.shutdown()
        self.daemon.db.dispose()

    def next_runs(self) -> dict[str, datetime]:
        return {job.id: job.next_run_time for job in self.daemon.scheduler.get_jobs()}


@pytest.fixture
def harness(tmp_path, write_settings, clock):
    made = Harness(tmp_path, write_settings, clock)
    yield made
    if made.daemon and made.daemon.scheduler.running:
        made.stop()


def test_each_enabled_source_is_crawled_at_its_own_interval(harness):
    harness.start(("weibo", "10m", True), ("tieba", "30m", True), ("zhihu", "5m", False))
    harness.daemon.scheduler.tick()
    harness.run_for(60)
    crawls = harness.crawls()
    # First crawl at start, then every interval for an hour.
    assert crawls.count("weibo") == 7
    assert crawls.count("tieba") == 3
    assert "zhihu" not in crawls


def test_alerts_are_evaluated_every_minute_and_after_every_crawl(harness):
    harness.start(("weibo", "10m", True))
    harness.run_for(30)
    crawls = len(harness.crawls())
    assert crawls == 4  # at start, then at 10, 20 and 30 minutes
    assert harness.evaluations == 30 + crawls


def test_restart_keeps_each_jobs_next_run_and_runs_nothing_twice(harness):
    report = harness.start(("weibo", "10m", True), ("tieba", "30m", True))
    assert {"crawl:weibo", "crawl:tieba", "alerts:evaluate", "alerts:outbox", "storage:retention"} <= set(report.added)
    harness.run_for(15)
    before = harness.next_runs()
    harness.stop()

    report = harness.start(("weibo", "10m", True), ("tieba", "30m", True))
    assert report.added == report.removed == report.retimed == []
    assert harness.next_runs() == before
    harness.run_for(15)
    # Over 30 minutes across the restart: weibo at 0, 10, 20, 30; tieba at 0 and 30.
    assert harness.crawls().count("weibo") == 4
    assert harness.crawls().count("tieba") == 2


def test_settings_changes_add_remove_and_retime_jobs_at_start_up(harness):
    harness.start(("weibo", "10m", True), ("tieba", "30m", True), ("heimao", "1h", True))
    harness.run_for(1)
    harness.stop()

    report = harness.start(("weibo", "2m", True), ("tieba", "30m", False), ("zhihu", "20m", True))
    assert report.added == ["crawl:zhihu"]
    assert sorted(report.removed) == ["crawl:heimao", "crawl:tieba"]
    assert report.retimed == ["crawl:weibo"]
    jobs = {job.id: job for job in harness.daemon.scheduler.get_jobs()}
    assert jobs["crawl:weibo"].trigger.interval == timedelta(minutes=2)
    assert not any(job_id in jobs for job_id in ("crawl:tieba", "crawl:heimao"))

    log_before = len(harness.crawls())
    harness.run_for(10)
    new = harness.crawls()[log_before:]
    assert new.count("weibo") == 6  # at 0 (re-timed: soon), 2, 4, 6, 8, 10
    assert new.count("zhihu") == 1
    assert "tieba" not in new and "heimao" not in new


def test_a_missed_run_within_the_grace_time_runs_once_not_once_per_missed_interval(harness):
    harness.start(("weibo", "1m", True))
    harness.daemon.scheduler.tick()
    harness.stop()
    # Down for five intervals, back within the misfire grace (15 minutes by default).
    harness.clock.advance(timedelta(minutes=5, seconds=30))
    harness.start(("weibo", "1m", True))
    before = len(harness.crawls())
    harness.daemon.scheduler.tick()
    assert len(harness.crawls()) - before == 1


def test_jobs_are_stored_by_reference_so_a_new_process_can_load_them(harness):
    harness.start(("weibo", "10m", True))
    refs = {job.id: job.func_ref for job in harness.daemon.scheduler.get_jobs()}
    assert refs["crawl:weibo"] == "scheduler:crawl_source"
    assert refs["alerts:evaluate"] == "scheduler:evaluate_alerts"
    assert refs["storage:retention"] == "scheduler:clean_up"


def test_every_stored_job_reference_resolves_through_scheduler_py_to_the_daemons_own_function(harness):
    from apscheduler.util import ref_to_obj

    harness.start(("weibo", "10m", True))
    settings = harness.daemon.settings
    for spec in [*scheduler_daemon.desired_jobs(settings).values(),
                 *scheduler_daemon.desired_jobs(settings, fleet=True).values()]:
        module, _, name = spec.func.partition(":")
        assert module == "scheduler"
        assert ref_to_obj(spec.func) is getattr(scheduler_daemon, name), spec.id


def test_scheduler_py_stays_a_thin_entry_point_so_the_layering_contract_covers_the_daemon():
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).parents[1] / "scheduler.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert imported == {"sys", "yuqing.daemon", "yuqing.cli"}
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)]
