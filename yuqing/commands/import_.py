"""``import FILE`` and ``import --retry-failed``: mentions from JSON Lines, or the dead letters, into the store."""

from __future__ import annotations

import sys

from yuqing.cli import UserError
from yuqing.terminal import printable


def register(commands) -> None:
    importer = commands.add_parser(
        "import", help="导入 JSON Lines 格式的提及并走完整流水线 (import mentions)",
        description="逐行校验并导入；坏行报告行号和原因，其余照常入库，有坏行或入库失败时退出码非零。"
                    "重复导入同一文件不会改变任何数据。",
    )
    importer.add_argument("file", nargs="?", help="每行一个提及：yuqing parse 的输出加 brand、source、source_kind")
    importer.add_argument("--retry-failed", action="store_true",
                          help="重试入库失败的提及（死信表和死信文件）(replay the dead letters)")
    importer.set_defaults(handler=import_command)


def import_command(args, context) -> int:
    from crawler.ingest import import_file, retry_failed
    from yuqing.progress import tracked

    if bool(args.file) == bool(args.retry_failed):
        raise UserError("import: give a FILE, or --retry-failed (not both)", status=2)
    settings, db = context.settings, context.db

    def progress(items):
        return tracked(items, "导入 import")

    try:
        report = retry_failed(settings, db, progress=progress) if args.retry_failed else import_file(
            settings, db, args.file, progress=progress)
    except OSError as exc:
        raise UserError(f"{args.file}: {exc.strerror}") from None
    for error in report.errors:
        print(printable(error), file=sys.stderr)
    if report.outcomes["new"] or report.outcomes["updated"]:
        from search.index import sync

        sync(db.engine)
    counts = report.outcomes
    print(f"读取 {report.lines} 行：新增 {counts['new']}，更新 {counts['updated']}，未变 {counts['unchanged']}，"
          f"未匹配品牌 {counts['unmatched']}，丢弃（无内容）{counts['dropped']}，坏行 {counts['invalid']}，"
          f"入库失败 {counts['failed']}")
    if counts["failed"]:
        print("入库失败的提及已存为死信，修复后运行 yuqing import --retry-failed 重试", file=sys.stderr)
    return 1 if report.failed else 0
