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


# ---- the alert, incident and overview pages' charts ------------------------------------------------------------
# Labels are text in the SVG, drawn by the browser with the page's fonts: Chinese renders wherever the reader's
# machine has a CJK font (every desktop and phone does), and stays selectable and printable.
FONTS = "'WenQuanYi Zen Hei','Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f")
NEGATIVE_RED = "#d9534f"


def _open(width: int, height: int, label: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" '
            f'font-family="{FONTS}" aria-label="{escape(label)}">']


def stacked_svg(labels: list[str], series: dict[str, list[int]], *, title: str,
                colours: dict[str, str] | None = None) -> Markup:
    """Stacked bars per label with a legend: the spread of a crisis by region, source or category over time."""
    legend_rows = (len(series) + 3) // 4
    top = TOP + 18 * legend_rows
    height = HEIGHT + 18 * legend_rows
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = max(totals, default=0) or 1
    plot = height - BOTTOM - top
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar = max(1.0, step * 0.75)
    colour_of = {name: (colours or {}).get(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)}
    parts = _open(WIDTH, height, title)
    for i, name in enumerate(series):
        x, y = LEFT + (i % 4) * 170, 14 + (i // 4) * 18
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour_of[name]}"/>'
                     f'<text x="{x + 14}" y="{y}" class="legend">{escape(name)}</text>')
    parts += _axis(peak, top, height)
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        x, y = LEFT + i * step, height - BOTTOM
        for name, values in series.items():
            if values[i]:
                h = values[i] / peak * plot
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                             f'fill="{colour_of[name]}"><title>{escape(label)} {escape(name)} {values[i]}</title>'
                             f'</rect>')
        if i % every == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 6}" class="axis">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _axis(peak: int, top: int, height: int) -> list[str]:
    return [f'<text x="{LEFT - 4}" y="{top + 8}" text-anchor="end" class="axis">{peak}</text>',
            f'<text x="{LEFT - 4}" y="{height - BOTTOM}" text-anchor="end" class="axis">0</text>',
            f'<line x1="{LEFT}" y1="{height - BOTTOM}" x2="{WIDTH}" y2="{height - BOTTOM}" stroke="#ccc"/>']


def bars_svg(items: list[tuple[str, int]], *, title: str, colour: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per named value (sources, regions, categories), the count at the end of each."""
    row, label_width, width = 22, 110, 360
    height = max(1, len(items)) * row + 6
    peak = max((n for _, n in items), default=0) or 1
    parts = _open(width, height, title)
    for i, (name, count) in enumerate(items):
        y = 4 + i * row
        length = count / peak * (width - label_width - 50)
        parts.append(f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" class="label">'
                     f'{escape(_clip(name, 8))}</text>'
                     f'<rect x="{label_width}" y="{y + 3}" width="{max(length, 1):.1f}" height="14" fill="{colour}">'
                     f'<title>{escape(name)} {count}</title></rect>'
                     f'<text x="{label_width + length + 4:.1f}" y="{y + 14}" class="axis">{count}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def incident_svg(labels: list[str], negative: list[int], share: list[float | None], baseline: float | None,
                 markers: list[tuple[int, str]]) -> Markup:
    """Negative mentions per bucket (bars), their share of all public mentions (line, right axis), the baseline
    share (dashed) and the milestones (numbered flags above the bars, explained in the timeline beside)."""
    height = HEIGHT + 40
    top = TOP + 30
    plot = height - BOTTOM - top
    peak = max(negative, default=0) or 1
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar = max(1.0, step * 0.75)
    parts = _open(WIDTH, height, "负面声量、负面占比与关键节点")
    parts += _axis(peak, top, height)
    parts.append(f'<text x="{WIDTH - 2}" y="{top + 8}" text-anchor="end" class="axis">100%</text>')
    points = []
    for i, count in enumerate(negative):
        x = LEFT + i * step
        if count:
            h = count / peak * plot
            parts.append(f'<rect x="{x:.1f}" y="{height - BOTTOM - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{NEGATIVE_RED}"><title>{escape(labels[i])} 负面 {count}</title></rect>')
        if share[i] is not None:
            points.append(f"{x + bar / 2:.1f},{height - BOTTOM - share[i] * plot:.1f}")
    if points:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#1f3a5f" stroke-width="1.5"/>')
    if baseline is not None:
        y = height - BOTTOM - baseline * plot
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#1f3a5f" '
                     f'stroke-dasharray="4 3"/><text x="{WIDTH - RIGHT}" y="{y - 3:.1f}" text-anchor="end" '
                     f'class="axis">基线占比 {baseline:.0%}</text>')
    flags: dict[int, list[tuple[int, str]]] = {}
    for number, (index, name) in enumerate(markers, start=1):
        flags.setdefault(index, []).append((number, name))
    for index, flagged in flags.items():
        # Milestones in the same bar share one flag: "1,2" over the bar where the first mention and detection fall.
        x = LEFT + index * step + bar / 2
        numbers = ",".join(str(number) for number, _ in flagged)
        names = "；".join(name for _, name in flagged)
        radius = 4 + 4 * len(numbers) / 2
        parts.append(f'<line x1="{x:.1f}" y1="{top - 14}" x2="{x:.1f}" y2="{height - BOTTOM}" stroke="#888" '
                     f'stroke-width="0.6"/><ellipse cx="{x:.1f}" cy="{top - 20}" rx="{max(radius, 8):.1f}" ry="8" '
                     f'fill="#fff" stroke="#333"/><text x="{x:.1f}" y="{top - 16}" text-anchor="middle" '
                     f'class="marker">{numbers}<title>{escape(names)}</title></text>')
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(f'<text x="{LEFT + i * step:.1f}" y="{height - 6}" class="axis">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"
