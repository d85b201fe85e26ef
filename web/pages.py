"""The alert, incident and overview pages' templates and charts, without the web framework.

``yuqing report incident --html`` writes the very page the web app serves, so both render here; the app adds
only the request (token, CSRF field) around it. Autoescaping is on for every template: crawled text is hostile.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from common.urls import alert_path, incident_path, overview_path
from report.alerts import DELIVERY_NAMES, EVENT_NAMES
from report.incident import HOUR, Incident
from report.overview import Overview
from search.labels import KIND_NAMES, LABEL_NAMES
from search.service import safe_url
from web.chart import NEGATIVE_RED, bars_svg, incident_svg, stacked_svg

TEMPLATES = Path(__file__).with_name("templates")
LEVEL_COLOURS = {"一般": "#d68910", "严重": "#ca6f1e", "重大": "#c0392b"}
STATE_NAMES = {"pending": "待确认", "firing": "预警中", "resolved": "已解除", "inactive": "未触发"}
SILENCE_CHOICES = {"30m": "30 分钟", "1h": "1 小时", "2h": "2 小时", "4h": "4 小时", "8h": "8 小时", "1d": "1 天",
                   "3d": "3 天"}


def duration_text(value: timedelta | None) -> str:
    """``1小时23分``; a negative span (an official post before detection) says 发现前."""
    if value is None:
        return "—"
    before = value < timedelta(0)
    minutes = int(abs(value).total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{minutes}分" if minutes or not
             (days or hours) else ""]
    return ("发现前 " if before else "") + "".join(parts)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.filters["duration"] = duration_text
    env.globals.update(safe_url=safe_url, level_colours=LEVEL_COLOURS, state_names=STATE_NAMES,
                       kinds=KIND_NAMES, labels=LABEL_NAMES, alert_path=alert_path, incident_path=incident_path,
                       overview_path=overview_path)
    return env


def local(tz: tzinfo):
    def format_local(moment: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
        return moment.astimezone(tz).strftime(pattern) if moment else "—"

    return format_local


def incident_context(incident: Incident, tz: tzinfo) -> dict:
    """What the incident template shows: the report, its charts and the numbered milestones the chart flags."""
    at = local(tz)
    labels = _bucket_labels([b.start for b in incident.buckets], tz, hourly=incident.step == HOUR)
    flagged = [m for m in incident.milestones if m.key in FLAGGED]
    markers = [(_bucket_of(incident, m.at), m.name) for m in flagged]
    return {
        "incident": incident, "at": at, "flagged": flagged,
        "chart": incident_svg(labels, [b.negative for b in incident.buckets], [b.share for b in incident.buckets],
                              incident.baseline_share, markers),
        "spreads": [(s.dimension, stacked_svg(labels, s.series, title=f"负面按{s.dimension}分布")) for s in
                    incident.spreads],
        "event_names": EVENT_NAMES, "delivery_names": DELIVERY_NAMES,
    }


def _bucket_labels(starts: list[datetime], tz: tzinfo, *, hourly: bool) -> list[str]:
    """``04时`` per hour and the date at midnight (the report's heading gives the dates): short enough to fit."""
    local_starts = [start.astimezone(tz) for start in starts]
    if not hourly:
        return [moment.strftime("%m-%d") for moment in local_starts]
    return [moment.strftime("%m-%d" if moment.hour == 0 else "%H时") for moment in local_starts]


# The milestones worth a flag on the chart; the others are in the timeline table.
FLAGGED = ("first_negative", "firing", "escalated", "acknowledged", "official", "peak", "recovered", "resolved")


def _bucket_of(incident: Incident, moment: datetime) -> int:
    index = int((moment - incident.start) / incident.step)
    return min(max(index, 0), len(incident.buckets) - 1)


def render_incident(incident: Incident, tz: tzinfo, **extra) -> str:
    """The whole incident page as HTML (the CLI writes it to a file; Chromium prints it to PDF)."""
    return environment().get_template("incident.html").render(incident_context(incident, tz), **extra)


def overview_context(overview: Overview, tz: tzinfo) -> dict:
    days = [d.day.strftime("%m-%d") for d in overview.volume]
    sentiment = {"负面": [d.negative for d in overview.volume], "中性": [d.neutral for d in overview.volume],
                 "正面": [d.positive for d in overview.volume]}
    return {
        "overview": overview, "at": local(tz),
        "volume_chart": stacked_svg(days, sentiment, title="每日声量与情感",
                                    colours={"负面": NEGATIVE_RED, "中性": "#9aa5b1", "正面": "#5cb85c"}),
        "sources_chart": bars_svg(overview.sources, title="各来源提及"),
        "regions_chart": bars_svg(overview.regions, title="各地区提及", colour="#76b7b2"),
        "categories_chart": bars_svg(overview.categories, title="负面问题类别", colour=NEGATIVE_RED),
    }


def trend_chart(points: list[tuple[datetime, int]], tz: tzinfo) -> Markup:
    """The alert page's negative mentions per hour over the last day."""
    at = local(tz)
    return stacked_svg([at(end - HOUR, "%H时") for end, _ in points], {"负面": [n for _, n in points]},
                       title="近24小时负面声量", colours={"负面": NEGATIVE_RED})

