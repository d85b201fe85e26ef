"""``run`` and ``status``: the daemon, and how it (and everything it looks after) is doing."""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime

from yuqing.cli import UserError
from yuqing.commands import when
from yuqing.terminal import rich_text

log = logging.getLogger("yuqing.run")


def register(commands) -> None:
    run = commands.add_parser("run", help="守护进程：按计划抓取、预警、发信、日报、清理 (run the daemon)")
    run.add_argument("--once", action="store_true",
                     help="每个数据源抓取一次、评估预警并发出邮件后退出 (crawl every source once, then exit)")
    run.add_argument("--role", choices=("all", "scheduler", "worker"), default="all",
                     help="all：单机（默认）；scheduler：选主调度，抓取交给 worker；worker：常驻抓取进程"
                          "（后两者需要 PostgreSQL 与 redis）(one machine, or the fleet's scheduler / crawl worker)")
    run.set_defaults(handler=run_command)

    status = commands.add_parser("status", help="数据源健康、下次运行、预警、待发邮件、数据库大小 (status)")
    status.set_defaults(handler=status_command)


def run_command(args, context) -> int:
    from yuqing.daemon import Daemon

    settings = context.settings
    if not any(source.enabled for source in settings.sources):
        raise UserError(f"no enabled source in {context.settings_path}: add a [[sources]] entry")
    # A line per job run every few seconds drowns the lines that matter: crawls, alerts and failures.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    if args.once and args.role != "all":
        raise UserError("--once 只用于单机运行，不能与 --role scheduler/worker 同用 (--once is for one machine)")
    db = database_when_ready(context)
    if args.role == "worker":
        from crawler.worker import run_worker

        return run_worker(settings, db, _fleet_redis(context, db))
    leadership = dispatcher = None
    if db.dialect == "postgresql" and not args.once:
        from fleet.leader import Leadership

        # Two daemons on one PostgreSQL database would both run every job: only the elected one does.
        leadership = Leadership(db.url)
    if args.role == "scheduler":
        import redis

        from fleet.dispatch import Dispatcher
        from fleet.runs import RunBook

        client = redis.Redis.from_url(_fleet_redis(context, db), health_check_interval=30)
        dispatcher = Dispatcher(settings, db, RunBook(client, settings.crawl.redis_prefix))
    daemon = Daemon(settings, context.settings_path, db, leadership=leadership, dispatcher=dispatcher)
    if args.once:
        return run_once(daemon)
    return daemon.run_until_stopped()


def _fleet_redis(context, db) -> str:
    """The redis URL a fleet role needs, with PostgreSQL: several machines cannot share a SQLite file."""
    if db.dialect != "postgresql":
        raise UserError("scheduler 与 worker 角色需要 PostgreSQL：[storage] url = \"postgresql://...\" "
                        "(the fleet roles need a PostgreSQL database)")
    url = context.settings.crawl.redis_url
    if not url:
        raise UserError("scheduler 与 worker 角色需要 redis：在 [crawl] redis_url_env 指定的环境变量中给出 redis URL "
                        "(the fleet roles need [crawl] redis_url_env naming a variable that holds a redis URL)")
    return url


def database_when_ready(context, longest: float = 60.0):
    """The database, waiting for it: a daemon started before its database (PostgreSQL still booting, a data disk
    not yet mounted) logs one line per try and tries again, backing off up to ``longest`` seconds."""
    from storage.db import DatabaseUnavailable

    delay = 1.0
    while True:
        try:
            return context.db
        except DatabaseUnavailable as exc:
            log.error("database unavailable: %s; retrying in %.0fs", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, longest)


def run_once(daemon) -> int:
    """Every enabled source crawled once (in parallel, as the daemon would) with progress, then alerts and mail."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    sources = [source.name for source in daemon.settings.sources if source.enabled]
    outcomes = []
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("抓取 crawling", total=len(sources))
        with ThreadPoolExecutor(daemon.settings.scheduler.max_parallel_crawls) as pool:
            futures = [pool.submit(daemon.run_crawl, name) for name in sources]
            for future in as_completed(futures):
                outcome = future.result()
                outcomes.append(outcome)
                style = "green" if outcome.status == "ok" else "red"
                progress.console.print(f"[{style}]{outcome.status:>8}[/{style}] ", rich_text(outcome.summary))
                progress.advance(task)
        progress.add_task("预警评估与发信 (alerts and mail)", total=None)
        daemon.evaluate()
    failed = [o for o in outcomes if o.status != "ok"]
    return 1 if failed and len(failed) == len(outcomes) else 0



def _health(row, enabled: bool, now: datetime) -> str:
    if not enabled:
        return "[dim]停用[/dim]"
    if row is None or row.last_run_at is None:
        return "[yellow]未运行[/yellow]"
    if row.blocked_until and row.blocked_until > now:
        return "[red]被封禁[/red]"
    if row.failures:
        return f"[red]连续失败 {row.failures} 次[/red]"
    return "[green]正常[/green]"


def next_runs(db) -> dict[str, datetime | None]:
    """Each job's next run time as the job store holds it (what the daemon will do, running or not)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from sqlalchemy import inspect

    from yuqing.daemon import JOBSTORE_TABLE

    if not inspect(db.engine).has_table(JOBSTORE_TABLE):
        return {}
    store = SQLAlchemyJobStore(engine=db.engine, tablename=JOBSTORE_TABLE)
    store.start(None, "default")
    return {job.id: job.next_run_time for job in store.get_all_jobs()}


def database_size(db) -> int | None:
    from sqlalchemy import text

    if db.dialect == "sqlite":
        path = db.engine.url.database
        if not path or path == ":memory:":
            return None
        return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return "-"


def status_command(args, context) -> int:
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import func, select

    from alerts.models import Alert
    from alerts.state import FIRING, PENDING, STATE_NAMES
    from delivery.models import OutboxMessage
    from storage.models import Mention, Source
    from yuqing.daemon import CRAWL_PREFIX, desired_jobs

    settings, db, tz = context.settings, context.db, context.settings.tz
    now = datetime.now(UTC)
    console = Console(soft_wrap=True)
    runs = next_runs(db)
    with db.session() as session:
        rows = {row.name: row for row in session.scalars(select(Source))}
        per_source = dict(session.execute(select(Mention.source_id, func.count())
                                          .group_by(Mention.source_id)).all())
        alerts = list(session.scalars(select(Alert).where(Alert.state.in_((PENDING, FIRING)))
                                      .order_by(Alert.level_since)))
        backlog = dict(session.execute(select(OutboxMessage.state, func.count())
                                       .group_by(OutboxMessage.state)).all())
        oldest = session.scalar(select(func.min(OutboxMessage.created_at))
                                .where(OutboxMessage.state.in_(("pending", "sending"))))

    table = Table(title="数据源")
    for column in ("数据源", "类型", "健康", "上次运行", "上次成功", "下次运行", "本次条数", "累计入库", "最近错误"):
        table.add_column(column)
    for source in settings.sources:
        row = rows.get(source.name)
        table.add_row(
            source.name, source.kind, _health(row, source.enabled, now),
            when(row.last_run_at if row else None, tz), when(row.last_success_at if row else None, tz),
            when(runs.get(CRAWL_PREFIX + source.name), tz) if source.enabled else "-",
            str(row.items_last_run) if row and row.items_last_run is not None else "-",
            str(per_source.get(row.id, 0)) if row else "0",
            rich_text(((row.last_error or "")[:60] if row and row.failures else "") or "-"),
        )
    console.print(table)

    jobs = Table(title="计划任务")
    jobs.add_column("任务")
    jobs.add_column("计划")
    jobs.add_column("下次运行")
    for spec in desired_jobs(settings).values():
        if spec.id.startswith(CRAWL_PREFIX):
            continue
        jobs.add_row(spec.id, spec.name, when(runs.get(spec.id), tz) if spec.id in runs else "守护进程未启动")
    console.print(jobs)

    if alerts:
        active = Table(title="活跃预警")
        for column in ("品牌", "范围", "级别", "状态", "开始", "上次通知"):
            active.add_column(column)
        for alert in alerts:
            active.add_row(rich_text(alert.subject), rich_text(alert.scope), alert.level or "-",
                           STATE_NAMES.get(alert.state, alert.state),
                           when(alert.started_at, tz), when(alert.last_notified_at, tz))
        console.print(active)
    else:
        console.print("活跃预警：无")

    waiting = backlog.get("pending", 0) + backlog.get("sending", 0)
    console.print(f"发件箱：{waiting} 封待发"
                  + (f"（最早 {when(oldest, tz)}）" if oldest else "")
                  + f"，{backlog.get('sent', 0)} 封已发，{backlog.get('failed', 0)} 封失败")
    console.print(f"数据库：{_size(database_size(db))}（{db.engine.url.render_as_string()}）")
    if db.dialect == "postgresql":
        from fleet.leader import Leadership

        election = Leadership(db.url)
        try:
            holder = election.holder()
        finally:
            election.release()
        console.print(f"调度主节点：{holder}" if holder else "调度主节点：无（没有守护进程在运行）")
    _print_dead_letters(console, db)
    return 0


def _print_dead_letters(console, db) -> None:
    """Mentions that could not be stored: in the table, and in the file kept when the database refused them."""
    from storage import dead_letters

    with db.session() as session:
        by_source = dead_letters.counts_by_source(session)
    held = len(dead_letters.read_file(dead_letters.file_path(db.url)))
    total = sum(by_source.values()) + held
    if not total:
        console.print("入库失败：无")
        return
    detail = "，".join(f"{name} {count}" for name, count in sorted(by_source.items()))
    where = f"；{held} 条在 {dead_letters.file_path(db.url)}" if held else ""
    console.print(f"入库失败：{total} 条（{detail or '-'}{where}），修复后运行 yuqing import --retry-failed 重试",
                  markup=False)
