"""``search``: find stored mentions with the query language of the web page (see ``search/query.py``)."""

from __future__ import annotations

import argparse
import json
import re
import sys

from yuqing.cli import UserError
from yuqing.terminal import printable


def register(commands) -> None:
    search = commands.add_parser(
        "search", help="搜索已存储的提及 (search stored mentions)",
        description="查询语法：词语须全部出现（子串匹配）；OR 任一；-词 排除；\"精确 短语\"；括号分组；"
                    "过滤 brand: source: kind: sentiment:neg|neu|pos category: grade: region: since: until:"
                    "（日期或 7d、24h）。")
    search.add_argument("query", nargs="*", help='例如 青禾 内胆 -广告 sentiment:neg since:7d')
    search.add_argument("--limit", type=_at_least_one, default=None,
                        help="每页条数 (default 20); 与 --csv 一起时为导出上限 (export cap; default: every match)")
    search.add_argument("--page", type=_at_least_one, default=1, help="第几页 (page number, default 1)")
    search.add_argument("--sort", choices=("time", "relevance"), default="time", help="按时间或相关度排序")
    search.add_argument("--dedupe", action="store_true", help="同一事件只显示一条 (one result per story)")
    output = search.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象 (JSON lines)")
    output.add_argument("--csv", metavar="FILE", help="导出全部结果为 CSV（UTF-8 BOM，Excel 可直接打开）")
    search.set_defaults(handler=search_command)


def _at_least_one(value: str) -> int:
    """argparse's check for a count: ``--limit -5`` is a usage error (exit 2), not a traceback deep in the export."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是整数 (not an integer): {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"至少为 1 (must be at least 1): {number}")
    return number


def search_command(args, context) -> int:
    from search.service import SearchRequest, record, search, vocabulary

    settings = context.settings
    text = " ".join(args.query)
    if args.csv:
        return _export(args, context, text)
    page = search(context.db, SearchRequest(q=text, sort=args.sort, dedupe=args.dedupe, page=args.page,
                                            per_page=args.limit or 20), settings.tz,
                  vocabulary=vocabulary(context.db, settings))
    if page.message:
        raise UserError(f"search: {page.message}")
    for note in page.notes:
        print(f"注意: {note}", file=sys.stderr)
    for hit in page.hits:
        if args.json:
            print(json.dumps(record(hit, settings.tz), ensure_ascii=False))
        else:
            print(_line(hit, settings.tz, sys.stdout.isatty()))
    if not args.json:
        more = f"，下一页: --page {page.request.page + 1}" if page.has_next else ""
        print(f"第 {page.request.page} 页，{len(page.hits)} 条结果{more}", file=sys.stderr)
    return 0


_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面"}


def _plain(marked: str, colour: bool) -> str:
    """Highlighted HTML back to terminal text: our ``<mark>`` (crawled text never has a raw one) as colour.

    Each piece of crawled text is made printable before our own colour codes go in, so no escape sequence but
    ours reaches the terminal."""
    from html import unescape

    start, end = ("\033[1;33m", "\033[0m") if colour else ("", "")
    pieces = re.split(r"(</?mark>)", marked)
    marks = {"<mark>": start, "</mark>": end}
    return "".join(marks.get(piece) if piece in marks else printable(unescape(piece)) for piece in pieces)


def _line(hit, tz, colour: bool) -> str:
    mention = hit.mention
    title = _plain(hit.title_html if mention.title else hit.snippet_html, colour)
    story = f" (同一事件 {hit.story_size} 条)" if hit.story_size and hit.story_size > 1 else ""
    label = _LABELS.get(mention.label, mention.label)
    return (f"{mention.published_at.astimezone(tz):%Y-%m-%d %H:%M}  [{printable(mention.brand)}] "
            f"{printable(label)} {printable(mention.grade)}  {printable(hit.source)}  {title}{story}"
            f"  {printable(mention.url)}")


def _export(args, context, text: str) -> int:
    from search.export import csv_chunks
    from search.query import QueryError
    from search.service import iter_matches, parse, vocabulary

    settings = context.settings
    try:
        query = parse(text, settings.tz, vocabulary=vocabulary(context.db, settings))
    except QueryError as exc:
        raise UserError(f"search: {exc}") from None
    limit = args.limit or None
    count = 0

    def counted(mentions):
        nonlocal count
        for mention in mentions:
            count += 1
            yield mention

    try:
        with open(args.csv, "w", encoding="utf-8", newline="") as handle:
            for chunk in csv_chunks(counted(iter_matches(context.db, query, args.sort, args.dedupe, limit)),
                                    settings.tz):
                handle.write(chunk)
    except OSError as exc:
        raise UserError(f"search: cannot write {args.csv}: {exc.strerror}") from None
    capped = f"（--limit {limit} 条为止）" if limit is not None and count >= limit else ""
    print(f"已导出 {count} 条到 {args.csv}{capped}", file=sys.stderr)
    return 0
