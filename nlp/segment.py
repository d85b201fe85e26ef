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
                _tokenizer = instance
    return _tokenizer


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
