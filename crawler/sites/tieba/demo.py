"""tieba.baidu.com: forum lists hidden in ``<code><!-- --></code>``, thread pages, and GBK keyword search.

A post with ``extra["thread"]`` is a reply in that thread; others are threads in ``extra["forum"]`` (any forum
if unset). ``world.blocked["tieba"]``: ``"captcha"`` (302 to wappass) or ``"403"`` (百度安全验证).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from crawler.loopback import BEIJING, DemoRequest, DemoResponse, html, html_response, int_arg, local, matching, page_of

if TYPE_CHECKING:  # annotations only: the demo sits above the crawler
    from demo.world import DemoPost, World


THREADS_PER_PAGE = 50
SEARCH_PAGE_SIZE = 10


def _blocked(world: World) -> DemoResponse | None:
    how = world.blocked.get("tieba")
    if how == "captcha":
        return DemoResponse(
            302,
            b"",
            headers={"Location": "https://wappass.baidu.com/static/captcha/tuxing.html?ak=demo&backurl=x"},
        )
    if how == "403":
        return html_response(
            "<html><head><title>百度安全验证</title></head><body>请完成验证</body></html>", 403
        )
    return None


def first_post_id(thread: DemoPost) -> str:
    return f"{thread.id}0"


def _threads(world: World, forum: str) -> list[DemoPost]:
    return [
        p for p in world.visible("tieba") if "thread" not in p.extra and p.extra.get("forum", forum) == forum
    ]


def _replies(world: World, tid: str) -> list[DemoPost]:
    return sorted(
        (p for p in world.visible("tieba") if p.extra.get("thread") == tid), key=lambda p: p.published_at
    )


def _shown_time(post: DemoPost, world: World) -> str:
    """``HH:MM`` today, ``M-D`` earlier, as the forum list prints it."""
    if local(post, "%Y-%m-%d") == world.clock().astimezone(BEIJING).strftime("%Y-%m-%d"):
        return local(post, "%H:%M")
    shown = post.published_at.astimezone(BEIJING)
    return f"{shown.month}-{shown.day}"


def _list_item(thread: DemoPost, world: World) -> str:
    replies = _replies(world, thread.id)
    field = {
        "id": int(thread.id),
        "author_name": thread.author,
        "author_nickname": thread.author,
        "first_post_id": int(first_post_id(thread)),
        "reply_num": len(replies),
        "is_top": None,
        "is_good": None,
    }
    last = replies[-1] if replies else thread
    return (
        f"<li class=\" j_thread_list clearfix\" data-field='{html(json.dumps(field, ensure_ascii=False))}' "
        f'data-tid="{thread.id}"><div class="t_con"><span class="threadlist_rep_num">{len(replies)}</span>'
        f'<a rel="noopener" href="/p/{thread.id}" title="{html(thread.title)}" class="j_th_tit ">'
        f'{html(thread.title)}</a><a class="frs-author-name j_user_card">{html(thread.author)}</a>'
        f'<span class="pull-right is_show_create_time">{_shown_time(thread, world)}</span>'
        f'<div class="threadlist_abs">{html(thread.text[:60])}</div>'
        f'<span class="threadlist_reply_date pull_right j_reply_data">{_shown_time(last, world)}</span></div></li>'
    )


def _forum(request: DemoRequest, world: World) -> DemoResponse:
    if blocked := _blocked(world):
        return blocked
    forum = request.query.get("kw", "")
    page = int_arg(request.query, "pn", 0) // THREADS_PER_PAGE + 1
    threads = _threads(world, forum)
    # Active threads first, as Tieba orders by last reply.
    threads.sort(
        key=lambda t: max([t.published_at] + [r.published_at for r in _replies(world, t.id)]), reverse=True
    )
    shown = page_of(threads, page, THREADS_PER_PAGE)
    items = "".join(_list_item(t, world) for t in shown)
    page_html = (
        f'<!DOCTYPE html><html><head><meta charset="UTF-8"><title>{html(forum)}吧-百度贴吧</title></head><body>'
        f'<div class="card_title"><a class="card_title_fname">{html(forum)}吧</a></div>'
        '<code class="pagelet_html" id="pagelet_html_frs-list/pagelet/thread_list" style="display:none;"><!--'
        f'<ul id="thread_list" class="threadlist_bright">{items}</ul>--></code></body></html>'
    )
    return html_response(page_html)


def _post_div(post: DemoPost, pid: str, tid: str, floor: int) -> str:
    field = {
        "author": {"user_name": post.author, "user_nickname": post.author},
        "content": {
            "post_id": int(pid),
            "thread_id": int(tid),
            "post_no": floor,
            "comment_num": post.comments,
        },
    }
    region = f"<span>IP属地:{html(post.region)}</span>" if post.region else ""
    return (
        f'<div class="l_post l_post_bright j_l_post clearfix" data-pid="{pid}" '
        f"data-field='{html(json.dumps(field, ensure_ascii=False))}'>"
        f'<a class="p_author_name j_user_card">{html(post.author)}</a>'
        f'<div id="post_content_{pid}" class="d_post_content j_d_post_content">{html(post.text)}</div>'
        f'<div class="post-tail-wrap">{region}<span class="tail-info">{floor}楼</span>'
        f'<span class="tail-info">{local(post, "%Y-%m-%d %H:%M")}</span></div></div>'
    )


def _thread(request: DemoRequest, world: World) -> DemoResponse:
    if blocked := _blocked(world):
        return blocked
    tid = request.match.group(1)
    thread = world.find("tieba", tid)
    if thread is None or "thread" in thread.extra:
        return html_response("<html><title>贴子不存在</title></html>", 404)
    posts = [_post_div(thread, first_post_id(thread), tid, 1)]
    posts += [_post_div(r, r.id, tid, i + 2) for i, r in enumerate(_replies(world, tid))]
    forum = thread.extra.get("forum", "青禾")
    page_html = (
        f'<!DOCTYPE html><html><head><meta charset="UTF-8"><title>{html(thread.title)}【{html(forum)}吧】_百度贴吧'
        f'</title></head><body><a class="card_title_fname">{html(forum)}吧</a>'
        f'<h3 class="core_title_txt" title="{html(thread.title)}">{html(thread.title)}</h3>'
        f'<div class="p_postlist" id="j_p_postlist">{"".join(posts)}</div></body></html>'
    )
    return html_response(page_html)


def _search(request: DemoRequest, world: World) -> DemoResponse:
    if blocked := _blocked(world):
        return blocked
    keyword = request.query.get("qw", "")
    page = int_arg(request.query, "pn")
    hits = []
    for post in page_of(matching(world.visible("tieba"), keyword), page, SEARCH_PAGE_SIZE):
        tid = post.extra.get("thread", post.id)
        pid = post.id if "thread" in post.extra else f"{post.id}0"
        title = post.title if "thread" not in post.extra else f"回复：{post.title}"
        hits.append(
            f'<div class="s_post"><span class="p_title"><a data-tid="{tid}" class="bluelink" '
            f'href="/p/{tid}?pid={pid}&amp;cid=0#{pid}">{html(title)}</a></span>'
            f'<div class="p_content">{html(post.text)}</div>贴吧：<a class="p_forum"><font class="p_violet">'
            f'{html(post.extra.get("forum", "青禾"))}</font></a>作者：<a href="/home/main?un=x"><font>'
            f'{html(post.author)}</font></a><font class="p_green p_date">{local(post, "%Y-%m-%d %H:%M")}</font></div>'
        )
    page_html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"><title>百度贴吧_全吧搜索'
        f'</title></head><body><div class="s_main"><div class="s_post_list">{"".join(hits)}</div></div></body></html>'
    )
    return html_response(page_html, encoding="gbk")


ROUTES = [
    (r"/f", _forum),
    (r"/p/(\d+)", _thread),
    (r"/f/search/res", _search),
]
