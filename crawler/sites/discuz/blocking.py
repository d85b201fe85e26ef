"""How discuz says "stop" (see research/SITES.md); :func:`crawler.blocking.detect_block` applies it."""

from __future__ import annotations

from crawler.blocking import says


def detect(status: int, headers: dict, head: bytes, url: str) -> str | None:
    if says(head, "抱歉，您没有权限访问该版块", "您无权进行当前操作", "没有权限访问该版块"):
        return "discuz: this board needs permission (抱歉，您没有权限访问该版块)"
    if says(head, "请开启JavaScript并刷新该页", "acw_sc__v2"):
        return "discuz: JavaScript cookie challenge"
    if status == 403:
        return "discuz HTTP 403: forbidden"
    return None
