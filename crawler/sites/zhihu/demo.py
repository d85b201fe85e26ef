"""www.zhihu.com ``/api/v4/search_v3``: answers and articles, paged by ``offset`` with ``paging.is_end``.

A post's ``extra["type"]`` is ``answer`` (default, with ``extra["question"]``) or ``article``.
``world.blocked["zhihu"]``: ``"40352"`` (unusual-traffic check, HTTP 403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.loopback import DemoRequest, DemoResponse, html, int_arg, json_response, matching

if TYPE_CHECKING:  # annotations only: the demo sits above the crawler
    from demo.world import DemoPost, World


def _result(post: DemoPost) -> dict:
    kind = post.extra.get("type", "answer")
    obj = {
        "id": post.id,
        "type": kind,
        "title": html(post.title),
        "excerpt": html(post.text[:60]),
        "content": f"<p>{html(post.text)}</p>",
        "created_time": int(post.published_at.timestamp()),
        "voteup_count": post.likes,
        "comment_count": post.comments,
        "author": {"name": post.author},
    }
    if kind == "answer":
        obj["question"] = {"id": post.extra.get("question", f"9{post.id}"), "name": html(post.title)}
    return {"type": "search_result", "object": obj}


def _search(request: DemoRequest, world: World) -> DemoResponse:
    if world.blocked.get("zhihu") == "40352":
        return json_response(
            {"error": {"code": 40352, "need_login": True, "message": "系统监测到您的网络环境存在异常"}}, 403
        )
    found = matching(world.visible("zhihu"), request.query.get("q", ""))
    offset, limit = int_arg(request.query, "offset", 0), int_arg(request.query, "limit", 20)
    shown = found[offset : offset + limit]
    data = [_result(p) for p in shown]
    if offset == 0 and data:
        data.insert(1, {"type": "relevant_query", "query_list": [{"query": "演示相关搜索"}]})
    return json_response({"data": data, "paging": {"is_end": offset + limit >= len(found)}})


ROUTES = [(r"/api/v4/search_v3", _search)]
