"""``alerts evaluate|send|list|ack|silence|unsilence|backtest``: the crisis alert engine from the shell."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

from yuqing.cli import UserError
from yuqing.commands import when
from yuqing.config import parse_duration


def register(commands) -> None:
    alerts = commands.add_parser("alerts", help="舆情预警 (crisis alerts)")
    actions = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)

    evaluate = actions.add_parser(
        "evaluate", help="立即评估所有品牌并发送到期的邮件 (evaluate now, then send)"
    )
    evaluate.add_argument("--no-send", action="store_true", help="只写入发件箱，不发送 (enqueue only)")
    evaluate.set_defaults(handler=evaluate_command)

    send = actions.add_parser("send", help="发送发件箱中到期的邮件 (deliver the outbox)")
    send.set_defaults(handler=send_command)

    listing = actions.add_parser("list", help="列出预警与静默 (list alerts and silences)")
    listing.add_argument("--all", action="store_true", help="包括已解除的预警 (include resolved alerts)")
    listing.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象 (JSON lines)")
    listing.set_defaults(handler=list_command)

    ack = actions.add_parser("ack", help="确认预警：本轮不再重复提醒 (acknowledge: no repeat reminders)")
    ack.add_argument("id", type=int, help="预警编号 (alert id, see `alerts list`)")
    ack.add_argument("--by", help="确认人 (who acknowledges)")
    ack.set_defaults(handler=ack_command)

    silence = actions.add_parser("silence", help="静默一个品牌的预警通知 (silence a brand's notifications)")
    silence.add_argument("brand", help="品牌名 (brand name)")
    silence.add_argument("--for", dest="duration", required=True, help="时长，如 30m、2h、1d (how long)")
    silence.add_argument("--reason", required=True, help="原因 (why)")
    silence.add_argument("--category", help="只静默这个问题类别 (only this complaint category)")
    silence.add_argument("--by", help="操作人 (who)")
    silence.set_defaults(handler=silence_command)

    unsilence = actions.add_parser("unsilence", help="提前结束一个静默 (end a silence early)")
    unsilence.add_argument("id", type=int, help="静默编号，见 alerts list (silence id)")
    unsilence.set_defaults(handler=unsilence_command)

    backtest = actions.add_parser(
        "backtest", help="用历史数据回放规则，不发送任何邮件 (replay history through the rules)"
    )
    backtest.add_argument(
        "--from", dest="start", required=True, help="起始时间，如 2026-11-01 或 2026-11-01T08:00"
    )
    backtest.add_argument("--to", dest="end", required=True, help="结束时间 (end)")
    backtest.add_argument("--step", help="评估间隔，默认 alerts.evaluation_interval (evaluation step)")
    backtest.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象 (JSON lines)")
    backtest.set_defaults(handler=backtest_command)


def _moment(value: str, tz, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"{option} {value!r}: expected a date or time such as 2026-11-01 or 2026-11-01T08:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _duration(value: str, option: str) -> timedelta:
    try:
        duration = parse_duration(value)
    except ValueError:
        raise UserError(f"{option} {value!r}: expected a duration such as 30m, 2h or 1d") from None
    if duration <= timedelta(0):
        raise UserError(f"{option} {value!r}: must be longer than zero")
    return duration



def evaluate_command(args, context) -> int:
    from alerts.engine import evaluate
    from delivery.outbox import deliver_pending

    settings = context.settings
    report = evaluate(context.db, settings)
    for change in report.changes:
        if change.events or change.notification:
            what = ",".join(change.events) or change.notification
            muted = f" ({change.muted})" if change.muted else ""
            print(
                f"{'/'.join(filter(None, change.key[1:]))}: {what} {change.state.level or ''}{muted}".rstrip()
            )
    print(f"评估 {report.brands} 个品牌，{len(report.firing)} 个预警触发中，新邮件 {report.enqueued} 封")
    if args.no_send:
        return 0
    return _print_delivery(deliver_pending(context.db, settings))


def send_command(args, context) -> int:
    from delivery.outbox import deliver_pending

    return _print_delivery(deliver_pending(context.db, context.settings))


def _print_delivery(report) -> int:
    """One line of counts; then, if anything is left undelivered, why, on stderr, and exit status 1."""
    print(f"发送 {report.sent}，稍后重试 {report.retried}，失败 {report.failed}，待发 {report.waiting}")
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    for reason in report.reasons:
        print(f"  未送达 (undelivered): {reason}", file=sys.stderr)
    return 1 if report.undelivered else 0


def list_command(args, context) -> int:
    from report.alerts import alert_list, current_silences

    settings = context.settings
    rows = alert_list(context.db, include_resolved=args.all)
    for row in rows:
        if args.json:
            print(json.dumps({
                "id": row.id, "kind": row.kind, "subject": row.subject, "scope": row.scope, "state": row.state,
                "level": row.level, "started_at": row.started_at and row.started_at.isoformat(),
                "last_notified_at": row.last_notified_at and row.last_notified_at.isoformat(),
                "resolved_at": row.resolved_at and row.resolved_at.isoformat(),
                "acknowledged_by": row.acknowledged_by,
                "acknowledged_at": row.acknowledged_at and row.acknowledged_at.isoformat(),
                "reasons": row.raw_reasons,
            }, ensure_ascii=False))
            continue
        who = row.subject if row.kind == "brand" else f"数据源 {row.subject}"
        scope = f"·{row.scope}" if row.scope and row.scope != "全部" else ""
        ack = f" 已确认({row.acknowledged_by or '-'})" if row.acknowledged_at else ""
        why = "; ".join(f"{r['name']}={r['value']:g}≥{r['threshold']:g}" for r in row.raw_reasons[:3])
        print(
            f"#{row.id:<4} {row.state:<8} {row.level or '-':<3} {who}{scope}"
            f"  起 {when(row.started_at, settings.tz)}"
            f"  通知 {when(row.last_notified_at, settings.tz)}{ack}  {why}".rstrip()
        )
    if not args.json:
        for silence in current_silences(context.db):
            print(
                f"静默 #{silence.id} {silence.brand}{'·' + silence.scope if silence.scope else ''} 至 "
                f"{when(silence.ends_at, settings.tz)}：{silence.reason}"
            )
        if not rows:
            print("没有进行中的预警", file=sys.stderr)
    return 0


def ack_command(args, context) -> int:
    from alerts.actions import ActionError, acknowledge

    try:
        acknowledge(context.db, args.id, args.by, datetime.now(UTC))
    except ActionError as exc:
        raise UserError(str(exc)) from None
    print(f"预警 #{args.id} 已确认：本轮不再重复提醒，升级或解除时仍会通知")
    return 0


def silence_command(args, context) -> int:
    from alerts.actions import ActionError, silence

    settings = context.settings
    duration = _duration(args.duration, "--for")
    try:
        row = silence(context.db, brand=args.brand, scope=args.category, duration=duration, reason=args.reason,
                      by=args.by, now=datetime.now(UTC), known_brands={brand.name for brand in settings.brands})
    except ActionError as exc:
        raise UserError(str(exc)) from None
    print(f"静默 #{row.id}：{args.brand}{'·' + args.category if args.category else ''} 至 "
          f"{when(row.ends_at, settings.tz)}")
    return 0


def unsilence_command(args, context) -> int:
    from alerts.actions import ActionError, end_silence

    try:
        end_silence(context.db, args.id, datetime.now(UTC))
    except ActionError as exc:
        raise UserError(str(exc)) from None
    print(f"静默 #{args.id} 已结束：通知恢复，被静默期间的变化会在下次评估时发出")
    return 0


def backtest_command(args, context) -> int:
    from alerts.backtest import replay

    settings = context.settings
    start, end = _moment(args.start, settings.tz, "--from"), _moment(args.end, settings.tz, "--to")
    if end <= start:
        raise UserError("--to must be after --from")
    step = _duration(args.step, "--step") if args.step else None
    from yuqing.progress import progress_bar

    with progress_bar("回放 backtest") as update:
        found = replay(context.db, settings, start, end, step=step, progress=update)
    for item in found:
        if args.json:
            print(json.dumps(item.to_json(), ensure_ascii=False))
            continue
        scope = "" if item.scope == "全部" else f"·{item.scope}"
        level = item.level or f"(原{item.previous_level})"
        muted = (
            f" [{ {'inhibited': '被更高级别抑制', 'silenced': '静默'}[item.muted] }]" if item.muted else ""
        )
        print(
            f"{when(item.at, settings.tz)}  {item.brand}{scope}  {EVENT_NAMES[item.event]} {level}{muted}  "
            f"{'；'.join(item.reasons)}".rstrip()
        )
    if not args.json:
        print(
            f"回放 {start.astimezone(settings.tz):%Y-%m-%d %H:%M} – "
            f"{end.astimezone(settings.tz):%Y-%m-%d %H:%M}：{len(found)} 次变化，未发送任何邮件",
            file=sys.stderr,
        )
    return 0


EVENT_NAMES = {"firing": "触发", "escalated": "升级", "deescalated": "降级", "resolved": "解除"}
