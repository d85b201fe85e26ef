"""The daily volume and sentiment of a query as inline SVG: stacked bars, no script, no image request."""

from __future__ import annotations

from markupsafe import Markup, escape

from search.service import DayVolume

WIDTH, HEIGHT = 720, 180
LEFT, RIGHT, BOTTOM, TOP = 36, 24, 22, 10
COLOURS = (("negative", "#d9534f", "负面"), ("neutral", "#9aa5b1", "中性"), ("positive", "#5cb85c", "正面"))


def volume_svg(days: list[DayVolume]) -> Markup:
    peak = max((d.total for d in days), default=0) or 1
    plot_height = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    bar = max(1.0, step * 0.75)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'class="chart" aria-label="每日声量与情感">',
             f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end" class="axis">{peak}</text>',
             f'<text x="{LEFT - 4}" y="{HEIGHT - BOTTOM}" text-anchor="end" class="axis">0</text>',
             f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}" stroke="#ccc"/>']
    label_every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        x = LEFT + i * step
        y = HEIGHT - BOTTOM
        for attribute, colour, name in COLOURS:
            count = getattr(day, attribute)
            if count:
                height = count / peak * plot_height
                y -= height
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                             f'fill="{colour}">'
                             f'<title>{escape(day.day.isoformat())} {name} {count}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 6}" class="axis">{day.day:%m-%d}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
