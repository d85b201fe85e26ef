"""Text for the chat robots' Markdown: crawled words shown as words, links only to http(s) pages.

The platforms' Markdown dialects differ and none has a reliable backslash escape, so every character that could
start markup in a crawled title (``[``, ``*``, ``<font>``, ``#`` ...) becomes its full-width twin: it reads the
same to a person and means nothing to the renderer.
"""

from __future__ import annotations

from urllib.parse import quote

_FULL_WIDTH = str.maketrans({
    "\\": "＼", "*": "＊", "_": "＿", "`": "｀", "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞",
    "#": "＃", "|": "｜", "~": "～", "&": "＆", "\n": " ", "\r": " ", "\t": " ",
})


def md(value: object) -> str:
    """``value`` as plain text inside Markdown: no markup, no line breaks, no control characters."""
    text = str(value).translate(_FULL_WIDTH)
    return "".join(char for char in text if char.isprintable())


def md_url(url: str) -> str:
    """An http(s) URL fit for ``[text](url)``: brackets, parentheses and spaces percent-encoded; anything else
    becomes ``#`` (no ``javascript:`` link reaches a chat group)."""
    if not url.lower().startswith(("http://", "https://")):
        return "#"
    return quote(url, safe=":/?&=%#+,;@!$'._-~")


def wan(number: int) -> str:
    """A reach as a phone reads it: ``8,600``, ``12.3万``, ``1.2亿``."""
    if number >= 100_000_000:
        return f"{number / 100_000_000:.1f}亿"
    if number >= 10_000:
        return f"{number / 10_000:.1f}万"
    return f"{number:,}"
