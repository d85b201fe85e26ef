"""The negative-volume trend as a small PNG for the email, drawn with matplotlib's Agg backend (no display).

Labels are Chinese when a CJK font is installed and English otherwise (``common.chartfont``): never boxes.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from common.chartfont import ChartFont, chart_font, drawing_with, label, png

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def trend_figure(trend: list[tuple[datetime, int]], tz: tzinfo, *, title: str, font: ChartFont | None) -> Figure:
    """Bars of negative mentions per hour; ``title`` (which names the brand) only when ``font`` can draw it.
    Call inside ``drawing_with(font)``."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 2.4), dpi=100)
    axes = figure.subplots()
    hours = [moment.astimezone(tz).strftime(label(font, "%H时", "%H:00")) for moment, _ in trend]
    counts = [count for _, count in trend]
    axes.bar(range(len(counts)), counts, color="#c0392b")
    step = max(1, len(hours) // 8)
    axes.set_xticks(range(0, len(hours), step), hours[::step], fontsize=7)
    axes.set_ylabel(label(font, "负面提及数（每小时）", "negative mentions per hour"), fontsize=8)
    if font:
        axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def trend_png(trend: list[tuple[datetime, int]], tz: tzinfo, *, title: str) -> bytes | None:
    """The trend as PNG bytes; ``None`` if matplotlib cannot draw (the email goes out without it)."""
    try:
        font = chart_font()
        with drawing_with(font):
            return png(trend_figure(trend, tz, title=title, font=font))
    except ImportError:  # pragma: no cover - matplotlib is a dependency, but mail must not depend on a chart
        return None
