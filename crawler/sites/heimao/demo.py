"""tousu.sina.com.cn: the search API (``result.status`` / ``result.data.lists``) and complaint pages.

``world.blocked["heimao"]``: ``"456"`` (IP banned) or ``"login"`` (code 10017).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.loopback import (
    DemoRequest,
    DemoResponse,
    html,
    html_response,
    int_arg,
    json_response,
    local,
    matching,
    page_of,
)

if TYPE_CHECKING:  # annotations only: the demo sits above the crawler
    from demo.world import DemoPost, World


PAGE_SIZE = 10
STATUS_NAMES = {3: "待分配", 4: "处理中", 6: "已回复", 7: "已完成"}


def _blocked(world: World) -> DemoResponse | None:
    how = world.blocked.get("heimao")
    if how == "456":
        return DemoResponse(456, "您的ip已被禁止".encode(), "text/html; charset=utf-8")
    if how == "login":
        return json_response({"result": {"status": {"code": 10017, "msg": "请登录"}, "data": []}})
    return None


def _entry(post: DemoPost) -> dict:
    return {
        "main": {
            "id": post.id,
            "sn": post.id,
            "title": post.title,
            "summary": post.text[:80],
            "cotitle": post.extra.get("company", ""),
            "appeal": post.extra.get("appeal", "退款"),
            "issue": post.extra.get("issue", "产品质量问题"),
            "status": str(post.extra.get("status", 4)),
            "timestamp": str(int(post.published_at.timestamp())),
            "url": f"//tousu.sina.com.cn/complaint/view/{post.id}/",
            "upvote_amount": str(post.likes),
            "share_amount": post.reposts,
            "comment_amount": post.comments,
        },
        "author": {"title": post.author},
    }


def _search(request: DemoRequest, world: World) -> DemoResponse:
    if blocked := _blocked(world):
        return blocked
    found = matching(world.visible("heimao"), request.query.get("keywords", ""))
    page = int_arg(request.query, "page")
    pages = max((len(found) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page > pages:
        return json_response({"result": {"status": {"code": 10019, "msg": "页面不存在"}, "data": []}})
    lists = [_entry(p) for p in page_of(found, page, PAGE_SIZE)]
    data = {"pager": {"current": page, "page_amount": pages, "item_count": len(found)}, "lists": lists}
    return json_response({"result": {"status": {"code": 0, "msg": "成功"}, "data": data}})


def _detail(request: DemoRequest, world: World) -> DemoResponse:
    if blocked := _blocked(world):
        return blocked
    post = world.find("heimao", request.match.group(1))
    if post is None:
        return html_response("<html><body><div class='error'>该投诉暂时无法查看</div></body></html>")
    status = STATUS_NAMES.get(int(post.extra.get("status", 4)), "处理中")
    page = (
        f"<html><head><meta charset='utf-8'><title>{html(post.title)}_黑猫投诉</title></head><body>"
        f"<h1 class='article'>{html(post.title)}</h1><span class='u-name'>{html(post.author)}</span>"
        f"<span class='u-date'>{local(post, '%Y-%m-%d %H:%M')}</span><ul class='ts-q-list'>"
        f"<li>投诉编号：{post.id}</li><li>投诉对象：{html(post.extra.get('company', ''))}</li>"
        f"<li>投诉要求：{html(post.extra.get('appeal', '退款'))}</li><li>投诉进度：{status}</li></ul>"
        f"<div class='ts-d-question'><div class='article'><p>{html(post.text)}</p></div></div>"
        f"<div class='ts-d-steplist'><div class='ts-d-item'><span class='time'>{local(post, '%m-%d %H:%M:%S')}</span>"
        "发起投诉</div></div></body></html>"
    )
    return html_response(page)


ROUTES = [
    (r"/api/index/s", _search),
    (r"/complaint/view/(\w+)/", _detail),
]
