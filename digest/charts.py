"""The digest's 7-day trend charts as PNG (matplotlib, Agg), in the one CJK font ``common.chartfont`` finds.

Without a CJK font the labels are English and the brand is left to the email around the chart: never boxes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from common.chartfont import ChartFont, chart_font, drawing_with, label, png
from search.service import DayVolume

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# (attribute, colour, Chinese name, English name)
COLOURS = (("negative", "#d9534f", "负面", "negative"), ("neutral", "#9aa5b1", "中性", "neutral"),
           ("positive", "#5cb85c", "正面", "positive"))


def trend_figure(brand: str, days: list[DayVolume], font: ChartFont | None) -> Figure:
    """Stacked bars of the week's mentions by sentiment. Call inside ``drawing_with(font)``."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 2.6), dpi=100)
    axes = figure.subplots()
    labels = [f"{d.day:%m-%d}" for d in days]
    bottom = [0] * len(days)
    for attribute, colour, chinese, english in COLOURS:
        values = [getattr(d, attribute) for d in days]
        axes.bar(labels, values, bottom=bottom, color=colour, label=label(font, chinese, english), width=0.6)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(label(font, f"{brand} 近 7 日声量与情感", "mentions and sentiment, last 7 days"))
    axes.set_ylabel(label(font, "提及数", "mentions"))
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)
    figure.tight_layout()
    return figure


def trend_png(brand: str, days: list[DayVolume]) -> bytes:
    font = chart_font()
    with drawing_with(font):
        return png(trend_figure(brand, days, font))
