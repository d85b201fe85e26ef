"""The daemon (``yuqing run``): every job on its timer, each crawl in a process of its own, all state in the database.

Jobs live in a persistent APScheduler job store (table ``scheduler_jobs`` in the project's database), so a restart
keeps every job's next run time. At start-up the store is reconciled with the settings: a source added, removed or
re-timed in settings.toml adds, removes or re-times its job (ids come from source names: ``crawl:<name>``).

The store pickles jobs, so a job is a module-level function named by a textual reference (``scheduler:crawl_source``)
with picklable arguments only; what it works with (settings, database, clock) comes from the running :class:`Daemon`.

Nothing here makes delivery exactly-once by itself: a crawl writes through idempotent upserts and mail leaves through
the outbox, so a daemon killed at any moment and started again neither loses nor repeats anything.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED, BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from yuqing.config import Settings

log = logging.getLogger("yuqing.scheduler")

JOBSTORE_TABLE = "scheduler_jobs"
CRAWL_PREFIX = "crawl:"
EVALUATE_JOB = "alerts:evaluate"
OUTBOX_JOB = "alerts:outbox"
DIGEST_JOB = "digest:daily"
RETENTION_JOB = "storage:retention"
# A late digest is still worth sending the same morning; a late crawl is simply the next crawl.
DIGEST_MISFIRE_GRACE = timedelta(hours=6)
# How long a crawl that was asked to stop (SIGTERM: Scrapy closes the spider and flushes) gets before SIGKILL.
TERMINATE_GRACE = 10.0


def system_clock() -> datetime:
    return datetime.now(UTC)


def yuqing_crawl_argv(settings_path: Path, source_name: str) -> list[str]:
    """The crawl command the daemon runs for one source: the same ``yuqing crawl`` a user runs by hand."""
    return [sys.executable, "-m", "yuqing.cli", "--settings", str(settings_path), "crawl", source_name]


@dataclass(frozen=True)
class JobSpec:
    """A job as the settings want it. ``name`` says what it does and when, so a changed schedule is a changed name."""

    id: str
    func: str
    trigger: BaseTrigger
    name: str
    args: tuple = ()
    executor: str = "default"
    misfire_grace: timedelta = timedelta(minutes=15)
    first_run: datetime | None = None

    def matches(self, job) -> bool:
        return (job.name == self.name and job.func_ref == self.func and tuple(job.args) == self.args
                and job.executor == self.executor
                and job.misfire_grace_time == int(self.misfire_grace.total_seconds()))


def _short(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    for unit, suffix in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= unit and seconds % unit == 0:
            return f"{seconds // unit}{suffix}"
    return f"{seconds}s"


def desired_jobs(settings: Settings, now: datetime | None = None) -> dict[str, JobSpec]:
    """Every job the settings ask for, by id."""
    now = now or system_clock()
    config = settings.scheduler
    grace = config.misfire_grace
    jobs: list[JobSpec] = []
    for source in settings.sources:
        if not source.enabled:
            continue
        # More jitter than half an interval would let two runs of one source bunch up.
        jitter = min(config.jitter, source.interval / 2)
        jobs.append(JobSpec(
            id=CRAWL_PREFIX + source.name,
            func="scheduler:crawl_source",
            trigger=IntervalTrigger(seconds=source.interval.total_seconds(),
                                    jitter=int(jitter.total_seconds()) or None, timezone=settings.tz),
            name=f"crawl {source.name} every {_short(source.interval)} (±{_short(jitter)})",
            args=(source.name,),
            executor="crawl",
            misfire_grace=grace,
            # A new or re-timed source is crawled soon, spread over the jitter rather than all at once.
            first_run=now + timedelta(seconds=random.uniform(0, jitter.total_seconds())),
        ))
    if settings.alerts.enabled:
        interval = settings.alerts.evaluation_interval
        jobs.append(JobSpec(EVALUATE_JOB, "scheduler:evaluate_alerts",
                            IntervalTrigger(seconds=interval.total_seconds(), timezone=settings.tz),
                            f"evaluate alerts every {_short(interval)}", misfire_grace=grace))
    jobs.append(JobSpec(OUTBOX_JOB, "scheduler:send_outbox",
                        IntervalTrigger(seconds=config.outbox_interval.total_seconds(), timezone=settings.tz),
                        f"send outbox every {_short(config.outbox_interval)}", misfire_grace=grace))
    digest_time = _digest_time(settings)
    if digest_time:
        hour, minute = digest_time
        jobs.append(JobSpec(DIGEST_JOB, "scheduler:send_daily_digest",
                            CronTrigger(hour=hour, minute=minute, timezone=settings.tz),
                            f"daily digest at {hour:02d}:{minute:02d} {settings.timezone}",
                            misfire_grace=max(grace, DIGEST_MISFIRE_GRACE)))
    hour, minute = (int(part) for part in config.retention_time.split(":"))
    jobs.append(JobSpec(RETENTION_JOB, "scheduler:clean_up",
                        CronTrigger(hour=hour, minute=minute, timezone=settings.tz),
                        f"delete mentions older than {_short(settings.storage.retention)} "
                        f"daily at {config.retention_time}",
                        misfire_grace=max(grace, DIGEST_MISFIRE_GRACE)))
    return {job.id: job for job in jobs}


def _digest_time(settings: Settings) -> tuple[int, int] | None:
    if not settings.digest.enabled:
        return None
    hour, minute = settings.digest.time.split(":")
    return int(hour), int(minute)


@dataclass
class Reconciliation:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retimed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def reconcile(scheduler: BaseScheduler, settings: Settings, now: datetime | None = None) -> Reconciliation:
    """Make the job store hold exactly the jobs the settings ask for; unchanged jobs keep their next run time."""
    desired = desired_jobs(settings, now)
    existing = {job.id: job for job in scheduler.get_jobs()}
    report = Reconciliation()
    for job_id in sorted(existing.keys() - desired.keys()):
        scheduler.remove_job(job_id)
        report.removed.append(job_id)
    for spec in desired.values():
        job = existing.get(spec.id)
        if job is not None and spec.matches(job):
            report.kept.append(spec.id)
            continue
        options = {"next_run_time": spec.first_run} if spec.first_run else {}
        scheduler.add_job(spec.func, spec.trigger, id=spec.id, name=spec.name, args=list(spec.args),
                          executor=spec.executor, replace_existing=True, max_instances=1, coalesce=True,
                          misfire_grace_time=int(spec.misfire_grace.total_seconds()), **options)
        (report.retimed if job is not None else report.added).append(spec.id)
    return report


class DaemonScheduler(BackgroundScheduler):
    """APScheduler's background scheduler, minus a shutdown race: its loop can wake from a timed wait after
    ``shutdown`` began and submit jobs to executors already shut down. A loop that is not running submits nothing."""

    def _process_jobs(self):
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()


@dataclass
class CrawlOutcome:
    source: str
    status: str  # "ok", "failed", "timeout", "crashed", "stopped", "skipped"
    summary: str
    seconds: float = 0.0


class Daemon:
    """The running daemon: the scheduler, the crawl processes it started, and what every job needs."""

    def __init__(self, settings, settings_path: str | os.PathLike[str], db, *,
                 clock: Callable[[], datetime] = system_clock,
                 crawl_argv: Callable[[Path, str], list[str]] = yuqing_crawl_argv) -> None:
        self.settings = settings
        self.settings_path = Path(settings_path).resolve()
        self.db = db
        self.clock = clock
        self.crawl_argv = crawl_argv
        self.scheduler: BaseScheduler | None = None
        self.stopping = threading.Event()
        self._children: dict[str, subprocess.Popen] = {}
        self._children_lock = threading.Lock()
        self._evaluation_lock = threading.Lock()
        self._outbox_lock = threading.Lock()

    # --- the scheduler -------------------------------------------------------------------------------------------

    def build_scheduler(self, scheduler_class: type[BaseScheduler] = DaemonScheduler,
                        executors: dict | None = None) -> BaseScheduler:
        store = SQLAlchemyJobStore(engine=self.db.engine, tablename=JOBSTORE_TABLE)
        executors = executors or {
            "crawl": ThreadPoolExecutor(self.settings.scheduler.max_parallel_crawls),
            # Alert evaluation and mail must not wait behind a slow crawl.
            "default": ThreadPoolExecutor(3),
        }
        return scheduler_class(jobstores={"default": store}, executors=executors, timezone=self.settings.tz)

    def start(self, scheduler_class: type[BaseScheduler] = DaemonScheduler,
              executors: dict | None = None) -> Reconciliation:
        """Start the scheduler with its job store reconciled to the settings; jobs begin to run."""
        global _current
        _current = self
        self.scheduler = self.build_scheduler(scheduler_class, executors)
        self.scheduler.start(paused=True)
        report = reconcile(self.scheduler, self.settings)
        self.scheduler.resume()
        return report

    def stop(self, grace: float | None = None) -> None:
        """Take no new work, give running crawls ``grace`` seconds to finish, stop the rest, wait for every job."""
        self.stopping.set()
        grace = self.settings.scheduler.stop_grace.total_seconds() if grace is None else grace
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
        deadline = time.monotonic() + grace
        while self.running_crawls() and time.monotonic() < deadline:
            time.sleep(0.2)
        for name, process in self._snapshot_children():
            log.warning("stopping crawl %s: still running after %.0fs", name, grace)
            terminate(process)
        if self.scheduler is not None and self.scheduler.state != STATE_STOPPED:
            self.scheduler.shutdown(wait=True)

    def running_crawls(self) -> list[str]:
        return [name for name, _ in self._snapshot_children()]

    def _snapshot_children(self) -> list[tuple[str, subprocess.Popen]]:
        with self._children_lock:
            return list(self._children.items())

    # --- the work ------------------------------------------------------------------------------------------------

    def run_crawl(self, source_name: str) -> CrawlOutcome:
        """One crawl in its own process, within its time limit; a crash or hang is recorded on the source's row."""
        source = self.settings.source(source_name)
        if self.stopping.is_set():
            return CrawlOutcome(source.name, "skipped", "daemon is stopping")
        timeout = self.settings.scheduler.crawl_timeout_for(source.name).total_seconds()
        started_at, started = system_clock(), time.monotonic()
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
            # A session of its own: Ctrl-C on the daemon's terminal must not reach the crawl before the daemon
            # decides whether to wait for it, and a timeout kills the crawl without touching the daemon.
            process = subprocess.Popen(self.crawl_argv(self.settings_path, source.name), stdout=subprocess.PIPE,
                                       stderr=stderr, text=True, start_new_session=True)
            with self._children_lock:
                self._children[source.name] = process
            try:
                try:
                    stdout, _ = process.communicate(timeout=timeout)
                    timed_out = False
                except subprocess.TimeoutExpired:
                    terminate(process)
                    stdout, _ = process.communicate()
                    timed_out = True
            finally:
                with self._children_lock:
                    self._children.pop(source.name, None)
            stderr.seek(0)
            error_tail = _tail(stderr.read())
        seconds = time.monotonic() - started
        summary = [line.strip() for line in (stdout or "").strip().splitlines()]
        # `yuqing crawl` prints its counts, then one indented line per error or block: keep the reason on screen.
        line = "; ".join(summary[:1] + [extra for extra in summary[1:] if extra.startswith(("error:", "blocked:"))])
        outcome = _classify(source.name, process.returncode, timed_out, self.stopping.is_set(),
                            line, error_tail, timeout, seconds)
        if outcome.status in ("timeout", "crashed") and not self._recorded_since(source, started_at):
            self._record_failure(source, outcome.summary)
        log.log(logging.INFO if outcome.status == "ok" else logging.WARNING, "crawl %s: %s (%.1fs)",
                source.name, outcome.summary, seconds)
        return outcome

    def _recorded_since(self, source, moment: datetime) -> bool:
        from sqlalchemy import select

        from storage.models import Source

        with self.db.session() as session:
            last = session.scalar(select(Source.last_run_at).where(Source.name == source.name))
        return last is not None and last >= moment

    def _record_failure(self, source, error: str) -> None:
        from storage.repo import get_or_create_source, record_run

        with self.db.session() as session:
            row = get_or_create_source(session, source.name, source.kind)
            record_run(session, row, items=0, new=0, error=error[:2000])

    def evaluate(self) -> None:
        """Alert evaluation on the daemon's clock, then whatever it queued goes out at once."""
        if not self.settings.alerts.enabled:
            return
        from alerts.engine import evaluate

        with self._evaluation_lock, _busy_database_tolerated("alert evaluation"):
            evaluate(self.db, self.settings, now=self.clock())
        self.deliver()

    def deliver(self) -> None:
        from delivery.outbox import deliver_pending

        with self._outbox_lock, _busy_database_tolerated("outbox delivery"):
            deliver_pending(self.db, self.settings, now=self.clock())

    def send_digest(self, day=None) -> None:
        """Queue the digest (of yesterday unless ``day`` is given) and send it with whatever else is due."""
        from digest.send import send_digest

        send_digest(self.db, self.settings, day=day)
        self.deliver()

    def clean_up(self) -> int:
        cutoff = self.clock() - self.settings.storage.retention
        from storage.retention import purge_mentions_before

        deleted = purge_mentions_before(self.db, cutoff)
        log.info("retention: deleted %d mentions published before %s", deleted, cutoff.isoformat())
        return deleted

    # --- running as a service ------------------------------------------------------------------------------------

    def run_until_stopped(self) -> int:
        """Start, then block until SIGTERM or SIGINT; a second signal stops running crawls at once."""
        signals_seen = []

        def on_signal(signum, _frame) -> None:
            signals_seen.append(signum)
            if len(signals_seen) > 1:
                for _, process in self._snapshot_children():
                    terminate(process)
            self.stopping.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            report = self.start()
            log.info("daemon started: %d jobs (%d added, %d re-timed, %d removed, %d kept)",
                     len(report.added) + len(report.retimed) + len(report.kept), len(report.added),
                     len(report.retimed), len(report.removed), len(report.kept))
            self.stopping.wait()
            log.info("stopping: %s", ", ".join(self.running_crawls()) or "no crawl running")
            self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.db.dispose()
        log.info("daemon stopped")
        return 0


@contextmanager
def _busy_database_tolerated(what: str):
    """A crawl process holding SQLite's write lock can make one evaluation fail; its transaction rolled back whole,
    and the next run (a minute away at most) does the same work, so this is a warning, not a failed job."""
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        log.warning("%s postponed: the database is busy (%s)", what, str(exc.orig)[:100])


def _classify(name: str, code: int | None, timed_out: bool, stopping: bool, line: str, error_tail: str,
              timeout: float, seconds: float) -> CrawlOutcome:
    if timed_out:
        return CrawlOutcome(name, "timeout", f"timed out after {_short(timedelta(seconds=timeout))}; killed",
                            seconds)
    if stopping and code not in (0, 1, 3):
        return CrawlOutcome(name, "stopped", "stopped with the daemon", seconds)
    if code == 0:
        return CrawlOutcome(name, "ok", line or "done", seconds)
    if code in (1, 3) and line.startswith(f"{name}:"):
        # `yuqing crawl` ran to the end and recorded the error or block on the source's row itself.
        return CrawlOutcome(name, "failed", line, seconds)
    return CrawlOutcome(name, "crashed", f"crawl process exited with status {code}: {error_tail}", seconds)


def _tail(text: str, limit: int = 600) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-3:])[-limit:] or "no output"


def terminate(process: subprocess.Popen) -> None:
    """SIGTERM (Scrapy closes the spider and flushes its items), then SIGKILL if it does not go."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(TERMINATE_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


# --- the jobs: module-level functions the job store names by reference ---------------------------------------------

_current: Daemon | None = None


def _daemon() -> Daemon:
    if _current is None:
        raise RuntimeError("scheduler jobs run inside a started Daemon")
    return _current


def crawl_source(source_name: str) -> None:
    """Crawl one source, then evaluate alerts on what it brought in."""
    daemon = _daemon()
    outcome = daemon.run_crawl(source_name)
    if outcome.status not in ("skipped", "stopped"):
        daemon.evaluate()


def evaluate_alerts() -> None:
    _daemon().evaluate()


def send_outbox() -> None:
    _daemon().deliver()


def send_daily_digest() -> None:
    _daemon().send_digest()


def clean_up() -> None:
    _daemon().clean_up()


if __name__ == "__main__":
    # `python scheduler.py` is `yuqing run`; going through the CLI keeps one copy of this module's globals.
    from yuqing.cli import main

    sys.exit(main([*sys.argv[1:], "run"]))
