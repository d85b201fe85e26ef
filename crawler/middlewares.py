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
    """Hands the cookie named by the source's ``cookie_env`` to Scrapy's own cookie handling, one jar per source.

    Setting the ``Cookie`` header ourselves does not work: Scrapy's ``CookiesMiddleware`` (after this one) writes
    the header from its jar and drops ours. So the pairs go into ``request.cookies`` under the source's cookiejar,
    where that middleware adds them to the jar and sends them, together with whatever the site sets later. This
    runs in the downloader, after the scheduler, so the secret never reaches a shared scrapy-redis queue; and it
    is never logged (``COOKIES_DEBUG`` stays off).
    """

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self._pairs: dict[str, str] | None = None

    def process_request(self, request):
        spider = self.crawler.spider
        source = getattr(spider, "source", None)
        if source is None:
            return None
        request.meta.setdefault("cookiejar", source.name)
        if self._pairs is None:
            self._pairs = cookie_pairs(getattr(spider, "cookie", None) or "")
        if self._pairs:
            request.cookies = self._with_source_cookies(request.cookies)
        return None

    def _with_source_cookies(self, cookies) -> list[dict[str, str]]:
        # Path "/" for all: a cookie Scrapy files under the request's directory (``/rss/``) would sit in the jar
        # beside the one from ``/robots.txt`` and go out twice.
        given = [{"name": k, "value": v} for k, v in cookies.items()] if isinstance(cookies, dict) else list(cookies)
        names = {cookie.get("name") for cookie in given}
        ours = [{"name": k, "value": v, "path": "/"} for k, v in self._pairs.items() if k not in names]
        return ours + given


def cookie_pairs(header: str) -> dict[str, str]:
    """``"SUB=abc; _T_WM=1"`` (a browser's Cookie header, as users copy it) as name -> value pairs."""
    pairs = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip():
            pairs[name.strip()] = value.strip()
    return pairs


class BlockDetectionMiddleware(CrawlerMiddleware):
    """Stops a crawl at the first blocking answer (captcha, ban, login wall) instead of retrying into a longer ban.

    The spider records the reason; ``crawler.run`` turns it into a blocked-until time on the source.
    """

    def process_response(self, request, response):
        from crawler.blocking import detect_block
        from crawler.sites import blocking_rule

        spider = self.crawler.spider
        rule = blocking_rule(getattr(spider, "site", spider.name))
        reason = detect_block(rule, response.status, dict(response.headers.to_unicode_dict()),
                              response.body, response.url)
        if reason is None:
            return response
        spider.block(reason, response.url)
        raise IgnoreRequest(f"blocked: {reason}")
