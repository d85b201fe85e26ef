"""Crawled text on a terminal. A post title is written by a stranger: raw, an ESC sequence in it recolours the
terminal, rewrites its title bar or moves the cursor over earlier lines, and a bidi override (U+202E) makes the
line read backwards. Every crawled value a command prints goes through :func:`printable`.
"""

from __future__ import annotations

import re

# C0 and C1 controls (ESC, BEL, NUL, CSI...), DEL, and the bidi embeddings, overrides and isolates. The line and
# paragraph separators are here too: a terminal shows them as line breaks inside what must stay one line.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACES = {"\t": " ", "\n": " ", "\r": " ", "\u2028": " ", "\u2029": " "}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(value: object, *, lines: bool = False) -> str:
    """``value`` as text that shows as itself: line breaks and tabs become spaces (kept with ``lines``), every
    other control character is written out as its escape (``\\x1b``, ``\\u202e``) so it is seen, not obeyed."""
    text = "" if value is None else str(value)
    if lines:
        text = text.replace("\r\n", "\n")

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        if lines and char in "\n\t":
            return char
        return _SPACES.get(char) or _escaped(match)

    return _UNSAFE.sub(replace, text)


def rich_text(value: object):
    """A table cell for rich: :func:`printable`, and taken as plain text, so ``[red]`` in a crawled error stays
    visible as typed rather than being read as rich markup."""
    from rich.text import Text

    return Text(printable(value))
