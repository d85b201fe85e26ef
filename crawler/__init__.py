"""The crawler: one folder per site (``crawler/sites/<site>/``), the site registry, the item pipeline.

What sites share sits beside the registry: ``spiders/`` (``SourceSpider``, ``PagedSpider``), ``parsers/`` (the
``Parser`` protocol, ``ParseError``, HTML and encoding helpers), ``blocking.py`` (the generic blocking answers and
the helpers a site's rule is built from), ``dates.py`` (every Chinese date form) and ``loopback.py`` (what a demo
renderer gets and returns).

Adding a site is one folder plus one registry line. ``crawler.sites.verify`` fails when a crawl starts and
``crawler.sites.verify_demo`` when ``yuqing demo`` starts, naming the site and the missing piece; settings accept
``spider = "<site>"`` once the line is there.

1. ``crawler/sites/<site>/__init__.py``: a docstring naming the site, and ``check_source(source)`` raising
   ``ValueError`` if its sources have settings to check when the settings load (``review``'s selectors).
2. ``crawler/sites/<site>/parser.py``: pure ``parse(body, url, *, now, tz, selectors=None) -> list[MentionItem]``
   functions raising ``ParseError`` (HTML through ``crawler.parsers.common.html_page``, the browser's tree), and
   ``PARSERS = {"<site>": parse, ...}``, the names ``yuqing parse`` offers (unique across sites).
3. ``crawler/sites/<site>/spider.py``: one ``SourceSpider``/``PagedSpider`` subclass with ``site = "<site>"`` and
   ``parsers = PARSERS`` that only decides which requests to send and calls ``self.parse_page("<name>", response)``.
4. ``crawler/sites/<site>/blocking.py``, if the site has its own ways of saying "blocked" (captcha, ban, login
   wall): ``detect(status, headers, head, url) -> str | None``, built from the helpers in ``crawler.blocking``.
5. ``crawler/sites/<site>/demo.py``: ``ROUTES``, the site's real URL patterns and envelopes on loopback, built
   with ``crawler.loopback``.
6. The registry line in ``crawler/sites/__init__.py`` ``SITES``: ``Site("<site>", requires=(...))``, the source
   keys the spider cannot start without.

Tests, outside the folder: fixtures we write ourselves in ``tests/fixtures/sites/<site>/`` with the real
structure, ``tests/test_parsers_<site>.py``, and the HTML fixtures added to ``tests/test_parsers_quirks.py``; real
saved pages checked are listed in ``tests/fixtures/REAL_PAGES.md``.
"""
