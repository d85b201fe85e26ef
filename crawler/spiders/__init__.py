"""Spiders by the name a source gives in its ``spider`` key."""

from __future__ import annotations

import importlib

SPIDERS = {
    "feed": "crawler.spiders.feed:FeedSpider",
    "weibo": "crawler.spiders.weibo:WeiboSpider",
    "tieba": "crawler.spiders.tieba:TiebaSpider",
    "heimao": "crawler.spiders.heimao:HeimaoSpider",
    "discuz": "crawler.spiders.discuz:DiscuzSpider",
    "dianping": "crawler.spiders.dianping:DianpingSpider",
    "zhihu": "crawler.spiders.zhihu:ZhihuSpider",
    "review": "crawler.spiders.review:ReviewSpider",
}


def spider_class(name: str):
    try:
        module, _, cls = SPIDERS[name].partition(":")
    except KeyError:
        raise KeyError(f"unknown spider {name!r} (known: {', '.join(sorted(SPIDERS))})") from None
    return getattr(importlib.import_module(module), cls)
