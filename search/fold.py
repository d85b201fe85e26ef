"""Folding for search: 品質 and 品质 are one word to a reader, so they are one word to the index.

Search compares folded text with a folded query and shows the original. The fold is character by character
(Latin A-Z lower-cased, each traditional character that OpenCC's t2s table turns into one simplified character
replaced by it), so it keeps every offset: a match found in the folded text is highlighted at the same place in
the original. Phrase-level conversions (OpenCC also rewrites some words as a whole) are left out on purpose; they
would change lengths, and the query is folded by the same table, so both sides still meet.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

# The CJK blocks OpenCC's table draws on: Extension A, the Unified Ideographs, the Compatibility Ideographs.
_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@lru_cache(maxsize=1)
def simplified_pairs() -> tuple[str, str]:
    """Every traditional character with a one-character simplified form, and those forms, position by position."""
    characters = [chr(code) for start, end in _BLOCKS for code in range(start, end)]
    converted = opencc.OpenCC("t2s").convert("\n".join(characters)).split("\n")
    pairs = [(t, s) for t, s in zip(characters, converted, strict=True) if t != s and len(s) == 1]
    return "".join(t for t, _ in pairs), "".join(s for _, s in pairs)


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    traditional, simplified = simplified_pairs()
    table = {ord(upper): upper.lower() for upper in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    table.update(zip(map(ord, traditional), simplified, strict=True))
    return table


@lru_cache(maxsize=1)
def _foldable() -> re.Pattern[str]:
    return re.compile("[A-Z" + simplified_pairs()[0] + "]")


def fold(text: str | None) -> str:
    """``text`` as search compares it: same length, Latin lower-cased, traditional characters simplified.

    SQLite calls this once per candidate row; most posts have nothing to fold, and finding that out (one regex
    scan in C) costs a fifteenth of translating them."""
    text = text or ""
    return text.translate(_table()) if _foldable().search(text) else text
