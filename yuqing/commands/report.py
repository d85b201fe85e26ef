"""``report incident ALERT_ID``: the post-crisis report (复盘) of an alert, as text, an HTML page or a PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from yuqing.cli import UserError
from yuqing.commands import when

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def register(commands) -> None:
    report = commands.add_parser("report", help="舆情报告 (reports)")
    kinds = report.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    incident = kinds.add_parser("incident", help="预警事件复盘报告 (post-crisis report of an alert)")
    incident.add_argument("alert_id", type=int, help="预警编号，见 alerts list (alert id)")
    incident.add_argument("--html", metavar="FILE", help="另存为网页，与网页版相同 (write the HTML page)")
    incident.add_argument("--pdf", metavar="FILE", help="用 Chromium 打印为 PDF (print to PDF with Chromium)")
    incident.set_defaults(handler=incident_command)


def incident_command(args, context) -> int:
    from report.incident import IncidentError, incident_report
    from web.pages import duration_text, render_incident

    settings = context.settings
    try:
        incident = incident_report(context.db, settings, args.alert_id)
    except IncidentError as exc:
        raise UserError(str(exc)) from None
    tz = settings.tz
    print(f"复盘报告：{incident.who} 预警 #{incident.alert_id}，最高级别 {incident.highest_level or '-'}，"
          f"{when(incident.start, tz)} 至 {when(incident.end, tz)}")
    print("时间线：")
    for milestone in incident.milestones:
        print(f"  {when(milestone.at, tz)}  {milestone.name}  {milestone.detail}".rstrip())
    print("响应用时：")
    for measure in incident.measures:
        verdict = {None: "", True: "达标", False: "超时" if measure.at else "未完成"}[measure.met]
        plan = f"（预案 {measure.step} {duration_text(measure.allowed)}内）" if measure.step else ""
        print(f"  {measure.name}：{duration_text(measure.took)}{plan} {verdict}".rstrip())
    if args.html or args.pdf:
        html = render_incident(incident, tz, generated_at=datetime.now(UTC), csrf="", nav="alerts")
        if args.html:
            Path(args.html).write_text(html, encoding="utf-8")
            print(f"网页：{args.html}")
        if args.pdf:
            print_pdf(html, Path(args.pdf))
            print(f"PDF：{args.pdf}")
    return 0


def print_pdf(html: str, target: Path) -> None:
    """Chromium's own print-to-PDF: the page's print styles apply, Chinese renders with the system's fonts."""
    browser = os.environ.get("YUQING_CHROMIUM") or next(filter(None, map(shutil.which, BROWSERS)), None)
    if not browser:
        raise UserError("--pdf needs Chromium: install it or set YUQING_CHROMIUM; --html writes the page instead")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                                 f"--print-to-pdf={target.resolve()}", page.as_uri()],
                                capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0 or not target.exists():
        raise UserError(f"Chromium could not print the report: {result.stderr.strip()[-300:]}")
