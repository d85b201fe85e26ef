"""The daemon (``yuqing run``): every job on its timer, each crawl in a process of its own, all state in the database.

Jobs live in a persistent APScheduler job store (table ``scheduler_jobs`` in the project's database), so a restart
keeps every job's next run time. At start-up the store is reconciled with the settings: a source added, removed or
re-timed in settings.toml adds, removes or re-times its job (ids come from source names: ``crawl:<name>``).

The store pickles jobs, so a job is a module-level function named by a textual reference (``scheduler:crawl_source``)
with picklable arguments only; what it works with (settings, database, clock) comes from the running :class:`Daemon`.
The references name the top-level ``scheduler.py`` (where the product spec puts the scheduler, and what every job
store written so far holds), which re-exports the jobs below; the code lives here, inside the layering contract,
because import-linter reads packages only.

Nothing here makes delivery exactly-once by itself: a crawl writes through idempotent upserts and mail leaves through
the outbox, so a daemon killed at any moment and started again neither loses nor repeats anything.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import random
import re
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
SETTLE_JOB = "fleet:runs"
# How often the leader looks for ended fleet runs, and a standby for a vacant leadership.
SETTLE_INTERVAL = timedelta(seconds=2)
LEADER_POLL = 2.0
# A late digest is still worth sending the same morning; a late crawl is simply the next crawl.
DIGEST_MISFIRE_GRACE = timedelta(hours=6)
# How long a crawl that was asked to stop (SIGTERM: Scrapy closes the spider and flushes) gets before SIGKILL.
TERMINATE_GRACE = 10.0
# How often the main thread looks for a stop signal and checks that the database is still the one it started on.
WATCH_INTERVAL = 0.25
DATABASE_CHECK_EVERY = 5.0
# `yuqing run` exits with this when its database vanished: systemd's RestartPreventExitStatus keeps it from
# starting again on a new, empty database.
EXIT_DATABASE_GONE = 4
# PostgreSQL's refusal to connect to a database that is not there (dropped, or dropped and not yet made again).
_NO_SUCH_DATABASE = re.compile(r'database ".*" does not exist')
PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


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


def desired_jobs(settings: Settings, now: datetime | None = None, fleet: bool = False) -> dict[str, JobSpec]:
    """Every job the settings ask for, by id. In a fleet a crawl job starts a run for the workers instead of a
    crawl process, and one more job records the runs that ended."""
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
            func="scheduler:dispatch_crawl" if fleet else "scheduler:crawl_source",
            trigger=IntervalTrigger(seconds=source.interval.total_seconds(),
                                    jitter=int(jitter.total_seconds()) or None, timezone=settings.tz),
            name=f"crawl {source.name} every {_short(source.interval)} (±{_short(jitter)})",
            args=(source.name,),
            executor="crawl",
            misfire_grace=grace,
            # A new or re-timed source is crawled soon, spread over the jitter rather than all at once.
            first_run=now + timedelta(seconds=random.uniform(0, jitter.total_seconds())),
        ))
    if fleet:
        jobs.append(JobSpec(SETTLE_JOB, "scheduler:settle_runs",
                            IntervalTrigger(seconds=SETTLE_INTERVAL.total_seconds(), timezone=settings.tz),
                            f"record ended crawl runs every {_short(SETTLE_INTERVAL)}", misfire_grace=grace))
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


def reconcile(scheduler: BaseScheduler, settings: Settings, now: datetime | None = None,
              fleet: bool = False) -> Reconciliation:
    """Make the job store hold exactly the jobs the settings ask for; unchanged jobs keep their next run time."""
    desired = desired_jobs(settings, now, fleet)
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
    """APScheduler's background scheduler, minus two hazards.

    A shutdown race: its loop can wake from a timed wait after ``shutdown`` began and submit jobs to executors
    already shut down; a loop that is not running submits nothing. And a silent death: APScheduler guards reading
    due jobs but not writing their next run time back, so one failed write (PostgreSQL restarting, SQLite busy past
    its timeout) ended the scheduler thread while the process lived on, scheduling nothing. Here the failure is one
    logged line and the loop tries again, backing off to a minute."""

    _failures = 0

    def _process_jobs(self):
        if self.state != STATE_RUNNING:
            return None
        try:
            wait = super()._process_jobs()
        except Exception as exc:
            from storage.db import database_problem

            self._failures += 1
            wait = min(2.0 ** self._failures, 60.0)
            log.error("scheduler: %s; trying again in %.0fs", database_problem(exc) or repr(exc), wait)
            return wait
        self._failures = 0
        return wait


@dataclass
class CrawlOutcome:
    source: str
    status: str  # "ok", "failed", "timeout", "crashed", "stopped", "skipped"
    summary: str
    seconds: float = 0.0


class Daemon:
    """The running daemon: the scheduler, the crawl processes it started, and what every job needs.

    With a ``leadership`` (PostgreSQL) the daemon schedules nothing until it holds it, and stops when it loses it;
    with a ``dispatcher`` (redis) its crawls are runs for the crawl workers instead of processes of its own.
    """

    def __init__(self, settings, settings_path: str | os.PathLike[str], db, *,
                 clock: Callable[[], datetime] = system_clock,
                 crawl_argv: Callable[[Path, str], list[str]] = yuqing_crawl_argv,
                 leadership=None, dispatcher=None) -> None:
        self.settings = settings
        self.leadership = leadership
        self.dispatcher = dispatcher
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
        self._signals: list[int] = []
        self.database_identity = db.identity()

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
        report = reconcile(self.scheduler, self.settings, fleet=self.dispatcher is not None)
        self.scheduler.resume()
        return report

    def stop(self, grace: float | None = None) -> None:
        """Take no new work, give running crawls ``grace`` seconds to finish, stop the rest, wait for every job."""
        self.stopping.set()
        grace = self.settings.scheduler.stop_grace.total_seconds() if grace is None else grace
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
        deadline = time.monotonic() + grace
        # A second signal ends the grace period.
        while self.running_crawls() and time.monotonic() < deadline and len(self._signals) < 2:
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
        if not self.database_unchanged():
            # The crawl process would create a new, empty database where the old one was.
            self.stopping.set()
            return CrawlOutcome(source.name, "skipped", "the database is gone")
        from yuqing.cli import DATABASE_MUST_EXIST

        timeout = self.settings.scheduler.crawl_timeout_for(source.name).total_seconds()
        started_at, started = system_clock(), time.monotonic()
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
            # A session of its own: Ctrl-C on the daemon's terminal must not reach the crawl before the daemon
            # decides whether to wait for it, and a timeout kills the crawl without touching the daemon. Being
            # outside the daemon's process group, it is told by the kernel when the daemon dies (see below).
            process = subprocess.Popen(self.crawl_argv(self.settings_path, source.name), stdout=subprocess.PIPE,
                                       stderr=stderr, text=True, start_new_session=True,
                                       env={**os.environ, DATABASE_MUST_EXIST: "1"},
                                       preexec_fn=functools.partial(_die_with_parent, os.getpid()))
            with self._children_lock:
                self._children[source.name] = process
                # A stop that looked at the children before this one was registered cannot see it: it sets
                # ``stopping`` first, so the crawl finds out here and goes at once, instead of running unwatched to
                # its time limit while the daemon waits for it.
                unseen_by_stop = self.stopping.is_set()
            try:
                if unseen_by_stop:
                    terminate(process)
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

    def dispatch(self, source_name: str) -> None:
        if not self.stopping.is_set():
            self.dispatcher.start(source_name)

    def settle_runs(self) -> None:
        """Record the fleet runs that ended; alerts are evaluated on what they brought, as after a local crawl."""
        ended = self.dispatcher.settle()
        if any(run.state.counts["items"] for run in ended):
            self.evaluate()

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

    def database_unchanged(self) -> bool:
        """Whether the database is still the one the daemon started on (not deleted, not replaced)."""
        try:
            return self.db.identity() == self.database_identity
        except Exception as exc:  # unreachable is not gone: the jobs report and retry that themselves
            log.debug("database identity unknown: %s", exc)
            # Except when the server says so: a PostgreSQL database dropped (perhaps about to be created again
            # under its name) refuses connections with this until then.
            return not _NO_SUCH_DATABASE.search(str(exc))

    def on_signal(self, signum: int, _frame=None) -> None:
        """SIGTERM/SIGINT: only noted. A handler runs in the main thread between any two bytecodes, possibly while
        that thread holds a lock (the stop event's inside ``Event.wait``, the children's inside ``stop``); taking
        one here would deadlock the daemon for good. The main thread acts on the note within ``WATCH_INTERVAL``."""
        self._signals.append(signum)

    def run_until_stopped(self) -> int:
        """Start, then block until SIGTERM or SIGINT; a second signal stops running crawls at once.

        Exits 0; 1 when it lost the leadership (another scheduler may already lead); ``EXIT_DATABASE_GONE`` after
        stopping because the database vanished under it."""
        previous = {sig: signal.signal(sig, self.on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        ending = None
        try:
            if not self._lead():
                return 0
            report = self.start()
            log.info("daemon started: %d jobs (%d added, %d re-timed, %d removed, %d kept)",
                     len(report.added) + len(report.retimed) + len(report.kept), len(report.added),
                     len(report.retimed), len(report.removed), len(report.kept))
            ending = self._watch()
            log.info("stopping: %s", ", ".join(self.running_crawls()) or "no crawl running")
            self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self.leadership is not None:
                self.leadership.release()
            self.db.dispose()
        log.info("daemon stopped")
        return {"database gone": EXIT_DATABASE_GONE, "leadership lost": 1}.get(ending, 0)

    def _lead(self) -> bool:
        """Wait as a hot standby until this process is the leader; False if asked to stop first."""
        if self.leadership is None:
            return True
        announced = False
        while not self._signals and not self.stopping.is_set():
            if self.leadership.acquire():
                log.info("leader: this process schedules the jobs now")
                return True
            if not announced:
                log.info("standby: another scheduler leads; taking over when it stops")
                announced = True
            deadline = time.monotonic() + LEADER_POLL
            while time.monotonic() < deadline and not self._signals:
                time.sleep(WATCH_INTERVAL)
        return False

    def _watch(self) -> str | None:
        """Wait for a signal (or a job asking to stop), checking the database every few seconds and the leadership
        every ``LEADER_POLL``; says why the daemon stops when it is not a signal."""
        checked = led = time.monotonic()
        while not self._signals and not self.stopping.is_set():
            time.sleep(WATCH_INTERVAL)
            if self.leadership is not None and time.monotonic() - led >= LEADER_POLL:
                led = time.monotonic()
                if not self.leadership.held():
                    if not self.database_unchanged():
                        break  # the lock's session died with the database: say that, not a lost election
                    # Another scheduler may be leading already: stop every job at once, and exit for systemd to
                    # start this one again as a standby.
                    log.error("leadership lost: stopping every job")
                    self.stopping.set()
                    return "leadership lost"
            if time.monotonic() - checked >= DATABASE_CHECK_EVERY:
                checked = time.monotonic()
                if not self.database_unchanged():
                    break
        self.stopping.set()
        if self.database_unchanged():
            return None
        from storage.db import safe_url

        log.error("the database %s was deleted or replaced while the daemon ran: stopping, so that no second, "
                  "empty history starts beside the old one (restore it, or start the daemon again to begin anew)",
                  safe_url(self.db.url))
        return "database gone"


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


def _die_with_parent(parent: int) -> None:
    """Run in the crawl process between fork and exec: the kernel sends it SIGTERM when the daemon dies, even by
    SIGKILL, so no crawl runs on unwatched, past its time limit, beside the crawls of a restarted daemon. (Linux ties
    this to the thread that started the child: crawls start from the executor's pool threads, which live as long as
    the daemon.) If the daemon died before this ran, the child goes at once."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os._exit(1)


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


def _database_problem_is_one_line(job: Callable[..., None]) -> Callable[..., None]:
    """A job that fails on the database (PostgreSQL down, the disk read-only) logs the cause in one line instead of
    APScheduler's traceback; its next run is the retry, and the scheduler backs off while the store is down."""

    @functools.wraps(job)
    def run(*args) -> None:
        from storage.db import database_problem

        try:
            job(*args)
        except Exception as exc:
            problem = database_problem(exc)
            if problem is None:
                raise
            log.error("%s: %s; the next run tries again", job.__name__, problem)

    return run


@_database_problem_is_one_line
def crawl_source(source_name: str) -> None:
    """Crawl one source, then evaluate alerts on what it brought in."""
    daemon = _daemon()
    outcome = daemon.run_crawl(source_name)
    if outcome.status not in ("skipped", "stopped"):
        daemon.evaluate()


@_database_problem_is_one_line
def dispatch_crawl(source_name: str) -> None:
    """Start a run of one source for the crawl workers (fleet mode)."""
    _daemon().dispatch(source_name)


@_database_problem_is_one_line
def settle_runs() -> None:
    _daemon().settle_runs()


@_database_problem_is_one_line
def evaluate_alerts() -> None:
    _daemon().evaluate()


@_database_problem_is_one_line
def send_outbox() -> None:
    _daemon().deliver()


@_database_problem_is_one_line
def send_daily_digest() -> None:
    _daemon().send_digest()


@_database_problem_is_one_line
def clean_up() -> None:
    _daemon().clean_up()

