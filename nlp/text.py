"""Text normalisation before tokenization: simplified Chinese, emoticons pulled out as whole tokens.

Weibo-style emoticons (``[哈哈]``) and emoji carry most of a short post's sentiment, but jieba would cut
``[哈哈]`` into ``[``, ``哈哈``, ``]`` and drop the bracket meaning, so they are taken out first and handed
to the classifier as tokens of their own.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

# The brackets are the marker: [泪] and [good] are emoticons, a 30-character bracketed aside is not.
EMOTICON_RE = re.compile(r"\[[^\[\]\s]{1,8}\]")
EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\U000e0000-\U000e007f]+"
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Repost chains (//@某人:) and links are noise to every later stage: names are not opinions.
NOISE_RE = re.compile(r"//@[^:：\s]{1,30}[:：]?|@[^\s:：@,，。!！?？]{1,30}|https?://[\x21-\x7e]+")

# Emoji have no training data of their own; mapped to the Weibo emoticon that means the same so they reuse
# its learned weight.
EMOJI_AS_EMOTICON = {
    "😂": "[笑哈哈]",
    "🤣": "[笑哈哈]",
    "😄": "[哈哈]",
    "😀": "[哈哈]",
    "😁": "[嘻嘻]",
    "😊": "[可爱]",
    "🥰": "[爱你]",
    "😍": "[花心]",
    "❤": "[心]",
    "❤️": "[心]",
    "👍": "[赞]",
    "👏": "[鼓掌]",
    "💪": "[给力]",
    "🎉": "[太开心]",
    "😭": "[泪]",
    "😢": "[泪]",
    "😿": "[泪]",
    "😡": "[怒]",
    "😠": "[怒]",
    "🤬": "[怒骂]",
    "😤": "[哼]",
    "😞": "[失望]",
    "😔": "[失望]",
    "💔": "[伤心]",
    "🙄": "[鄙视]",
    "👎": "[弱]",
    "😓": "[汗]",
    "😰": "[汗]",
    "🤮": "[吐]",
    "🤢": "[吐]",
    "😱": "[吃惊]",
    "😷": "[生病]",
    "🕯": "[蜡烛]",
    "🕯️": "[蜡烛]",
}


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese to simplified (OpenCC t2s); simplified text passes unchanged.

    OpenCC takes UTF-8, which a lone surrogate (half an emoji from a cut-off JSON escape, or an undecodable byte
    read with ``surrogateescape``) cannot be written in: it becomes U+FFFD rather than failing the analysis.
    """
    try:
        return _t2s().convert(text)
    except UnicodeEncodeError:
        return _t2s().convert(replace_lone_surrogates(text))


def replace_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate, which no UTF-8 consumer (OpenCC, a database) takes, as U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)



def split_emoticons(text: str) -> tuple[str, list[str]]:
    """Return the text without emoticons and emoji, and the emoticons found (emoji mapped where known)."""
    found: list[str] = []
    if "[" in text:
        found = EMOTICON_RE.findall(text)
        if found:
            text = EMOTICON_RE.sub(" ", text)
    emoji = EMOJI_RE.findall(text)
    if emoji:
        text = EMOJI_RE.sub(" ", text)
        for run in emoji:
            for char in run:
                mapped = EMOJI_AS_EMOTICON.get(char)
                if mapped:
                    found.append(mapped)
    return text, found


def strip_emoticons(text: str) -> str:
    """The text with ``[xx]`` emoticons and emoji removed (how the benchmark builds its no-emoticon set)."""
    return split_emoticons(text)[0]


def remove_noise(text: str) -> str:
    """Drop @names, repost markers and links."""
    if "@" in text or "http" in text:
        return NOISE_RE.sub(" ", text)
    return text
