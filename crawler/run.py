"""Running one source's crawl in this process and recording how it went on the source's row.

Twisted's reactor cannot be restarted, so a process runs one crawl; the scheduler starts a process per crawl.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawler import settings as crawler_settings
from crawler.sites import spider_class

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from storage.db import Database
    from yuqing.config import Settings


@dataclass
class CrawlResult:
    source: str
    items: int = 0
    new: int = 0
    updated: int = 0
    unmatched: int = 0
    # Mentions the store step could not keep: they are dead letters now (``yuqing import --retry-failed``).
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    blocked_reason: str | None = None
    blocked_until: datetime | None = None
    skipped: str | None = None


def scrapy_settings(source, redis_url: str | None = None) -> ScrapySettings:
    values = ScrapySettings()
    values.setmodule(crawler_settings, priority="project")
    if redis_url:
        values.update({
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "REDIS_URL": redis_url,
            "SCHEDULER_QUEUE_KEY": "yuqing:%(spider)s:requests",
            "SCHEDULER_DUPEFILTER_KEY": "yuqing:%(spider)s:dupefilter",
            # Pages are fetched again on every run (that is how engagement counts are refreshed), so the shared
            # queue and fingerprints live for one run of the source, not forever.
            "SCHEDULER_PERSIST": False,
        }, priority="cmdline")
    values.set("DOWNLOAD_DELAY", source.delay, priority="cmdline")
    values.set("ROBOTSTXT_OBEY", source.obey_robots, priority="cmdline")
    values.set("AUTOTHROTTLE_ENABLED", source.throttle, priority="cmdline")
    values.set("LOG_LEVEL", logging.getLevelName(logging.getLogger().getEffectiveLevel()), priority="cmdline")
    return values


def crawl(settings: Settings, db: Database, source_name: str, *, force: bool = False) -> CrawlResult:
    """Crawl one source through the whole pipeline and record the run; never raises for a site's misbehaviour."""
    from crawler.sites import verify
    from storage.repo import get_or_create_source, record_run

    verify()
    source = settings.source(source_name)
    now = datetime.now(UTC)
    with db.session() as session:
        row = get_or_create_source(session, source.name, source.kind)
        if not force and row.blocked_until and row.blocked_until > now:
            return CrawlResult(source.name, skipped=f"blocked until {row.blocked_until.isoformat()}: "
                                                    f"{row.blocked_reason}")
    process = CrawlerProcess(scrapy_settings(source, settings.crawl.redis_url), install_root_handler=False)
    # Scrapy opens the root logger up to DEBUG; keep its chatter at the level the user asked for.
    logging.getLogger("scrapy").setLevel(max(logging.getLogger().getEffectiveLevel(), logging.INFO))
    crawler = process.create_crawler(spider_class(source.spider))
    # Scrapy deep-copies its settings, and a database engine cannot be copied: the pipeline finds them here.
    crawler.yuqing_settings = settings
    crawler.yuqing_db = db
    process.crawl(crawler, source=source, settings=settings)
    process.start()
    stats = crawler.stats.get_stats()
    spider = crawler.spider
    result = CrawlResult(
        source.name,
        items=stats.get("item_scraped_count", 0) + stats.get("item_dropped_count", 0),
        new=stats.get("yuqing/new", 0),
        updated=stats.get("yuqing/updated", 0),
        unmatched=stats.get("yuqing/unmatched", 0),
        failed=stats.get("yuqing/failed", 0),
        errors=list(getattr(spider, "errors", [])),
        blocked_reason=getattr(spider, "blocked_reason", None),
    )
    if stats.get("finish_reason") not in ("finished", "blocked", "closespider_timeout"):
        result.errors.append(f"crawl ended: {stats.get('finish_reason')}")
    if result.failed:
        result.errors.append(f"{result.failed} mentions could not be stored (kept as dead letters)")
    if result.blocked_reason:
        result.blocked_until = datetime.now(UTC) + source.backoff
    with db.session() as session:
        row = get_or_create_source(session, source.name, source.kind)
        record_run(session, row, items=result.items, new=result.new,
                   error="; ".join(result.errors)[:2000] or None,
                   blocked_reason=result.blocked_reason, blocked_until=result.blocked_until)
    return result
