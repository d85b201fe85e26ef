"""The digest's 7-day trend charts as PNG (matplotlib, Agg), drawn with a CJK font found at run time."""

from __future__ import annotations

import io
import logging
from functools import lru_cache

from search.service import DayVolume

log = logging.getLogger(__name__)

CJK_FONTS = ("WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei",
             "Microsoft YaHei", "PingFang SC")
COLOURS = (("negative", "#d9534f", "负面"), ("neutral", "#9aa5b1", "中性"), ("positive", "#5cb85c", "正面"))


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int | str] | None:
    """(name, weight) of the first installed font with Chinese glyphs; without, labels are empty boxes."""
    from matplotlib import font_manager

    installed = {entry.name: entry.weight for entry in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name, installed[name]
    log.warning("no CJK font found (install fonts-wqy-zenhei): chart labels will not show Chinese")
    return None


def trend_png(brand: str, days: list[DayVolume]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rc: dict[str, object] = {"axes.unicode_minus": False}
    if font := cjk_font():
        # Its own weight (Zen Hei has only "medium"): asking for "normal", matplotlib warns on every label.
        name, weight = font
        rc.update({"font.family": [name], "font.weight": weight, "axes.titleweight": weight,
                   "axes.labelweight": weight})
    with matplotlib.rc_context(rc):
        figure = Figure(figsize=(6.4, 2.6), dpi=100)
        axes = figure.subplots()
        labels = [f"{d.day:%m-%d}" for d in days]
        bottom = [0] * len(days)
        for attribute, colour, name in COLOURS:
            values = [getattr(d, attribute) for d in days]
            axes.bar(labels, values, bottom=bottom, color=colour, label=name, width=0.6)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.set_title(f"{brand} 近 7 日声量与情感")
        axes.set_ylabel("提及数")
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
