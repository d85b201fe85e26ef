"""``parse NAME FILE``: run one site parser on a saved page and print its mentions, no settings needed."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yuqing.cli import UserError


def register(commands) -> None:
    from crawler.sites import parsers

    names = list(parsers())
    parse = commands.add_parser(
        "parse",
        help="用站点解析器解析保存的页面，输出 JSON 行 (run a site parser on a saved page)",
        description="用站点解析器解析一个保存下来的页面，每条提及输出一行 JSON。解析器："
        + "、".join(names),
    )
    parse.add_argument(
        "parser", metavar="NAME", choices=sorted(names), help="解析器名，如 weibo-search、tieba-list"
    )
    parse.add_argument(
        "file", metavar="FILE", help="保存的页面或 JSON 文件，- 表示标准输入 (saved page; - for stdin)"
    )
    parse.add_argument("--url", help="页面原来的网址，用于补全相对链接 (the page's URL, for relative links)")
    parse.add_argument(
        "--tz", default="Asia/Shanghai", help="解读相对时间的时区 (time zone, default Asia/Shanghai)"
    )
    parse.add_argument(
        "--selector",
        action="append",
        default=[],
        metavar="FIELD=CSS",
        help="review 解析器的 CSS 选择器，可重复：--selector item=li.review",
    )
    parse.set_defaults(handler=parse_command)


def parse_command(args, context) -> int:
    from crawler.parsers import ParseError
    from crawler.sites import parsers

    try:
        tz = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"--tz {args.tz!r}: unknown time zone") from None
    body = _read(args.file)
    url = args.url or (Path(args.file).resolve().as_uri() if args.file != "-" else "file:///dev/stdin")
    try:
        mentions = parsers()[args.parser](
            body, url, now=datetime.now(UTC).astimezone(tz), tz=tz, selectors=_selectors(args.selector)
        )
    except ParseError as exc:
        raise UserError(f"parse {args.parser}: {exc}") from None
    for mention in mentions:
        print(json.dumps(mention.to_json(), ensure_ascii=False))
    print(f"{len(mentions)} 条提及 (mentions)", file=sys.stderr)
    return 0


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None


def _selectors(pairs: list[str]) -> dict[str, str] | None:
    selectors = {}
    for pair in pairs:
        field, sep, css = pair.partition("=")
        if not sep or not field.strip() or not css.strip():
            raise UserError(f"--selector {pair!r}: expected FIELD=CSS, e.g. item=li.review")
        selectors[field.strip()] = css.strip()
    return selectors or None
