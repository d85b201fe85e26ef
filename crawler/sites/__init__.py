"""The site registry: every site yuqing crawls, one entry naming its pieces, checked at start-up.

A site is a spider (which requests to send), its parsers (pure ``bytes -> mentions``), its blocking rules (how the
site says "blocked") and a demo renderer (the site played on loopback for tests, benchmarks and ``make demo``).
The spider names settings accept (``spider = "…"``) and the spider table are read from here; :func:`verify` fails
when a crawl starts, naming the piece, if a spider, parser or blocking rule is missing, and ``yuqing demo`` fails
the same way for a missing demo renderer (the demo sites sit beside the crawler, so the crawler never imports them).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    name: str
    spider: str
    parsers: tuple[str, ...]
    # A site whose blocking answers we know has a rule in crawler.blocking; False: only the generic rules apply
    # (feeds and arbitrary review sites have no one way of saying "blocked").
    blocking: bool
    demo: str
    # Source keys the spider cannot start without.
    requires: tuple[str, ...] = ()


SITES: dict[str, Site] = {
    site.name: site
    for site in (
        Site("feed", "crawler.spiders.feed:FeedSpider", ("feed",), False, "demo.sites.feed", ("urls",)),
        Site("weibo", "crawler.spiders.weibo:WeiboSpider", ("weibo-search", "weibo-detail"), True,
             "demo.sites.weibo"),
        Site("tieba", "crawler.spiders.tieba:TiebaSpider", ("tieba-list", "tieba-thread", "tieba-search"), True,
             "demo.sites.tieba"),
        Site("heimao", "crawler.spiders.heimao:HeimaoSpider", ("heimao", "heimao-detail"), True, "demo.sites.heimao"),
        Site("discuz", "crawler.spiders.discuz:DiscuzSpider", ("discuz-list", "discuz-thread"), True,
             "demo.sites.discuz", ("forums",)),
        Site("dianping", "crawler.spiders.dianping:DianpingSpider", ("dianping",), True, "demo.sites.dianping",
             ("forums",)),
        Site("zhihu", "crawler.spiders.zhihu:ZhihuSpider", ("zhihu",), True, "demo.sites.zhihu"),
        Site("review", "crawler.spiders.review:ReviewSpider", ("review",), False, "demo.sites.review",
             ("urls", "selectors")),
    )
}


class RegistryError(Exception):
    """A registered site lacks a piece; the message names the site and the piece."""


def site(name: str) -> Site:
    try:
        return SITES[name]
    except KeyError:
        raise KeyError(f"unknown spider {name!r} (known: {', '.join(sorted(SITES))})") from None


def spider_class(name: str):
    module, _, cls = site(name).spider.partition(":")
    return getattr(importlib.import_module(module), cls)


def verify() -> None:
    """Every registered site has its spider, parsers and blocking rule, and nothing is registered twice over."""
    from crawler.blocking import SITE_RULES
    from crawler.parsers import PARSERS
    from crawler.spiders.base import SourceSpider

    for entry in SITES.values():
        try:
            spider = spider_class(entry.name)
        except (ImportError, AttributeError) as exc:
            raise RegistryError(f"site {entry.name!r}: spider {entry.spider} cannot be loaded ({exc})") from None
        if not (isinstance(spider, type) and issubclass(spider, SourceSpider)) or spider.site != entry.name:
            raise RegistryError(f"site {entry.name!r}: {entry.spider} is not a SourceSpider with site = "
                                f"{entry.name!r}")
        for parser in entry.parsers:
            if parser not in PARSERS:
                raise RegistryError(f"site {entry.name!r}: parser {parser!r} is not in crawler.parsers.PARSERS")
        if entry.blocking != (entry.name in SITE_RULES):
            raise RegistryError(f"site {entry.name!r}: blocking rule in crawler.blocking.SITE_RULES "
                                f"{'missing' if entry.blocking else 'not registered'}")
    unknown = sorted(set(SITE_RULES) - set(SITES))
    if unknown:
        raise RegistryError(f"crawler.blocking.SITE_RULES has a rule for unregistered site {unknown[0]!r}")
