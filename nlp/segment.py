"""The one jieba segmenter of the process, with the domain lexicon and the brands' names as words.

jieba's own ``Tokenizer`` holds the dictionary: its word frequencies, the words we add and their suggested
frequencies. The cutting itself runs in rjieba (jieba-rs, the same algorithm compiled), which is about ten times
faster than jieba's Python and gives the same tokens once it holds exactly jieba's dictionary: every word with its
frequency and the same total (``_CompiledCopy``). Measured on all 69,996 texts of the training corpus: identical
token lists. With jieba-rs's own built-in dictionary they differed on 22 texts, runs like 好好好好好 whose
segmentations tie up to the last bit of a float, decided by the total.

Loading the dictionary costs about a second, so it happens once per process; brand words added by any
``Analyzer`` stay words for all of them, which is harmless: a brand name is a word everywhere.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

import jieba
import rjieba

from nlp import lexicon
from nlp.text import remove_noise, split_emoticons, to_simplified

# HMM discovers out-of-vocabulary words (mostly names); it costs about 40% more time per text and the
# sentiment model scores no better with it, while brand and product names come in through the user dictionary.
USE_HMM = False

# About as common as 满意 in jieba's dictionary: enough to stay whole next to other words.
POLARITY_WORD_FREQ = 2000
# jieba cuts runs of U+4E00-U+9FD5 (with ASCII letters and digits); jieba-rs also counts the CJK extensions and
# compatibility ideographs as Chinese, which would join runs that jieba splits. Texts with such a character
# (rare, mostly rare names) are cut by jieba itself.
_CJK_ONLY_IN_RJIEBA = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
# Carries the difference between jieba's total frequency and the sum of its words' (see _CompiledCopy). U+3000
# is in no run of Chinese characters for either segmenter, so this word is never a candidate.
_PADDING_WORD = "\u3000\u3000"

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_compiled: _CompiledCopy | None = None
_added: set[str] = set()


class _CompiledCopy:
    """An rjieba segmenter holding exactly the dictionary of a jieba ``Tokenizer``.

    A word's cost in the segmentation is log(frequency / total). jieba's total counts a word again when its
    dictionary file lists it twice or ``add_word`` replaces it; jieba-rs's total is the sum of the current
    frequencies. The padding word carries the difference, so both totals, and so every cost, agree.
    """

    def __init__(self, reference: jieba.Tokenizer) -> None:
        self._jieba = rjieba.Jieba.empty()
        self._frequencies = 0
        for word, frequency in reference.FREQ.items():
            if frequency:  # jieba keeps each word's prefixes with frequency 0; they are not words
                self._jieba.add_word(word, frequency, None)
                self._frequencies += frequency
        self._pad_to(reference.total)

    def add_word(self, word: str, frequency: int, replaced: int, total: int) -> None:
        """Mirror ``reference.add_word(word, frequency)``: ``replaced`` is the word's frequency before it."""
        self._jieba.add_word(word, frequency, None)
        self._frequencies += frequency - replaced
        self._pad_to(total)

    def _pad_to(self, total: int) -> None:
        if total < self._frequencies:
            raise ValueError("jieba's total frequency is below the sum of its words'")
        self._jieba.add_word(_PADDING_WORD, total - self._frequencies, None)

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text, USE_HMM)


def tokenizer() -> jieba.Tokenizer:
    """jieba's tokenizer with our words: the reference the compiled segmenter copies.

    Add words through ``add_words`` only: a word added to this tokenizer directly would not reach the copy.
    """
    _load()
    return _tokenizer


def _load() -> None:
    global _tokenizer, _compiled
    if _compiled is None:
        with _lock:
            if _compiled is None:
                jieba.setLogLevel(logging.WARNING)
                instance = jieba.Tokenizer()
                instance.initialize()
                # Sorted: a word's suggested frequency depends on the words added before it, and the same
                # segmentation on every run keeps model training reproducible.
                for word in sorted(lexicon.words("complaint")):
                    instance.add_word(word)
                for word in sorted(polarity_words()):
                    # The default (just likelier than its parts alone) loses to a neighbour: 真的|无|语|了.
                    instance.add_word(word, freq=max(instance.suggest_freq(word, tune=False), POLARITY_WORD_FREQ))
                _tokenizer = instance
                _compiled = _CompiledCopy(instance)


def polarity_words() -> frozenset[str]:
    """The polarity lexicon's words that must stay whole to be seen at all: jieba's dictionary cuts 无语, 给力,
    靠谱 and 闪退 in two. A negator or degree word before a polarity word (不满意, 很差) and a trailing particle
    (坏了) stay cut, so negation and degree features still see their parts."""
    modifiers = lexicon.words("negation") | lexicon.words("degree")
    polar = lexicon.words("positive") | lexicon.words("negative")
    return frozenset(
        word
        for word in polar
        if len(word) > 1
        and word[-1] not in "的了"
        and not any(word.startswith(m) and word[len(m):] in polar for m in modifiers)
    )


def add_words(words: Iterable[str]) -> None:
    """Make each word (a brand name, an alias, a product) one token from now on."""
    instance = tokenizer()
    with _lock:
        for word in sorted(words):
            word = word.strip()
            if word and word not in _added:
                # A high frequency wins against the default dictionary's split (小米 + 汽车).
                frequency = max(instance.suggest_freq(word, tune=False), 100_000)
                replaced = instance.FREQ.get(word) or 0
                instance.add_word(word, freq=frequency)
                _compiled.add_word(word, frequency, replaced, instance.total)
                _added.add(word)


def cut(text: str) -> list[str]:
    """jieba tokens of ``text``, whitespace tokens dropped."""
    if _compiled is None:
        _load()
    if _CJK_ONLY_IN_RJIEBA.search(text) is None:
        try:
            # The lock keeps add_words from changing the dictionary while rjieba reads it (it would refuse).
            with _lock:
                tokens = _compiled.cut(text)
        except UnicodeEncodeError:  # a lone surrogate: rjieba takes only valid UTF-8, jieba takes anything
            tokens = _tokenizer.lcut(text, HMM=USE_HMM)
    else:
        tokens = _tokenizer.lcut(text, HMM=USE_HMM)
    return [token for token in tokens if not token.isspace()]


def body_and_emoticons(text: str) -> tuple[str, list[str]]:
    """A raw text as every stage reads it: simplified, without @names and links, emoticons taken out."""
    return split_emoticons(remove_noise(to_simplified(text)))


def tokens_and_emoticons(text: str) -> tuple[list[str], list[str]]:
    """What the sentiment model's word features read of a raw text: its tokens, and its emoticons apart."""
    body, emoticons = body_and_emoticons(text)
    return cut(body), emoticons
