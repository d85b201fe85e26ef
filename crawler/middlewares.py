"""Downloader middlewares: the source's cookie from the environment, and recognising a site's blocking answers."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class CrawlerMiddleware:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class SourceCookieMiddleware(CrawlerMiddleware):
    """Sends the cookie named by the source's ``cookie_env``; the value never reaches a log line."""

    def process_request(self, request):
        cookie = getattr(self.crawler.spider, "cookie", None)
        if cookie and b"Cookie" not in request.headers:
            request.headers[b"Cookie"] = cookie.encode("utf-8")
        return None


class BlockDetectionMiddleware(CrawlerMiddleware):
    """Stops a crawl at the first blocking answer (captcha, ban, login wall) instead of retrying into a longer ban.

    The spider records the reason; ``crawler.run`` turns it into a blocked-until time on the source.
    """

    def process_response(self, request, response):
        from crawler.blocking import detect_block

        spider = self.crawler.spider
        site = getattr(spider, "site", spider.name)
        reason = detect_block(site, response.status, dict(response.headers.to_unicode_dict()),
                              response.body, response.url)
        if reason is None:
            return response
        spider.block(reason, response.url)
        raise IgnoreRequest(f"blocked: {reason}")
