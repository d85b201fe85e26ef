"""News feeds as Chinese portals serve them: RSS 2.0 (UTF-8), RSS 2.0 declared GB2312 with sloppy dates, Atom."""

from __future__ import annotations

from email.utils import format_datetime
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from crawler.loopback import DemoRequest, DemoResponse

if TYPE_CHECKING:  # annotations only: the demo sits above the crawler
    from demo.world import World


def _rss(request: DemoRequest, world: World) -> DemoResponse:
    items = []
    for post in world.visible("news"):
        items.append(
            "<item>"
            f"<title>{escape(post.title)}</title>"
            f"<link>http://news.example.cn/a/{post.id}.html</link>"
            f"<description><![CDATA[<p>{post.text}</p>]]></description>"
            f"<pubDate>{format_datetime(post.published_at)}</pubDate>"
            f'<guid isPermaLink="false">news-{post.id}</guid>'
            f"<author>{escape(post.author)}</author>"
            "</item>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>演示财经新闻</title><link>http://news.example.cn/</link><description>演示用新闻源</description>"
        + "".join(items)
        + "</channel></rss>"
    )
    return DemoResponse(body=body.encode("utf-8"), content_type="application/rss+xml; charset=utf-8")


def _gb2312_rss(request: DemoRequest, world: World) -> DemoResponse:
    """Older portals: GB2312 declared in the XML and dates as plain ``YYYY-MM-DD HH:MM:SS`` Beijing time."""
    from zoneinfo import ZoneInfo

    beijing = ZoneInfo("Asia/Shanghai")
    items = []
    for post in world.visible("portal"):
        items.append(
            "<item>"
            f"<title>{escape(post.title)}</title>"
            f"<link>http://portal.example.cn/{post.id}.htm</link>"
            f"<description>{escape(post.text)}</description>"
            f"<pubDate>{post.published_at.astimezone(beijing):%Y-%m-%d %H:%M:%S}</pubDate>"
            "</item>"
        )
    body = (
        '<?xml version="1.0" encoding="gb2312"?>\n<rss version="2.0"><channel><title>演示门户</title>'
        + "".join(items)
        + "</channel></rss>"
    )
    return DemoResponse(body=body.encode("gb18030"), content_type="text/xml")


def _atom(request: DemoRequest, world: World) -> DemoResponse:
    entries = []
    for post in world.visible("blog"):
        entries.append(
            "<entry>"
            f"<title>{escape(post.title)}</title>"
            f'<link rel="alternate" href="http://blog.example.cn/p/{post.id}"/>'
            f"<id>tag:blog.example.cn,2026:{post.id}</id>"
            f"<published>{post.published_at.isoformat()}</published>"
            f"<updated>{post.published_at.isoformat()}</updated>"
            f"<author><name>{escape(post.author)}</name></author>"
            f'<summary type="html">{escape(post.text)}</summary>'
            "</entry>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>演示博客</title><id>tag:blog.example.cn,2026:feed</id>" + "".join(entries) + "</feed>"
    )
    return DemoResponse(body=body.encode("utf-8"), content_type="application/atom+xml; charset=utf-8")


ROUTES = [
    (r"/rss/news\.xml", _rss),
    (r"/rss/portal\.xml", _gb2312_rss),
    (r"/atom/blog\.xml", _atom),
]
