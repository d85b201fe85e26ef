"""Charts never show empty boxes: in the installed CJK font when there is one, in English labels when not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from matplotlib import font_manager

from alerts import chart as alert_chart
from common.chartfont import chart_font, drawing_with, find_cjk_font, has_glyphs
from digest import charts as digest_charts
from search.service import DayVolume
from tests.conftest import unavailable

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


def alert_figure(font):
    trend = [(START + timedelta(hours=h), h % 5) for h in range(24)]
    return alert_chart.trend_figure(trend, TZ, title="青禾 近24小时负面声量", font=font)


def digest_figure(font):
    days = [DayVolume(date(2026, 11, 18) + timedelta(days=d), 3, 2, 1) for d in range(7)]
    return digest_charts.trend_figure("青禾", days, font)


def drawn_texts(figure) -> list:
    figure.draw_without_rendering()  # tick labels exist only once the figure is drawn
    return [t for t in figure.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontproperties"))
            if t.get_visible() and t.get_text().strip()]


def missing_glyphs(figure) -> list[str]:
    """Every drawn text with a character the font matplotlib picks for it cannot draw."""
    missing = []
    for text in drawn_texts(figure):
        path = font_manager.findfont(text.get_fontproperties())
        if not has_glyphs(path, text.get_text()):
            missing.append(f"{text.get_text()!r} in {path}")
    return missing


@pytest.mark.parametrize("figure_of", [alert_figure, digest_figure], ids=["alert", "digest"])
def test_without_a_cjk_font_every_label_of_every_chart_is_drawable(figure_of):
    with drawing_with(None):
        figure = figure_of(None)
        assert not missing_glyphs(figure)
        assert all(text.get_text().isascii() for text in drawn_texts(figure))


@pytest.mark.parametrize("figure_of", [alert_figure, digest_figure], ids=["alert", "digest"])
def test_with_the_installed_cjk_font_labels_are_chinese_and_every_glyph_exists(figure_of):
    font = chart_font()
    if font is None:
        unavailable("no CJK font installed (.ci/run installs fonts-wqy-zenhei)")
    with drawing_with(font):
        figure = figure_of(font)
        assert not missing_glyphs(figure)
        assert any("青禾" in text.get_text() for text in drawn_texts(figure))


def test_a_font_counts_as_chinese_only_if_it_has_the_glyphs_whatever_its_name():
    latin = font_manager.findfont("DejaVu Sans")
    assert find_cjk_font([("Century Gothic", 400, latin), ("Noto Sans CJK SC", 400, latin)]) is None
    last_resort = [f for f in font_manager.fontManager.ttflist if f.name.startswith("Last Resort")]
    assert find_cjk_font((f.name, f.weight, f.fname) for f in last_resort) is None
