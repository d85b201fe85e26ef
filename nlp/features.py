"""Sentiment features from jieba tokens: what plain Naive Bayes over words misses.

Naive Bayes scores each word on its own, so 不满意 would pull like 满意 once split, and 很差 would weigh
no more than 差. Next to each word the features add its negated form after a negator (``!满意``), its
intensified form after a degree adverb (``+差``), the pair with its neighbour (``很|差``), one shared cue
for every term of the complaint lexicon (so a complaint word rare in the training data still counts), and
the emoticons, and a polarity cue for every word of the trade-independent polarity lexicons
(``<正>``/``<负>``, swapped after a negator). Each kind is a group whose weight the training fits, because
Naive Bayes over-counts overlapping evidence.

The polarity cues are what carries over to a trade the training never saw: a word-level model learns 送餐 and
快递 as opinions because the food-delivery reviews were mostly complaints, while 失望 and 好用 mean the same in
every trade.

Character pairs were tried twice: in the Naive Bayes they added 0.004 accuracy on Weibo without emoticons, in
the linear layer (character 1-3-grams) 0.8-3.9 points on held-out trades, and both times they cost a third of
the analysis speed (dict lookups per character), so they are out.
"""

from __future__ import annotations

from nlp import lexicon

NEGATIONS = lexicon.words("negation")
DEGREES = lexicon.words("degree")
COMPLAINT_TERMS = lexicon.words("complaint")
COMPLAINT_CUE = "<投诉词>"
POSITIVE_WORDS = lexicon.words("positive")
NEGATIVE_WORDS = lexicon.words("negative")
POSITIVE_CUE, NEGATIVE_CUE = "<正>", "<负>"

# A negator reaches over this many words (不 太 满意); punctuation ends its reach earlier.
NEGATION_REACH = 2
_CLAUSE_END = frozenset("，,。.！!？?；;～~…、\n")

GROUPS = ("word", "negated", "intensified", "word_pair", "complaint_cue", "emoticon", "polarity_cue")
_MARKED = {"!": 1, "+": 2}


def sentiment_features(tokens: list[str], emoticons: list[str] = ()) -> list[str]:
    features: list[str] = []
    append = features.append
    negated = 0
    previous = ""
    intensify = False
    for token in tokens:
        if token in _CLAUSE_END:
            negated = 0
            intensify = False
            previous = ""
            append(token)
            continue
        negated_now = negated > 0
        if negated:
            append("!" + token)
            negated -= 1
        else:
            append(token)
        if intensify:
            append("+" + token)
        if previous:
            append(previous + "|" + token)
        if token in COMPLAINT_TERMS:
            append(COMPLAINT_CUE)
        if token in POSITIVE_WORDS:
            append(NEGATIVE_CUE if negated_now else POSITIVE_CUE)
        elif token in NEGATIVE_WORDS:
            append(POSITIVE_CUE if negated_now else NEGATIVE_CUE)
        if token in NEGATIONS:
            negated = NEGATION_REACH
        intensify = token in DEGREES
        previous = token
    features.extend(emoticons)
    return features


def feature_group(feature: str) -> int:
    """Index into ``GROUPS`` of a feature made by ``sentiment_features``."""
    if len(feature) > 1:
        marked = _MARKED.get(feature[0])
        if marked is not None:
            return marked
        if feature == COMPLAINT_CUE:
            return 4
        if feature == POSITIVE_CUE or feature == NEGATIVE_CUE:
            return 6
        if feature[0] == "[" and feature[-1] == "]" and len(feature) > 2:
            return 5
        if "|" in feature:
            return 3
    return 0

