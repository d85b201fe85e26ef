"""A Discuz! X3.4 board in GBK: ``forum.php?mod=forumdisplay`` lists and ``mod=viewthread`` threads.

Posts with ``extra["thread"]`` are replies; others are threads in ``extra["fid"]`` (any board if unset). Dates
within two days are shown relatively with the absolute date in ``title``, as Discuz does.
``world.blocked["discuz"]``: ``"permission"`` (guest not allowed) or ``"js"`` (JavaScript cookie challenge).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from crawler.loopback import BEIJING, DemoRequest, DemoResponse, html, html_response, int_arg, page_of

if TYPE_CHECKING:  # annotations only: the demo sits above the crawler
    from demo.world import DemoPost, World


THREADS_PER_PAGE = 20
HEAD = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk" />'
    '<meta name="generator" content="Discuz! X3.4" /><title>{title} - 演示家电论坛 - Powered by Discuz!</title>'
    '</head><body><div id="pt"><div class="z"><a href="./">演示家电论坛</a> <em>&rsaquo;</em> '
    '<a href="forum.php?mod=forumdisplay&amp;fid={fid}">厨电讨论</a></div></div>'
)


def _blocked(world: World) -> DemoResponse | None:
    how = world.blocked.get("discuz")
    if how == "permission":
        page = (
            HEAD.format(title="提示信息", fid=0)
            + "<div id='messagetext'><p>抱歉，您没有权限访问该版块</p></div></body></html>"
        )
        return html_response(page, encoding="gbk")
    if how == "js":
        return html_response("<html><body><noscript>请开启JavaScript并刷新该页.</noscript></body></html>")
    return None


def _shown(post: DemoPost, world: World, with_seconds: bool = False) -> str:
    """``<span title="2026-11-22 18:07">昨天&nbsp;18:07</span>`` for recent posts, ``2026-11-3 09:05`` for older."""
    moment = post.published_at.astimezone(BEIJING)
    today = world.clock().astimezone(BEIJING).date()
    absolute = f"{moment.year}-{moment.month}-{moment.day} {moment:%H:%M}" + (
        f":{moment:%S}" if with_seconds else ""
    )
    if moment.date() == today:
        return f'<span title="{absolute}">今天&nbsp;{moment:%H:%M}</span>'
    if moment.date() == today - timedelta(days=1):
        return f'<span title="{absolute}">昨天&nbsp;{moment:%H:%M}</span>'
    return absolute


def _threads(world: World, fid: str) -> list[DemoPost]:
    return [
        p for p in world.visible("discuz") if "thread" not in p.extra and str(p.extra.get("fid", fid)) == fid
    ]


def _replies(world: World, tid: str) -> list[DemoPost]:
    return sorted(
        (p for p in world.visible("discuz") if p.extra.get("thread") == tid), key=lambda p: p.published_at
    )


def _forum(request: DemoRequest, world: World) -> DemoResponse:
    fid = request.query.get("fid", "")
    page = int_arg(request.query, "page")
    threads = _threads(world, fid)
    last = {t.id: (_replies(world, t.id) or [t])[-1] for t in threads}
    threads.sort(key=lambda t: last[t.id].published_at, reverse=True)
    rows = []
    for thread in page_of(threads, page, THREADS_PER_PAGE):
        rows.append(
            f'<tbody id="normalthread_{thread.id}"><tr><th class="new">'
            f'<a href="forum.php?mod=viewthread&amp;tid={thread.id}&amp;extra=page%3D{page}" class="s xst">'
            f'{html(thread.title)}</a></th><td class="by"><cite><a href="home.php?mod=space">{html(thread.author)}</a>'
            f'</cite><em>{_shown(thread, world)}</em></td><td class="num"><a class="xi2">'
            f'{len(_replies(world, thread.id))}</a><em>{thread.likes * 10}</em></td><td class="by"><cite>'
            f"<a>{html(last[thread.id].author)}</a></cite><em><a>{_shown(last[thread.id], world)}</a></em></td></tr></tbody>"
        )
    pages = max((len(threads) + THREADS_PER_PAGE - 1) // THREADS_PER_PAGE, 1)
    pager = (
        f'<a href="forum.php?mod=forumdisplay&amp;fid={fid}&amp;page={page + 1}" class="nxt">下一页</a>'
        if page < pages
        else ""
    )
    body = (
        HEAD.format(title="厨电讨论", fid=fid)
        + '<div id="threadlist"><table id="threadlisttableid">'
        + "".join(rows)
        + f'</table></div><div class="pg">{pager}</div></body></html>'
    )
    return html_response(body, encoding="gbk")


def _post(post: DemoPost, pid: str, floor: int, world: World) -> str:
    return (
        f'<div id="post_{pid}"><table id="pid{pid}" class="plhin"><tr><td class="pls"><div class="authi">'
        f'<a class="xw1">{html(post.author)}</a></div></td><td class="plc"><div class="pi"><strong>'
        f'<a id="postnum{pid}"><em>{floor}</em><sup>#</sup></a></strong><div class="authi">'
        f'<em id="authorposton{pid}">发表于 {_shown(post, world, with_seconds=True)}</em></div></div>'
        f'<table><tr><td class="t_f" id="postmessage_{pid}">{html(post.text)}</td></tr></table></td></tr></table></div>'
    )


def _thread(request: DemoRequest, world: World) -> DemoResponse:
    tid = request.query.get("tid", "")
    thread = world.find("discuz", tid)
    if thread is None or "thread" in thread.extra:
        page = (
            HEAD.format(title="提示信息", fid=0)
            + "<p>抱歉，指定的主题不存在或已被删除或正在被审核</p></body></html>"
        )
        return html_response(page, encoding="gbk")
    posts = [_post(thread, f"{tid}0", 1, world)] + [
        _post(reply, reply.id, index + 2, world) for index, reply in enumerate(_replies(world, tid))
    ]
    body = (
        HEAD.format(title=html(thread.title), fid=thread.extra.get("fid", 36))
        + f'<div id="postlist"><h1 class="ts"><span id="thread_subject">{html(thread.title)}</span></h1>'
        + "".join(posts)
        + "</div></body></html>"
    )
    return html_response(body, encoding="gbk")


def _forum_php(request: DemoRequest, world: World) -> DemoResponse:
    if blocked := _blocked(world):
        return blocked
    mode = request.query.get("mod")
    if mode == "forumdisplay":
        return _forum(request, world)
    if mode == "viewthread":
        return _thread(request, world)
    return html_response("<html><body>演示家电论坛</body></html>", encoding="gbk")


ROUTES = [(r"/forum\.php", _forum_php)]
