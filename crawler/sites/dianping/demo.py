"""www.dianping.com: a shop's ``/review_all/p{n}`` pages, with some characters behind ``<svgmtsi>`` glyphs.

Characters listed in a post's ``extra["obfuscate"]`` are drawn by the (absent) web font, as the site does.
``world.blocked["dianping"]``: ``"verify"`` (the 验证中心 captcha page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.loopback import DemoRequest, DemoResponse, html, html_response, local, page_of

if TYPE_CHECKING:  # annotations only: the demo sits above the crawler
    from demo.world import DemoPost, World


PAGE_SIZE = 15


def _obfuscated(post: DemoPost) -> str:
    hidden = set(post.extra.get("obfuscate", ""))
    return "".join(
        f'<svgmtsi class="review">&#x{0xE000 + ord(c) % 0x1000:x};</svgmtsi>' if c in hidden else html(c)
        for c in post.text
    )


def _review(post: DemoPost) -> str:
    stars = int(round((post.rating or 3) * 10))
    return (
        f'<li><div class="main-review"><div class="dper-info"><a class="name">{html(post.author)}</a></div>'
        f'<div class="review-rank"><span class="sml-rank-stars sml-str{stars} star"></span></div>'
        f'<div class="review-words">{_obfuscated(post)}</div><div class="misc-info clearfix">'
        f'<span class="time">{local(post, "%Y-%m-%d %H:%M")}</span><span class="actions">'
        f'<a class="praise" data-id="{post.id}">赞</a><em class="col-exp">({post.likes})</em></span></div></div></li>'
    )


def _reviews(request: DemoRequest, world: World) -> DemoResponse:
    if world.blocked.get("dianping") == "verify":
        return html_response("<html><head><title>验证中心</title></head><body>请完成验证</body></html>")
    shop, page = request.match.group(1), int(request.match.group(2))
    reviews = [p for p in world.visible("dianping") if p.extra.get("shop", shop) == shop]
    items = "".join(_review(p) for p in page_of(reviews, page, PAGE_SIZE))
    body = (
        f"<html><head><meta charset='utf-8'><title>演示门店的全部点评</title></head><body>"
        f"<div class='review-shop-wrap'><h1 class='shop-name'>青禾厨电体验店</h1></div>"
        f"<div class='reviews-wrapper'><div class='reviews-items'><ul>{items}</ul></div></div></body></html>"
    )
    return html_response(body)


ROUTES = [(r"/shop/(\w+)/review_all/p(\d+)", _reviews)]
