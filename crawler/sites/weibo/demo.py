"""m.weibo.cn: the search API (cards of type 11 and 9, ``ok`` envelope) and long-text detail pages.

``world.blocked["weibo"]``: ``"418"`` (rate limited), ``"432"`` (no SUB cookie), ``"login"`` (``ok:-100``),
``"html"`` (the API answers a captcha page).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from crawler.loopback import BEIJING, DemoRequest, DemoResponse, int_arg, json_response, matching, page_of

if TYPE_CHECKING:  # annotations only: the demo sits above the crawler
    from demo.world import DemoPost, World


PAGE_SIZE = 10
SHORT_TEXT = 140


def _blocked(world: World) -> DemoResponse | None:
    how = world.blocked.get("weibo")
    if how in ("418", "432"):
        return DemoResponse(int(how), b"", "text/html")
    if how == "login":
        return json_response({"ok": -100, "url": "https://passport.weibo.com/sso/signin?entry=wapsso"})
    if how == "html":
        return DemoResponse(
            200, "<html><title>微博-出错了</title></html>".encode(), "text/html; charset=utf-8"
        )
    return None


def mblog(post: DemoPost, *, full: bool) -> dict:
    long_text = len(post.text) > SHORT_TEXT
    text = (
        post.text
        if full or not long_text
        else post.text[:SHORT_TEXT] + f' ...<a href="/status/{post.id}">全文</a>'
    )
    blog = {
        "created_at": post.published_at.astimezone(BEIJING).strftime("%a %b %d %H:%M:%S %z %Y"),
        "id": post.id,
        "mid": post.id,
        "bid": f"D{post.id}",
        "text": text,
        "isLongText": long_text,
        "source": "iPhone客户端",
        "reposts_count": post.reposts,
        "comments_count": post.comments,
        "attitudes_count": post.likes,
        "user": {
            "id": abs(hash(post.author)) % 10**10,
            "screen_name": post.author,
            "verified": post.verified_type >= 0,
            "verified_type": post.verified_type,
            "followers_count": f"{post.followers / 10000:.1f}万"
            if post.followers >= 10000
            else post.followers,
        },
    }
    if post.region:
        blog["region_name"] = f"发布于 {post.region}"
    return blog


def _search(request: DemoRequest, world: World) -> DemoResponse:
    if blocked := _blocked(world):
        return blocked
    keyword = parse_qs(request.query.get("containerid", "")).get("q", [""])[0]
    page = int_arg(request.query, "page")
    found = matching(world.visible("weibo"), keyword)
    shown = page_of(found, page, PAGE_SIZE)
    if not shown:
        return json_response({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
    cards = [
        {"card_type": 11, "card_group": [{"card_type": 9, "mblog": mblog(p, full=False)} for p in shown[:3]]}
    ]
    cards += [{"card_type": 9, "mblog": mblog(p, full=False)} for p in shown[3:]]
    info = {"page_size": PAGE_SIZE, "page": page + 1, "total": len(found)}
    return json_response({"ok": 1, "data": {"cardlistInfo": info, "cards": cards}})


def _detail(request: DemoRequest, world: World) -> DemoResponse:
    if (blocked := _blocked(world)) and world.blocked.get("weibo") != "html":
        return blocked
    post = world.find("weibo", request.match.group(1))
    if post is None:
        return DemoResponse(404, "<html><title>微博不存在</title></html>".encode())
    data = json.dumps([{"status": mblog(post, full=True), "call": "1"}], ensure_ascii=False)
    page = f"<html><head><meta charset='utf-8'><title>微博</title></head><body><script>var $render_data = {data}[0] || {{}};</script></body></html>"
    return DemoResponse(200, page.encode("utf-8"), "text/html; charset=utf-8")


ROUTES = [
    (r"/api/container/getIndex", _search),
    (r"/detail/(\d+)", _detail),
]
