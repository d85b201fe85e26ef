"""Matched words marked in crawled text: every piece is escaped first, only our own ``<mark>`` is markup."""

from __future__ import annotations

from markupsafe import Markup, escape

from search.fold import fold

SNIPPET_CHARS = 160
LEAD_CHARS = 40


def match_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where the terms occur in ``text``, overlapping and touching spans merged. Both are folded as the search
    folds them, which keeps every offset, so the spans mark the original text."""
    lowered = fold(text)
    spans = []
    for term in {fold(t) for t in terms if t}:
        start = lowered.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = lowered.find(term, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str | None, terms: list[str]) -> Markup:
    text = text or ""
    pieces, position = [], 0
    for start, end in match_spans(text, terms):
        pieces.append(escape(text[position:start]))
        pieces.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        position = end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def snippet(text: str | None, terms: list[str], width: int = SNIPPET_CHARS) -> Markup:
    """A window of ``text`` around its first match (its start when none), highlighted."""
    text = text or ""
    if len(text) <= width:
        return highlight(text, terms)
    spans = match_spans(text, terms)
    start = max(0, spans[0][0] - LEAD_CHARS) if spans else 0
    start = min(start, len(text) - width)
    window = text[start:start + width]
    return (Markup("…") if start else Markup("")) + highlight(window, terms) + (
        Markup("…") if start + width < len(text) else Markup(""))
