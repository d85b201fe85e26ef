"""CSV export of search results, for the web page's download and ``yuqing search --csv``.

UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 and shows Chinese instead of mojibake.
Crawled text that starts like a formula (``=``, ``+``, ``-``, ``@``) gets a leading apostrophe, so a
spreadsheet shows it rather than runs it. An export cut at a limit ends with a row that says so: a report built on
a file that silently stops at some round number would be wrong without anyone knowing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import tzinfo

from search.labels import LABEL_NAMES
from storage.models import Mention

BOM = "\ufeff"
HEADER = ("时间", "品牌", "来源", "来源类型", "标题", "内容", "作者", "情感", "情感分", "分类", "等级",
          "地区", "转发", "评论", "点赞", "事件编号", "链接")


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _row(mention: Mention, tz: tzinfo) -> list[object]:
    return [_cell(v) for v in (
        mention.published_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), mention.brand,
        mention.source.name, mention.source_kind, mention.title, mention.text, mention.author,
        LABEL_NAMES.get(mention.label, mention.label), round(mention.sentiment, 4), mention.category,
        mention.grade, mention.region, mention.reposts, mention.comments, mention.likes, mention.cluster_id,
        mention.url)]


def _limit_row(limit: int, setting: str) -> list[str]:
    """The last row of an export cut at ``limit``: seen by whoever opens the file, not only by a program."""
    return [f"已达导出上限 {limit} 条（{setting}），其余结果未导出：请缩小查询范围（时间、品牌、来源）后分批导出"]


def csv_chunks(mentions: Iterable[Mention], tz: tzinfo, rows_per_chunk: int = 200, *,
               limit: int | None = None, setting: str = "limit") -> Iterator[str]:
    """The CSV text in chunks (the web page streams them), byte-order mark first; with ``limit``, at most that
    many rows, then :func:`_limit_row` if there were more (give one match more than ``limit`` to tell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(HEADER)
    for number, mention in enumerate(mentions, 1):
        if limit is not None and number > limit:
            writer.writerow(_limit_row(limit, setting))
            break
        writer.writerow(_row(mention, tz))
        if number % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
