"""The negative-volume trend as a small PNG for the email, drawn with matplotlib's Agg backend (no display).

The CJK font is looked up at run time: servers differ in what they have installed, and a chart with boxes for
every character is worse than one with English labels, so without a CJK font the labels fall back to English.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, tzinfo
from functools import lru_cache

log = logging.getLogger(__name__)

CJK_FONTS = (
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font that has Chinese glyphs, or ``None``."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    for font in font_manager.fontManager.ttflist:
        if any(mark in font.name for mark in ("CJK", "Hei", "Song", "Kai", "Ming", "Gothic")):
            return font.name
    log.warning("no CJK font found; the alert chart is labelled in English (install fonts-wqy-zenhei)")
    return None


def trend_png(trend: list[tuple[datetime, int]], tz: tzinfo, *, title: str) -> bytes | None:
    """Bars of negative mentions per hour; ``None`` if matplotlib cannot draw (the email goes out without
    it)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is a dependency, but mail must not depend on a chart
        return None
    # WenQuanYi ships one weight; matplotlib warns on every draw that it substitutes it for "normal".
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    font = cjk_font()
    labels = ("负面提及数（每小时）", title) if font else ("negative mentions per hour", "")
    figure = Figure(figsize=(6.4, 2.4), dpi=100)
    axes = figure.subplots()
    hours = [moment.astimezone(tz).strftime("%H时" if font else "%H:00") for moment, _ in trend]
    counts = [count for _, count in trend]
    axes.bar(range(len(counts)), counts, color="#c0392b")
    step = max(1, len(hours) // 8)
    axes.set_xticks(range(0, len(hours), step), hours[::step])
    family = {"fontfamily": font} if font else {}
    axes.set_ylabel(labels[0], fontsize=8, **family)
    if labels[1]:
        axes.set_title(labels[1], fontsize=10, **family)
    for label in axes.get_xticklabels():
        if font:
            label.set_fontfamily(font)
        label.set_fontsize(7)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
