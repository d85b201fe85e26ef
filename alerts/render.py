"""Alert emails: subject, plain text and HTML from one context, rendered by jinja2 with HTML autoescaping.

Titles, authors and URLs are crawled text: the HTML template escapes them (``<script>`` arrives as text), and
a link is only a link when it is http(s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from alerts.catalog import CATALOG, INDICATORS
from alerts.config import ALL_SCOPE, AlertSettings, window_key, window_label
from alerts.evidence import Evidence
from alerts.indicators import Figures
from alerts.markdown import md, md_url, wan
from alerts.response import due_steps
from alerts.routing import DEPARTMENT_NAMES
from alerts.rules import Finding

TEMPLATES = Path(__file__).with_name("templates")
COLOURS = {"一般": "#d68910", "严重": "#ca6f1e", "重大": "#c0392b"}
KIND_TAGS = {"firing": "", "escalated": "·升级", "deescalated": "·降级", "repeat": "·持续"}
KIND_HEADINGS = {
    "firing": "负面舆情预警",
    "escalated": "负面舆情预警升级",
    "deescalated": "负面舆情预警降级",
    "repeat": "负面舆情预警（持续中）",
    "resolved": "负面舆情预警解除",
}
@dataclass
class Rendered:
    """One notification: the email (subject, text, HTML, inline images) and the chat robots' Markdown card,
    rendered from one context so every channel says the same."""

    subject: str
    text: str
    html: str
    images: list[tuple[str, bytes]] = field(default_factory=list)
    card: str = ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    # The .md.j2 cards for chat robots escape crawled text with these explicitly (Markdown has no autoescape).
    env.filters.update(md=md, md_url=md_url, wan=wan)
    return env


def _local(moment: datetime | None, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _safe_url(url: str) -> str:
    return url if url.lower().startswith(("http://", "https://")) else "#"


def figures_table(settings: AlertSettings, figures: Figures) -> tuple[list[str], list[list[str]]]:
    header = ["指标", *(window_label(w) for w in settings.windows)]
    rows = []
    for indicator in CATALOG:
        if indicator.email:
            cells = [indicator.format(figures.get(f"{indicator.name}_{window_key(w)}")) for w in settings.windows]
            rows.append([indicator.label, *cells])
    return header, rows


def subject_line(
    kind: str, level: str | None, previous: str | None, brand: str, scope: str, headline: str | None
) -> str:
    """``【重大】青禾 负面舆情预警：1小时负面 56 条 (阈值 50)``."""
    who = brand if scope == ALL_SCOPE else f"{brand}·{scope}"
    if kind == "resolved":
        return f"【已解除】{who} 负面舆情预警解除（此前为{previous}）"
    return f"【{level}{KIND_TAGS[kind]}】{who} 负面舆情预警：{headline or ''}".rstrip("：")


def _change_note(kind: str, level: str | None, previous: str | None) -> str:
    if kind == "escalated":
        return f"预警由{previous}升级为{level}，请按{level}级别响应。"
    if kind == "deescalated":
        return f"预警由{previous}降为{level}，仍在持续，请继续跟进。"
    if kind == "repeat":
        return f"预警仍在持续（{level}），尚未确认。确认后将不再重复提醒。"
    return ""


def render_alert(
    *,
    settings: AlertSettings,
    tz: tzinfo,
    alert_id: int,
    kind: str,
    level: str | None,
    previous_level: str | None,
    brand: str,
    scope: str,
    reasons: list[Finding],
    figures: Figures,
    evidence: Evidence,
    chart: bytes | None,
    started_at: datetime | None,
    level_since: datetime | None,
    now: datetime,
    departments: list[str],
    alert_url: str | None = None,
) -> Rendered:
    described = [f.describe_in(figures) for f in reasons]
    # The subject names the plainest figure that fired (volume before ratios), the body lists all, strongest
    # first.
    plainest = min(reasons, key=lambda f: list(INDICATORS).index(f.indicator), default=None)
    headline = plainest.describe_in(figures) if plainest else None
    subject = subject_line(kind, level, previous_level, brand, scope, headline)
    chart_cid = f"trend-{alert_id}@yuqing" if chart else None
    header, rows = figures_table(settings, figures)
    steps = (
        []
        if kind == "resolved" or level is None
        else [
            {"name": s.name, "action": s.action, "deadline_local": _local(s.deadline, tz)}
            for s in due_steps(level, level_since or now)
        ]
    )
    context = {
        "subject": subject,
        "heading": f"【{level or '已解除'}】{KIND_HEADINGS[kind]}",
        "brand": brand,
        "scope": scope,
        "all_scope": ALL_SCOPE,
        "level": level,
        "previous_level": previous_level,
        "alert_id": alert_id,
        "colour": COLOURS.get(level or "", "#27ae60"),
        "resolved": kind == "resolved",
        "resolved_note": "已无任何预警条件成立",
        "now_local": _local(now, tz),
        "started_local": _local(started_at, tz),
        "change_note": _change_note(kind, level, previous_level),
        "reasons": described,
        "figures_header": header,
        "figures_rows": rows,
        "chart_cid": chart_cid,
        "top": [
            {**vars(item), "url": _safe_url(item.url), "published_local": _local(item.published_at, tz)}
            for item in evidence.top
        ],
        "categories": evidence.categories,
        "regions": dict(list(evidence.regions.items())[:10]),
        "window_label": window_label(settings.windows[-1]),
        "steps": steps,
        "departments": "、".join(DEPARTMENT_NAMES.get(d, d) for d in departments),
        "alert_url": alert_url,
    }
    env = environment()
    return Rendered(
        subject=subject,
        text=env.get_template("alert.txt.j2").render(context),
        html=env.get_template("alert.html.j2").render(context),
        images=[(chart_cid, chart)] if chart and chart_cid else [],
        card=env.get_template("alert.md.j2").render(context),
    )


def render_nodata(
    *,
    source: str,
    kind: str,
    resolved: bool,
    since: datetime | None,
    now: datetime,
    threshold: timedelta,
    row,
    tz: tzinfo,
) -> Rendered:
    heading = (
        f"【{'已恢复' if resolved else '数据源异常'}】{source} {'恢复采集' if resolved else '持续采集失败'}"
    )
    duration = now - since if since else timedelta(0)
    hours = duration.total_seconds() / 3600
    context = {
        "subject": heading,
        "heading": heading,
        "source": source,
        "kind": kind,
        "resolved": resolved,
        "since_local": _local(since, tz),
        "duration": f"{hours:.1f} 小时",
        "threshold": f"{threshold.total_seconds() / 3600:g} 小时",
        "last_success_local": _local(row.last_success_at, tz) if row else "",
        "last_error_local": _local(row.last_error_at, tz) if row else "",
        "last_error": (row.last_error or "")[:300] if row else "",
        "blocked_until_local": _local(row.blocked_until, tz) if row and row.blocked_until else "",
        "blocked_reason": row.blocked_reason if row else "",
        "failures": row.failures if row else 0,
    }
    env = environment()
    return Rendered(
        subject=heading,
        text=env.get_template("nodata.txt.j2").render(context),
        html=env.get_template("nodata.html.j2").render(context),
        card=env.get_template("nodata.md.j2").render(context),
    )
