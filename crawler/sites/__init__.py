"""The site registry: every site yuqing crawls is one folder here and one line in :data:`SITES`.

A site's folder, ``crawler/sites/<site>/``, holds its pieces under fixed names, found by convention:

- ``spider.py``: one ``SourceSpider`` subclass with ``site = "<site>"`` and ``parsers = PARSERS``; it only
  decides which requests to send.
- ``parser.py``: pure ``bytes -> mentions`` functions and ``PARSERS``, their names (``yuqing parse NAME``).
- ``blocking.py`` (only for a site with its own ways of saying "blocked"): ``detect(status, headers, head, url)``.
- ``demo.py``: ``ROUTES``, the site played on loopback for tests, benchmarks and ``make demo``.
- ``__init__.py``: the site's name in a docstring, and ``check_source(source)`` if its sources have settings of
  their own to check when the settings load (``review``'s selectors).

The registry line names the site and the source keys its spider cannot start without. Nothing is imported until
asked for, so settings validation reads the names without loading Scrapy. :func:`verify` fails when a crawl
starts, and :func:`verify_demo` when ``yuqing demo`` starts, naming the site and the piece that is missing.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

# Annotations only: loading a spider loads Scrapy, which settings validation does without, and the settings model
# is the CLI layer's.
if TYPE_CHECKING:
    from crawler.blocking import BlockingRule
    from crawler.parsers import Parser
    from crawler.spiders.base import SourceSpider
    from yuqing.config import SourceSettings


@dataclass(frozen=True)
class Site:
    name: str
    # Source keys the spider cannot start without.
    requires: tuple[str, ...] = ()

    def piece(self, name: str) -> ModuleType:
        return importlib.import_module(f"{__name__}.{self.name}.{name}")

    def has(self, name: str) -> bool:
        return importlib.util.find_spec(f"{__name__}.{self.name}.{name}") is not None

    def check_source(self, source: SourceSettings) -> None:
        """The site's own checks of a source's settings (``check_source`` in its ``__init__.py``, if it has any),
        raising ``ValueError`` when the settings load instead of failing mid-crawl."""
        check = getattr(importlib.import_module(f"{__name__}.{self.name}"), "check_source", None)
        if check is not None:
            check(source)


SITES: dict[str, Site] = {
    site.name: site
    for site in (
        Site("feed", requires=("urls",)),
        Site("weibo"),
        Site("tieba"),
        Site("heimao"),
        Site("discuz", requires=("forums",)),
        Site("dianping", requires=("forums",)),
        Site("zhihu"),
        Site("review", requires=("urls", "selectors")),
    )
}


class RegistryError(Exception):
    """A registered site lacks a piece; the message names the site and the piece."""


def site(name: str) -> Site:
    try:
        return SITES[name]
    except KeyError:
        raise KeyError(f"unknown spider {name!r} (known: {', '.join(sorted(SITES))})") from None


def spider_class(name: str) -> type[SourceSpider]:
    """The spider in ``crawler/sites/<name>/spider.py``: the one ``SourceSpider`` subclass defined there."""
    from crawler.spiders.base import SourceSpider

    module = site(name).piece("spider")
    found = [value for value in vars(module).values()
             if isinstance(value, type) and issubclass(value, SourceSpider) and value.__module__ == module.__name__]
    if len(found) != 1:
        raise RegistryError(f"site {name!r}: {module.__name__} defines {len(found)} SourceSpider classes, not one")
    return found[0]


def spider_modules() -> list[str]:
    """Scrapy's ``SPIDER_MODULES``: every registered site's spider module."""
    return [f"{__name__}.{name}.spider" for name in SITES]


def parsers() -> dict[str, Parser]:
    """Every site's parsers by name, as ``yuqing parse`` offers them."""
    return {name: parser for entry in SITES.values() for name, parser in entry.piece("parser").PARSERS.items()}


@cache
def blocking_rule(name: str) -> BlockingRule | None:
    """The site's own blocking rule, or ``None`` where only the generic ones apply (feeds, arbitrary review sites
    and a spider outside the registry have no one way of saying "blocked")."""
    entry = SITES.get(name)
    return entry.piece("blocking").detect if entry is not None and entry.has("blocking") else None


def demo_routes() -> list[tuple[str, Callable]]:
    """Every registered site's demo routes, ``(path regex, handler)``, in registry order."""
    return [route for entry in SITES.values() for route in entry.piece("demo").ROUTES]


def verify() -> None:
    """Every registered site has its spider and parsers (and a blocking rule where it has a blocking.py), and no
    parser name is taken twice."""
    owners: dict[str, str] = {}
    for entry in SITES.values():
        spider = _load(entry, "spider", lambda e: spider_class(e.name))
        if spider.site != entry.name:
            raise RegistryError(f"site {entry.name!r}: {spider.__name__}.site is {spider.site!r}")
        table = _load(entry, "parser", lambda e: e.piece("parser").PARSERS)
        if not table or spider.parsers is not table:
            raise RegistryError(f"site {entry.name!r}: {spider.__name__}.parsers is not its parser.PARSERS, "
                                "or that is empty")
        for parser in table:
            if parser in owners:
                raise RegistryError(f"site {entry.name!r}: parser name {parser!r} is taken by {owners[parser]!r}")
            owners[parser] = entry.name
        if entry.has("blocking"):
            _load(entry, "blocking", lambda e: blocking_rule(e.name))


def verify_demo() -> None:
    """Every registered site has a demo renderer serving at least one route."""
    for entry in SITES.values():
        if not _load(entry, "demo", lambda e: e.piece("demo").ROUTES):
            raise RegistryError(f"site {entry.name!r}: {__name__}.{entry.name}.demo serves no route")


def _load(entry: Site, piece: str, load: Callable[[Site], Any]) -> Any:
    try:
        return load(entry)
    except (ImportError, AttributeError) as exc:
        raise RegistryError(f"site {entry.name!r}: {__name__}.{entry.name}.{piece} cannot be loaded ({exc})") from None
