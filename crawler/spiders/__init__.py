"""Spiders by the name a source gives in its ``spider`` key; the table is the site registry's (crawler.sites)."""

from __future__ import annotations

from crawler.sites import SITES, spider_class

SPIDERS = {name: entry.spider for name, entry in SITES.items()}

__all__ = ["SPIDERS", "spider_class"]
