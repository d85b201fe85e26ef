"""A generic review site (口碑) for the selector-driven ``review`` spider: ``/koubei/{product}?page=n``.

Its selectors: item ``article.review``, title ``h3 a``, text ``.body``, author ``.who``, date ``time``,
link ``h3 a``, rating ``.stars``, region ``.loc``, next ``a.next``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.loopback import DemoRequest, DemoResponse, html, html_response, int_arg, local, page_of

if TYPE_CHECKING:  # annotations only: the demo sits above the crawler
    from demo.world import DemoPost, World


PAGE_SIZE = 10
SELECTORS = {
    "item": "article.review",
    "title": "h3 a",
    "text": ".body",
    "author": ".who",
    "date": "time",
    "link": "h3 a",
    "rating": ".stars",
    "region": ".loc",
    "next": "a.next",
}


def _article(post: DemoPost) -> str:
    stars = "★" * int(post.rating or 0) + "☆" * (5 - int(post.rating or 0))
    region = f'<span class="loc">{html(post.region)}</span>' if post.region else ""
    return (
        f'<article class="review"><h3><a href="/koubei/r/{post.id}.html">{html(post.title)}</a></h3>'
        f'<div class="body">{html(post.text)}</div><span class="who">{html(post.author)}</span>'
        f'<time datetime="{post.published_at.isoformat()}">{local(post, "%m-%d")}</time>'
        f'<span class="stars">{stars}</span>{region}</article>'
    )


def _reviews(request: DemoRequest, world: World) -> DemoResponse:
    product, page = request.match.group(1), int_arg(request.query, "page")
    posts = [p for p in world.visible("review") if p.extra.get("product", product) == product]
    shown = page_of(posts, page, PAGE_SIZE)
    more = (
        f'<a class="next" href="/koubei/{product}?page={page + 1}">下一页</a>'
        if len(posts) > page * PAGE_SIZE
        else ""
    )
    body = (
        f"<html><head><meta charset='utf-8'><title>演示口碑网</title></head><body><section>"
        f"{''.join(_article(p) for p in shown)}</section>{more}</body></html>"
    )
    return html_response(body)


ROUTES = [(r"/koubei/(\w+)", _reviews)]
