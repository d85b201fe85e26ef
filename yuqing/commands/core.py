"""``db upgrade``, ``search`` and ``import``: the database and what is in it."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from yuqing.cli import UserError
from yuqing.config import parse_duration


def register(commands) -> None:
    db = commands.add_parser("db", help="数据库维护 (database maintenance)")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="把数据库升级到最新结构 (apply migrations)")
    upgrade.set_defaults(handler=db_upgrade)

    search = commands.add_parser("search", help="按关键词搜索已存储的提及 (search stored mentions)")
    search.add_argument("query", help="关键词，空格分隔，全部须出现 (keywords, all must match)")
    search.add_argument("--brand", help="只看这个品牌 (only this brand)")
    search.add_argument("--since", help="起始时间：2026-11-01 或 7d、24h (start: a date or a duration back)")
    search.add_argument("--limit", type=int, default=50, help="最多返回多少条 (default 50)")
    search.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象 (JSON lines)")
    search.set_defaults(handler=search_command)


def db_upgrade(args, context) -> int:
    context.db  # building the database runs the migrations
    print(f"database is up to date: {context.settings.storage.url}")
    return 0


def parse_since(value: str | None, tz) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.now(UTC) - parse_duration(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"--since {value!r}: expected a date (2026-11-01) or a duration (7d, 24h)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def search_command(args, context) -> int:
    from search.service import KeywordQuery, keyword_search

    settings = context.settings
    keywords = tuple(args.query.split())
    if not keywords:
        raise UserError("search: give at least one keyword")
    query = KeywordQuery(keywords, brand=args.brand, since=parse_since(args.since, settings.tz),
                         limit=max(1, args.limit))
    with context.db.session() as session:
        rows = keyword_search(session, query)
        for row in rows:
            published = row.published_at.astimezone(settings.tz)
            if args.json:
                print(json.dumps(
                    {"id": row.id, "brand": row.brand, "source": row.source.name, "title": row.title,
                     "text": row.text, "url": row.url, "author": row.author,
                     "published_at": published.isoformat(), "sentiment": round(row.sentiment, 4),
                     "label": row.label, "category": row.category, "grade": row.grade},
                    ensure_ascii=False))
            else:
                print(f"{published:%Y-%m-%d %H:%M}  [{row.brand}] {row.label:<8} {row.title or row.text[:40]}"
                      f"  {row.url}")
    if not args.json:
        print(f"{len(rows)} 条结果", file=sys.stderr)
    return 0


