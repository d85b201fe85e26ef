"""``crawl SOURCE`` and ``sources``: run one source's crawl, and see every source's health."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from yuqing.cli import UserError
from yuqing.commands import when
from yuqing.terminal import printable, rich_text


def register(commands) -> None:
    crawl = commands.add_parser("crawl", help="抓取一个数据源并入库 (crawl one source through the pipeline)")
    crawl.add_argument("source", help="settings.toml 中 [[sources]] 的 name")
    crawl.add_argument("--force", action="store_true", help="即使处于封禁退避期也抓取 (ignore blocked-until)")
    crawl.set_defaults(handler=crawl_command)

    sources = commands.add_parser("sources", help="列出数据源及其健康状况 (list sources and their health)")
    sources.set_defaults(handler=sources_command)


def crawl_command(args, context) -> int:
    settings = context.settings
    source = settings.source(args.source)
    if not source.enabled and not args.force:
        raise UserError(f"source {source.name!r} is disabled in {context.settings_path} (use --force)")
    for key, variable in source.missing_secrets(os.environ):  # start-up checked the enabled sources only
        raise UserError(f"{context.settings_path}: {key}: environment variable {variable} is not set", status=2)
    if settings.crawl.redis_url:
        # Crawls sharing a scrapy-redis queue are meant to run side by side; its duplicate filter keeps them apart.
        return _crawl(context, settings, source, args.force)
    # Otherwise one crawl of a source at a time: a crawl left running by a daemon that died, or one started by hand
    # beside the daemon's, would fetch every page twice and race on the source's row.
    with context.db.exclusive(f"crawl-{source.name}") as mine:
        if not mine:
            print(f"{source.name}: skipped, another crawl of this source is still running")
            return 0
        return _crawl(context, settings, source, args.force)


def _crawl(context, settings, source, force: bool) -> int:
    from crawler.run import crawl

    result = crawl(settings, context.db, source.name, force=force)
    if result.new or result.updated:
        from search.index import sync

        sync(context.db.engine)  # fold the new rows into the search index while they are few
    if result.skipped:
        print(f"{source.name}: skipped, {result.skipped}")
        return 0
    print(f"{source.name}: {result.items} items, {result.new} new, {result.updated} updated, "
          f"{result.unmatched} not about a brand" + (f", {result.failed} not stored" if result.failed else ""))
    for error in result.errors:
        print(f"  error: {printable(error)}")
    if result.blocked_reason:
        print(f"  blocked: {printable(result.blocked_reason)}; "
              f"next try after {result.blocked_until:%Y-%m-%d %H:%M} UTC")
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
            rich_text(((row.last_error or "")[:60] if row else "") or "-"),
            rich_text(f"{when(blocked, settings.tz)} ({row.blocked_reason})" if blocked else "-"),
        )
    console = Console(soft_wrap=True)
    console.print(table)
    coverage = keyword_coverage(settings, now)
    if coverage is not None:
        console.print(coverage)
    return 0


def keyword_coverage(settings, now: datetime):
    """Per brand and keyword-search source, when the run that last searched the brand was due: with many brands
    a source rotates its searches (``searches_per_run``), and this shows how fresh each brand's results can be."""
    from rich.table import Table

    from crawler.fanout import coverage, search_plan, searches_brands

    sources = [s for s in settings.sources if s.enabled and searches_brands(s)]
    if not sources or not settings.brands:
        return None
    notes = []
    for source in sources:
        plan = search_plan(source, settings.brands)
        per_run = plan.per_run or len(plan.searches)
        notes.append(f"{source.name}：{len(plan.searches)} 次搜索，每次运行 {min(per_run, len(plan.searches))} 次，"
                     f"{plan.cycle} 次运行（{plan.cycle * source.interval}）覆盖全部品牌")
    table = Table(title="品牌搜索覆盖 keyword coverage（上次轮到的时间）", caption="\n".join(notes))
    table.add_column("品牌 brand")
    for source in sources:
        table.add_column(source.name)
    due = {source.name: coverage(source, settings.brands, now) for source in sources}
    for brand in settings.brands:
        table.add_row(brand.name, *(when(due[s.name][brand.name], settings.tz) for s in sources))
    return table
