"""Scrapy settings for every yuqing crawl. Per-source values (delay, robots.txt) are layered on in crawler.run."""

from crawler.pipelines import item_pipelines
from crawler.sites import spider_modules

BOT_NAME = "yuqing"
# Each registered site's spider (crawler/sites/<site>/spider.py), read from the site registry.
SPIDER_MODULES = spider_modules()

USER_AGENT = "Mozilla/5.0 (compatible; yuqing/0.1; brand monitoring)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30
# A mention page is kilobytes; a body this large is a broken or hostile answer, not something to parse.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

RETRY_ENABLED = True
RETRY_TIMES = 2
# 418/432/456 are the sites' ways of saying "blocked": retrying them hard only extends the ban.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
HTTPERROR_ALLOWED_CODES = [401, 403, 418, 432, 456]

COOKIES_ENABLED = True
# Cookies carry the sites' login secrets (cookie_env): never in a log line.
COOKIES_DEBUG = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
# Nothing may listen on a port during a crawl except what the crawl itself needs.
EXTENSIONS = {"scrapy.extensions.remote_control.RemoteControl": None}

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SourceCookieMiddleware": 540,
    "crawler.middlewares.BlockDetectionMiddleware": 590,
}

# The order is written once, in crawler.pipelines.PIPELINE; `yuqing import` runs the same list.
ITEM_PIPELINES = item_pipelines()
