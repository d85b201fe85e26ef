"""Keywords of one text and hot words of many: term counts weighted by jieba's IDF table.

The IDF table ships with jieba (``jieba/analyse/idf.txt``, about 350,000 words); it is read once, on first
use. Scoring tokens we already have is what lets ``Analyzer`` give keywords without a second jieba pass,
which ``jieba.analyse.extract_tags`` would make.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jieba

from nlp import lexicon
from nlp.segment import add_words, cut
from nlp.text import remove_noise, split_emoticons, to_simplified


@cache
def idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF of each word, and the median IDF given to words not in the table."""
    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, _, value = line.rstrip().partition(" ")
            if value:
                table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(word for line in lexicon.words("stopwords") for word in line.split())


def is_candidate(token: str) -> bool:
    """A token that can be a keyword: two or more characters, not a number or punctuation, not a stopword."""
    return (
        len(token) > 1
        and token not in _stopwords()
        and not token.isdigit()
        and any(ch.isalpha() for ch in token)
    )


_candidate_idf: dict[str, float] = {}
_CANDIDATE_CACHE_LIMIT = 500_000


def idf_if_candidate(token: str) -> float:
    """The token's IDF, or 0.0 when it cannot be a keyword; cached, since a vocabulary repeats."""
    value = _candidate_idf.get(token)
    if value is None:
        idf, default = idf_table()
        value = idf.get(token, default) if is_candidate(token) else 0.0
        if len(_candidate_idf) >= _CANDIDATE_CACHE_LIMIT:
            _candidate_idf.clear()
        _candidate_idf[token] = value
    return value


def keywords(tokens: Iterable[str], top: int = 5, exclude: frozenset[str] = frozenset()) -> list[str]:
    """The ``top`` tokens of one text by count times IDF, in order of score."""
    scores: dict[str, float] = {}
    for token in tokens:
        value = idf_if_candidate(token)
        if value and token not in exclude:
            scores[token] = scores.get(token, 0.0) + value
    return heapq.nlargest(top, scores, key=scores.__getitem__)


def hot_words(
    texts_or_token_lists: Iterable[str | list[str]], exclude: Iterable[str] = (), top: int = 20
) -> list[tuple[str, float]]:
    """The words a set of mentions talks about most: in how many mentions a word occurs times its IDF.

    Counting mentions rather than occurrences keeps one long post that repeats a word from dominating.
    Brand names and aliases go in ``exclude``: every mention contains them, so they say nothing.
    """
    excluded = {to_simplified(word) for word in exclude}
    add_words(excluded)
    idf, default = idf_table()
    document_counts: Counter[str] = Counter()
    for item in texts_or_token_lists:
        tokens = cut(split_emoticons(remove_noise(to_simplified(item)))[0]) if isinstance(item, str) else item
        document_counts.update({token for token in tokens if token not in excluded and is_candidate(token)})
    scored = ((count * idf.get(token, default), token) for token, count in document_counts.items())
    return [(token, round(score, 3)) for score, token in heapq.nlargest(top, scored)]
