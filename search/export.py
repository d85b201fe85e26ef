"""CSV export of search results, for the web page's download and ``yuqing search --csv``.

UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 and shows Chinese instead of mojibake.
Crawled text that starts like a formula (``=``, ``+``, ``-``, ``@``) gets a leading apostrophe, so a
spreadsheet shows it rather than runs it.
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


def csv_chunks(mentions: Iterable[Mention], tz: tzinfo, rows_per_chunk: int = 200) -> Iterator[str]:
    """The CSV text in chunks (the web page streams them), byte-order mark first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(HEADER)
    for number, mention in enumerate(mentions, 1):
        writer.writerow(_row(mention, tz))
        if number % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
