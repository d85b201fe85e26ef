"""``digest``: the daily digest, printed, written as an HTML file, or sent to the PR team."""

from __future__ import annotations

from datetime import date

from yuqing.cli import UserError
from yuqing.terminal import printable


def register(commands) -> None:
    digest = commands.add_parser("digest", help="舆情日报 (the daily digest)")
    digest.add_argument("--date", help="哪一天，如 2026-11-24 (default: 昨天 yesterday)")
    output = digest.add_mutually_exclusive_group()
    output.add_argument("--print", action="store_true", help="打印纯文本版 (print the text version; default)")
    output.add_argument("--send", action="store_true", help="发送给 PR 团队 ([digest] department)")
    output.add_argument("--html", metavar="FILE", help="写出 HTML 文件（图表内嵌）")
    digest.set_defaults(handler=digest_command)


def _day(value: str | None, settings) -> date:
    from digest.build import default_day

    if not value:
        return default_day(settings)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"digest: --date {value!r}: expected a date such as 2026-11-24") from None


def digest_command(args, context) -> int:
    settings = context.settings
    day = _day(args.date, settings)
    if args.send:
        return _send(context, day)
    from digest.build import build_digest
    from digest.render import data_uri, render

    digest = build_digest(context.db, settings, day)
    if args.html:
        rendered = render(digest, image_src=data_uri)
        try:
            with open(args.html, "w", encoding="utf-8") as handle:
                handle.write(rendered.html)
        except OSError as exc:
            raise UserError(f"digest: cannot write {args.html}: {exc.strerror}") from None
        print(f"{rendered.subject} -> {args.html}")
        return 0
    print(printable(render(digest).text, lines=True))
    return 0


def _send(context, day: date) -> int:
    from delivery.outbox import deliver_pending
    from digest.send import send_digest

    settings = context.settings
    if not settings.mail.departments.get(settings.digest.department):
        raise UserError(f"digest: no addresses for [mail.departments] {settings.digest.department} "
                        "([digest] department)")
    queued = send_digest(context.db, settings, day)
    print(f"舆情日报 {day}: " + ("已加入发件队列" if queued else "此前已发送或已在队列中 (queued before)"))
    report = deliver_pending(context.db, settings)
    for error in report.errors:
        print(f"  error: {error}")
    for reason in report.reasons:
        print(f"  undelivered: {reason}")
    print(f"sent {report.sent}, to retry {report.retried}, failed {report.failed}, waiting {report.waiting}")
    return 1 if report.undelivered else 0
