"""A long-lived crawl worker (``yuqing run --role worker``): one Scrapy process for every source, fed by redis.

The process starts once, loads the NLP model once, and keeps one spider open per enabled source. Nothing crawls
until the leader starts a run (see :mod:`fleet.runs`): the worker whose idle spider takes the start message pushes
the source's start requests into the shared scrapy-redis queue, and every worker takes requests from it and pushes
the follow-ups back, so any worker may fetch any page. What makes that safe across machines:

- the queue and the duplicate filter are scrapy-redis's, keyed by source; the leader empties them when a run ends;
- a spider's "seen" ids (what stops the paging) live in a redis set of the run, not in one process's memory;
- politeness is fleet-wide: before each download a worker reserves the site's next slot in redis (one delay per
  site, and per cookie when the source sends one), and a blocked answer sets a key every worker checks;
- counts and errors are added to the run's hash; the leader records the run on the source's row once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler.run import scrapy_settings
from crawler.sites import spider_class
from fleet.runs import RunBook

log = logging.getLogger("yuqing.worker")

# An idle spider asks redis for work on Scrapy's heartbeat; 5 s (Scrapy's default) would leave a worker idle that
# long while another one pushes the follow-ups of a busy run.
HEARTBEAT_SECONDS = 0.5
STAT_NAMES = {"pages": "response_received_count", "new": "yuqing/new", "updated": "yuqing/updated",
              "unmatched": "yuqing/unmatched", "failed": "yuqing/failed"}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SeenIds:
    """The ids a run has already listed, shared by every worker: the few set operations the spiders use."""

    def __init__(self, client, key: str, ttl_seconds: int) -> None:
        self.client, self.key, self.ttl = client, key, ttl_seconds

    def __contains__(self, value: str) -> bool:
        return bool(self.client.sismember(self.key, value))

    def __rsub__(self, other: set[str]) -> set[str]:
        values = sorted(other)
        if not values:
            return set()
        present = self.client.smismember(self.key, values)
        return {value for value, there in zip(values, present, strict=True) if not there}

    def __ior__(self, other) -> SeenIds:
        values = [str(value) for value in other]
        if values:
            with self.client.pipeline() as pipe:
                pipe.sadd(self.key, *values).expire(self.key, self.ttl)
                pipe.execute()
        return self


class FleetSpider:
    """Mixed in before a site spider: the spider stays open between runs and takes its run from redis."""

    book: RunBook

    def __init__(self, source, settings, **kwargs) -> None:
        super().__init__(source, settings, **kwargs)
        self.run_id: int | None = None
        self.claimed = 0
        self.reported_errors = 0
        self.reported: Counter[str] = Counter()

    async def start(self):
        # Nothing to crawl at start-up: runs begin when the leader's start message is taken (see on_idle).
        return
        yield

    def join_run(self, run_id: int) -> bool:
        """Take part in run ``run_id``: its clock, its look-back window, its shared seen ids."""
        if run_id == self.run_id:
            return True
        started = self.book.run_started(self.source.name, run_id)
        if started is None:
            return False
        self.report()
        self.run_id = run_id
        self.errors, self.reported_errors = [], 0
        self.now = datetime.fromtimestamp(started, UTC).astimezone(self.tz)
        self.lookback_start = self.now - self.source.lookback
        self.blocked_reason = None
        limit = int(self.yuqing.scheduler.crawl_timeout_for(self.source.name).total_seconds()) + 60
        self.seen = SeenIds(self.book.client, self.book.keys(self.source.name).seen, limit)
        return True

    def block(self, reason: str, url: str) -> None:
        """Blocked: every worker stops this source for its back-off; the spider stays open for the next run."""
        if self.blocked_reason is None and self.run_id is not None:
            self.blocked_reason = reason
            dropped = self.book.block(self.source.name, self.run_id, reason, self.source.backoff.total_seconds())
            self.logger.warning("%s blocked at %s: %s (%d queued requests dropped)", self.source.name, url,
                                reason, dropped)

    def report(self) -> None:
        """Store what is batched, then add this worker's finished requests, counts and errors to the run."""
        if self.run_id is None:
            return
        _flush_store(self.crawler)
        stats = self.crawler.stats
        totals = {name: stats.get_value(key, 0) for name, key in STAT_NAMES.items()}
        totals["items"] = stats.get_value("item_scraped_count", 0) + stats.get_value("item_dropped_count", 0)
        counts = {name: value - self.reported[name] for name, value in totals.items()}
        errors = self.errors[self.reported_errors:]
        if not self.claimed and not any(counts.values()) and not errors:
            return
        self.book.report(self.source.name, self.run_id, worker_name(), self.claimed, counts, errors)
        self.claimed = 0
        self.reported.update(counts)
        self.reported_errors = len(self.errors)

    def on_idle(self) -> None:
        """Nothing to do here right now: report, then look for the start of a new run."""
        try:
            self.report()
            run_id = self.book.take_start(self.source.name)
            if run_id is not None and self.join_run(run_id):
                self.claimed += 1
                log.info("%s: run %d started here", self.source.name, run_id)
                for request in self.start_requests():
                    self.crawler.engine.crawl(request)
        except Exception:  # redis or the database away for a moment: the next heartbeat tries again
            log.exception("%s: cannot report or take work", self.source.name)
        # Whatever happened: a closed spider would leave this source unserved until the worker restarts.
        raise DontCloseSpider


def _flush_store(crawler) -> None:
    from crawler.pipelines import StoreStep

    for step in getattr(crawler.engine.scraper.itemproc, "middlewares", ()):
        if isinstance(step, StoreStep):
            step.flush()


class FleetScheduler(RedisScheduler):
    """scrapy-redis's scheduler, with every push and take counted on the run (see :mod:`fleet.runs`)."""

    def open(self, spider) -> None:
        super().open(spider)
        self.source = spider.source.name

    def enqueue_request(self, request) -> bool:
        spider = self.spider
        if spider.run_id is None or spider.blocked_reason:
            return False
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, spider)
            return False
        request.meta["yuqing_run"] = spider.run_id
        # pushed only while the run is current: a late follow-up of an ended run is dropped here.
        return spider.book.push(self.source, spider.run_id, -request.priority, self.queue._encode_request(request))

    def next_request(self):
        data = self.spider.book.pop(self.source)
        if data is None:
            return None
        request = self.queue._decode_request(data)
        joined = self.spider.join_run(request.meta.get("yuqing_run"))
        self.spider.claimed += 1
        if not joined:
            return None  # a request of a run that has just ended: counted done at the next report
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class FleetPolitenessMiddleware:
    """One delay per site across the fleet (and per cookie), and no request to a site the fleet was blocked by."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        spider = self.crawler.spider
        if spider.blocked_reason or spider.book.blocked(spider.source.name):
            raise IgnoreRequest(f"blocked: {spider.source.name} is resting after a blocking answer")
        delay = spider.source.delay
        if delay <= 0:
            return None
        waits = [spider.book.reserve(urlsplit(request.url).netloc, delay)]
        cookie = spider.cookie
        if cookie:
            waits.append(spider.book.reserve("cookie:" + hashlib.sha1(cookie.encode()).hexdigest()[:16], delay))
        wait = max(waits)
        if wait > 0:
            await asyncio.sleep(wait)
        return None


def fleet_settings(source, redis_url: str, prefix: str, concurrency: int):
    """The per-source Scrapy settings of a worker: the crawl's own, with the queue, filter and politeness shared."""
    values = scrapy_settings(source, redis_url)
    values.update({
        "SCHEDULER": "crawler.worker.FleetScheduler",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        # The leader empties a run's queue and fingerprints when the run ends; a stopping worker leaves them.
        "SCHEDULER_PERSIST": True,
        # The delay is kept fleet-wide by FleetPolitenessMiddleware; a per-process delay on top would only add up.
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOADER_MIDDLEWARES": {**values.getdict("DOWNLOADER_MIDDLEWARES"),
                                   "crawler.worker.FleetPolitenessMiddleware": 950},
    }, priority="cmdline")
    return values


def run_worker(settings, db, redis_url: str) -> int:
    """Serve every enabled source until SIGTERM or SIGINT (Scrapy finishes the requests in hand, then stops)."""
    import redis

    prefix, concurrency = settings.crawl.redis_prefix, settings.crawl.worker_concurrency
    client = redis.Redis.from_url(redis_url, health_check_interval=30)
    book = RunBook(client, prefix)
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = HEARTBEAT_SECONDS
    sources = [source for source in settings.sources if source.enabled]
    process = CrawlerProcess(fleet_settings(sources[0], redis_url, prefix, concurrency), install_root_handler=False)
    logging.getLogger("scrapy").setLevel(max(logging.getLogger().getEffectiveLevel(), logging.INFO))
    for number, source in enumerate(sources):
        site_spider = spider_class(source.spider)
        spider_cls = type(f"Fleet{site_spider.__name__}", (FleetSpider, site_spider), {"book": book})
        # Crawlers made here rather than by the process, for settings of their own; the first installs the
        # reactor, as CrawlerProcess.create_crawler would have.
        crawler = Crawler(spider_cls, fleet_settings(source, redis_url, prefix, concurrency),
                          init_reactor=number == 0)
        crawler.yuqing_settings = settings
        crawler.yuqing_db = db
        crawler.signals.connect(_on_idle, signal=signals.spider_idle)
        crawler.signals.connect(_on_closed, signal=signals.spider_closed)
        process.crawl(crawler, source=source, settings=settings)
    log.info("worker %s serving %d sources: %s", worker_name(), len(sources), ", ".join(s.name for s in sources))
    process.start()
    log.info("worker %s stopped", worker_name())
    return 0


def _on_idle(spider) -> None:
    spider.on_idle()


def _on_closed(spider, reason) -> None:
    spider.report()
