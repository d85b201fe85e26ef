"""The crawler: spiders (which requests to send), pure site parsers, the item pipeline, and the site registry.

Adding a site (each step fails loudly if skipped: ``crawler.sites.verify`` when a crawl starts, ``yuqing demo``
for the renderer, settings validation for the spider name):

1. ``crawler/parsers/<site>.py``: pure ``parse(body, url, *, now, tz, selectors=None) -> list[MentionItem]``
   raising ``ParseError``; HTML through ``crawler.parsers.common.html_page`` (the browser's tree), plus its line
   in ``crawler/parsers/__init__.py`` ``PARSERS``.
2. ``crawler/spiders/<site>.py``: a ``SourceSpider``/``PagedSpider`` subclass with ``site = "<site>"`` that only
   decides which requests to send and calls ``self.parse_page("<parser>", response)``.
3. ``crawler/blocking.py``: the site's blocking answers (captcha, ban, login wall) in ``SITE_RULES``, if it has any.
4. ``demo/sites/<site>.py`` with ``ROUTES``, and its line in ``demo/sites/__init__.py`` ``SITE_MODULES``: the
   site's real URL patterns and envelopes on loopback.
5. The registry line in ``crawler/sites.py`` ``SITES``: spider, parsers, blocking rule or not, demo renderer, and
   the source keys the spider cannot start without.
6. Fixtures we write ourselves in ``tests/fixtures/sites/<site>/`` with the real structure and
   ``tests/test_parsers_<site>.py``; the real saved pages checked, listed in ``tests/fixtures/REAL_PAGES.md``; the
   HTML fixtures added to ``tests/test_parsers_quirks.py`` so every real-page quirk is tried on them.
"""
