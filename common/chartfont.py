"""The one CJK font lookup for every chart drawn on the server (the alert email's trend, the digest's charts).

Servers differ in what they have installed. A chart whose Chinese labels come out as empty boxes is worse than
one labelled in English, so a font counts only if it really has Chinese glyphs (checked, not guessed from its
name), and without one every chart switches to labels the default font can draw. The web pages draw their
charts as SVG text in the reader's browser, which has its own fonts, and need no lookup.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

# Preferred in this order when installed; any other font with the probe's glyphs is the last resort.
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
PROBE = "舆情负面预警声量"
# matplotlib's own fallback font draws a box for every character: it "has" every glyph and shows none.
NOT_FONTS = ("Last Resort",)


@dataclass(frozen=True)
class ChartFont:
    name: str
    weight: int | str

    def rc(self) -> dict[str, object]:
        """matplotlib settings drawing every text in this font, at its own weight (WenQuanYi ships only one; asked
        for "normal", matplotlib warns on every label)."""
        return {"font.family": [self.name], "font.weight": self.weight, "axes.titleweight": self.weight,
                "axes.labelweight": self.weight}


def has_glyphs(path: str, text: str) -> bool:
    """Whether the font file at ``path`` draws every character of ``text`` (not its missing-glyph box)."""
    from matplotlib.ft2font import FT2Font

    try:
        face = FT2Font(path)
    except (OSError, RuntimeError):
        return False
    return all(face.get_char_index(ord(char)) for char in text if not char.isspace())


def find_cjk_font(installed: Iterable[tuple[str, int | str, str]]) -> ChartFont | None:
    """The font to draw Chinese with among ``installed`` (name, weight, file path), or ``None``."""
    fonts = [(name, weight, path) for name, weight, path in installed if not name.startswith(NOT_FONTS)]
    ranked = sorted(fonts, key=lambda f: CJK_FONTS.index(f[0]) if f[0] in CJK_FONTS else len(CJK_FONTS))
    for name, weight, path in ranked:
        if has_glyphs(path, PROBE):
            return ChartFont(name, weight)
    return None


@lru_cache(maxsize=1)
def chart_font() -> ChartFont | None:
    """The installed CJK font every chart uses, or ``None`` (then charts are labelled in English)."""
    from matplotlib import font_manager

    font = find_cjk_font((entry.name, entry.weight, entry.fname) for entry in font_manager.fontManager.ttflist)
    if font is None:
        log.warning("no CJK font installed: charts are labelled in English (install fonts-wqy-zenhei)")
    return font


def drawing_with(font: ChartFont | None):
    """A context in which matplotlib builds *and* draws a chart in ``font`` (tick labels are made at draw time,
    so saving the figure must happen inside it too)."""
    import matplotlib

    matplotlib.use("Agg")
    # WenQuanYi ships one weight; matplotlib warns on every draw that it substitutes it for "normal".
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return matplotlib.rc_context({"axes.unicode_minus": False, **(font.rc() if font else {})})


def png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def label(font: ChartFont | None, chinese: str, fallback: str) -> str:
    """``chinese`` when a CJK font will draw it, else ``fallback`` (ASCII the default font always has)."""
    return chinese if font else fallback
