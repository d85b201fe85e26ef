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

    tune = actions.add_parser(
        "tune", help="按品牌历史建议阈值，使误报不超过预算 (propose per-brand thresholds from history)"
    )
    tune.add_argument("brand", help="品牌名 (brand name)")
    tune.add_argument("--days", type=int, default=30, help="回放最近多少天，默认 30 (days of history)")
    tune.add_argument("--step", default="10m", help="评估间隔，默认 10m (evaluation step)")
    tune.add_argument(
        "--general-per-week", type=float, default=1.0, help="每周最多几次一般预警，默认 1 (budget of 一般)"
    )
    tune.add_argument("--write", action="store_true", help="写入设置文件 (append the thresholds to the settings)")
    tune.set_defaults(handler=tune_command)


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


def tune_command(args, context) -> int:
    from alerts.tune import Budget, history, propose, toml
    from yuqing.progress import progress_bar

    settings = context.settings
    known = {brand.name for brand in settings.brands}
    if args.brand not in known:
        raise UserError(f"unknown brand {args.brand!r} (known: {', '.join(sorted(known)) or 'none'})")
    if args.days < 1:
        raise UserError("--days must be at least 1")
    if args.general_per_week < 0:
        raise UserError("--general-per-week cannot be negative")
    step = _duration(args.step, "--step")
    if args.write:
        _writable(context.settings_path, args.brand)
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(days=args.days)
    with progress_bar("回放 tune") as update:
        moments = history(context.db, settings.alerts, args.brand, start, end, step, progress=update)
    proposals = propose(settings.alerts, args.brand, moments, Budget(general_per_week=args.general_per_week))
    for proposal in proposals:
        print(
            f"{proposal.level}：最近 {args.days} 天会触发 {len(proposal.before)} 次，预算 {proposal.allowed} 次"
            + (f"，建议后 {len(proposal.after)} 次" if proposal.changes else "，无需调整")
        )
        for name, (old, new) in proposal.changes.items():
            print(f"  {name}: {old:g} -> {new:g}")
        removed = sorted(set(proposal.before) - set(proposal.after))
        if removed:
            print("  不再触发：" + "、".join(when(moment, settings.tz) for moment in removed))
        kept = proposal.after if proposal.changes else proposal.before
        if kept:
            print("  仍会触发：" + "、".join(when(moment, settings.tz) for moment in kept))
    block = toml(args.brand, proposals)
    if not block:
        print("当前阈值已满足预算 (the current thresholds meet the budget)")
        return 0
    if not args.write:
        print("\n# 加入 settings.toml (or rerun with --write):\n" + block)
        return 0
    _append_settings(context.settings_path, args.brand, block, args)
    print(f"已写入 {context.settings_path}")
    return 0


def _writable(path, brand: str) -> None:
    """Refuse ``--write`` before the replay when the settings already have the brand's own alert settings:
    two tables of one name are invalid TOML, and merging them is a person's call."""
    import tomllib
    from pathlib import Path

    if brand in tomllib.loads(Path(path).read_text(encoding="utf-8")).get("alerts", {}).get("brands", {}):
        raise UserError(
            f'{path} already has [alerts.brands."{brand}"] settings: run without --write and merge the '
            "printed lines by hand"
        )


def _append_settings(path, brand: str, block: str, args) -> None:
    """Append the proposal to the settings file; the result is validated before it is written."""
    import tomllib
    from pathlib import Path

    from yuqing.config import Settings

    path = Path(path)
    original = path.read_text(encoding="utf-8")
    stamp = f"# yuqing alerts tune {brand} --days {args.days} ({datetime.now(UTC):%Y-%m-%d})\n"
    updated = original.rstrip("\n") + "\n\n" + stamp + block
    Settings.model_validate(tomllib.loads(updated))
    path.write_text(updated, encoding="utf-8")

