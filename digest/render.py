"""One digest, three faces: the email's HTML (charts inline by Content-ID), its plain text, and a
standalone HTML file (charts as data URIs) for ``yuqing digest --html``."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from common.settings import SOURCE_KINDS
from digest.build import LABELS, Digest
from digest.charts import trend_png
from search.labels import KIND_NAMES, LABEL_NAMES

TEMPLATES = Path(__file__).with_name("templates")
EVENT_NAMES = {"firing": "触发", "escalated": "升级", "resolved": "解除", "acknowledged": "已确认"}
STATE_NAMES = {"inactive": "已结束", "pending": "待定", "firing": "预警中", "resolved": "已解除"}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    images: list[tuple[str, bytes]]  # (Content-ID, PNG)


def change(now: float, before: float) -> str:
    """``+25%`` against a baseline, ``新增`` from nothing, ``持平`` when equal."""
    if before == 0:
        return "持平" if now == 0 else "新增"
    percent = (now - before) / before * 100
    return "持平" if abs(percent) < 0.5 else f"{percent:+.0f}%"


def _environment(autoescape: bool) -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                              autoescape=select_autoescape(default=autoescape), trim_blocks=True,
                              lstrip_blocks=True)
    environment.globals.update(kinds=SOURCE_KINDS, kind_names=KIND_NAMES, labels=LABELS,
                               label_names=LABEL_NAMES, event_names=EVENT_NAMES, state_names=STATE_NAMES,
                               change=change)
    environment.filters["n"] = lambda value: f"{value:.1f}" if value % 1 else f"{value:.0f}"
    return environment


def render(digest: Digest, image_src: Callable[[str, bytes], str] | None = None) -> Rendered:
    """Text and HTML of ``digest``; ``image_src`` makes a chart's ``src`` (default: ``cid:``, for email)."""
    charts = {b.brand: trend_png(b.brand, b.trend) for b in digest.brands}
    content_ids = {brand: f"trend-{i}@yuqing.digest" for i, brand in enumerate(charts, 1)}
    image_src = image_src or (lambda content_id, _: f"cid:{content_id}")
    sources = {brand: image_src(content_ids[brand], png) for brand, png in charts.items()}
    context = {"digest": digest, "chart_src": sources}
    html = _environment(True).get_template("digest.html").render(context)
    text = _environment(False).get_template("digest.txt").render(context)
    return Rendered(subject=digest.subject, text=text, html=html,
                    images=[(content_ids[brand], png) for brand, png in charts.items()])


def data_uri(_: str, png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
