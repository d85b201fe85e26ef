"""``crawl SOURCE`` and ``sources``: run one source's crawl, and see every source's health."""

from __future__ import annotations

from datetime import UTC, datetime

from yuqing.cli import UserError
from yuqing.commands import when


def register(commands) -> None:
    crawl = commands.add_parser("crawl", help="抓取一个数据源并入库 (crawl one source through the pipeline)")
    crawl.add_argument("source", help="settings.toml 中 [[sources]] 的 name")
    crawl.add_argument("--force", action="store_true", help="即使处于封禁退避期也抓取 (ignore blocked-until)")
    crawl.set_defaults(handler=crawl_command)

    sources = commands.add_parser("sources", help="列出数据源及其健康状况 (list sources and their health)")
    sources.set_defaults(handler=sources_command)


def crawl_command(args, context) -> int:
    from crawler.run import crawl

    settings = context.settings
    source = settings.source(args.source)
    if not source.enabled and not args.force:
        raise UserError(f"source {source.name!r} is disabled in {context.settings_path} (use --force)")
    result = crawl(settings, context.db, source.name, force=args.force)
    if result.new or result.updated:
        from search.index import sync

        sync(context.db.engine)  # fold the new rows into the search index while they are few
    if result.skipped:
        print(f"{source.name}: skipped, {result.skipped}")
        return 0
    print(f"{source.name}: {result.items} items, {result.new} new, {result.updated} updated, "
          f"{result.unmatched} not about a brand" + (f", {result.failed} not stored" if result.failed else ""))
    for error in result.errors:
        print(f"  error: {error}")
    if result.blocked_reason:
        print(f"  blocked: {result.blocked_reason}; next try after {result.blocked_until:%Y-%m-%d %H:%M} UTC")
        return 3
    return 1 if result.errors and not result.items else 0



def sources_command(args, context) -> int:
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import select

    from storage import dead_letters
    from storage.models import Source

    settings = context.settings
    with context.db.session() as session:
        rows = {row.name: row for row in session.scalars(select(Source))}
        failed = dead_letters.counts_by_source(session)
    table = Table(title="数据源 sources", caption="入库失败 (dead letters): yuqing import --retry-failed 重试")
    for column in ("name", "kind", "spider", "enabled", "last success", "items last run", "入库失败", "last error",
                   "blocked until"):
        table.add_column(column)
    now = datetime.now(UTC)
    for source in settings.sources:
        row = rows.get(source.name)
        blocked = row.blocked_until if row and row.blocked_until and row.blocked_until > now else None
        table.add_row(
            source.name, source.kind, source.spider, "yes" if source.enabled else "no",
            when(row.last_success_at if row else None, settings.tz),
            str(row.items_last_run) if row and row.items_last_run is not None else "-",
            str(failed.get(source.name, 0)),
            ((row.last_error or "")[:60] if row else "") or "-",
            f"{when(blocked, settings.tz)} ({row.blocked_reason})" if blocked else "-",
        )
    Console(soft_wrap=True).print(table)
    return 0
