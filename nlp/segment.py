"""The one jieba tokenizer of the process, with the domain lexicon and the brands' names as words.

Loading jieba's prefix dictionary costs about half a second, so it happens once per process; brand words
added by any ``Analyzer`` stay words for all of them, which is harmless: a brand name is a word everywhere.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import jieba

from nlp import lexicon
from nlp.text import remove_noise, split_emoticons, to_simplified

# HMM discovers out-of-vocabulary words (mostly names); it costs about 40% more time per text and the
# sentiment model scores no better with it, while brand and product names come in through the user dictionary.
USE_HMM = False

# About as common as 满意 in jieba's dictionary: enough to stay whole next to other words.
POLARITY_WORD_FREQ = 2000

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_added: set[str] = set()


def tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
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
    return _tokenizer


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
                instance.add_word(word, freq=max(instance.suggest_freq(word, tune=False), 100_000))
                _added.add(word)


def cut(text: str) -> list[str]:
    """jieba tokens of ``text``, whitespace tokens dropped."""
    return [token for token in tokenizer().lcut(text, HMM=USE_HMM) if not token.isspace()]


def body_and_emoticons(text: str) -> tuple[str, list[str]]:
    """A raw text as every stage reads it: simplified, without @names and links, emoticons taken out."""
    return split_emoticons(remove_noise(to_simplified(text)))


def tokens_and_emoticons(text: str) -> tuple[list[str], list[str]]:
    """What the sentiment model's word features read of a raw text: its tokens, and its emoticons apart."""
    body, emoticons = body_and_emoticons(text)
    return cut(body), emoticons
