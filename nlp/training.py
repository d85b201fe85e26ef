"""Training a sentiment model: snownlp's ``Bayes.train`` on our features, then one weight per feature group.

The group weights are a logistic regression over the per-group Naive Bayes log-odds. They are fit on
cross-fitted scores (each half of the data scored by a Bayes trained on the other half) because on its own
training data Naive Bayes is far too sure of rare features such as word pairs. Texts with emoticons enter
the fit a second time without them, so the weights do not learn to trust emoticons alone and still work on
complaint text that has none.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from snownlp.classification.bayes import Bayes

from nlp.features import GROUPS, feature_group, sentiment_features
from nlp.segment import tokens_and_emoticons
from nlp.sentiment import NEGATIVE, POSITIVE, SentimentModel

log = logging.getLogger(__name__)

WORD_PAIR = GROUPS.index("word_pair")

# Below this many texts of each class the cross-fitted weights are noise; plain Naive Bayes is used.
MIN_PER_CLASS_FOR_GROUP_WEIGHTS = 50
L2 = 1e-3


@dataclass(frozen=True)
class Example:
    features: list[str]
    positive: bool
    weight: int = 1
    without_emoticons: list[str] | None = None
    fold: int = 0


def make_example(text: str, positive: bool, weight: int = 1) -> Example:
    tokens, emoticons = tokens_and_emoticons(text)
    return Example(
        features=sentiment_features(tokens, emoticons),
        positive=positive,
        weight=weight,
        without_emoticons=sentiment_features(tokens) if emoticons else None,
        fold=hashlib.md5(b"fold:" + text.encode("utf-8")).digest()[0] & 1,
    )


def train_bayes(examples: Sequence[Example], vocabulary: set[str] | None = None) -> Bayes:
    """snownlp's Naive Bayes trained on the examples, each repeated ``weight`` times, features outside
    ``vocabulary`` (when given) left out."""
    bayes = Bayes()
    bayes.train(
        (
            example.features if vocabulary is None else [f for f in example.features if f in vocabulary],
            POSITIVE if example.positive else NEGATIVE,
        )
        for example in examples
        for _ in range(example.weight)
    )
    return bayes


def frequent_features(examples: Sequence[Example], min_pair_count: int) -> set[str]:
    """All features except word pairs seen fewer than ``min_pair_count`` times. Rare pairs are most of the
    vocabulary and tell little, while every lookup in a larger table is slower; rare single words stay,
    since in a short text they may be all the evidence there is."""
    counts: Counter[str] = Counter()
    for example in examples:
        counts.update(example.features)
    return {
        feature
        for feature, count in counts.items()
        if count >= min_pair_count or feature_group(feature) != WORD_PAIR
    }


def train_model(
    examples: Sequence[Example], metadata: dict | None = None, min_pair_count: int = 1
) -> SentimentModel:
    counts = [sum(1 for e in examples if e.positive), sum(1 for e in examples if not e.positive)]
    if min(counts) == 0:
        raise ValueError("training needs both positive and negative texts")
    group_weights: tuple[float, ...] = tuple(1.0 for _ in GROUPS)
    bias = 0.0
    if min(counts) >= MIN_PER_CLASS_FOR_GROUP_WEIGHTS:
        group_weights, bias = _fit_group_weights(examples)
        log.info(
            "group weights %s, bias %.3f",
            dict(zip(GROUPS, np.round(group_weights, 3).tolist(), strict=True)),
            bias,
        )
    vocabulary = frequent_features(examples, min_pair_count) if min_pair_count > 1 else None
    return SentimentModel(train_bayes(examples, vocabulary), group_weights, bias, dict(metadata or {}))


def _fit_group_weights(examples: Sequence[Example]) -> tuple[tuple[float, ...], float]:
    rows: list[list[float]] = []
    labels: list[float] = []
    sample_weights: list[float] = []
    for fold in (0, 1):
        log_odds = SentimentModel(train_bayes([e for e in examples if e.fold != fold])).weights
        for example in examples:
            if example.fold != fold:
                continue
            for features in (example.features, example.without_emoticons):
                if features is not None:
                    rows.append(_group_sums(log_odds, features))
                    labels.append(float(example.positive))
                    sample_weights.append(float(example.weight))
    coef = _logistic_regression(np.array(rows), np.array(labels), np.array(sample_weights))
    return tuple(float(c) for c in coef[:-1]), float(coef[-1])


def _group_sums(log_odds: dict[str, float], features: list[str]) -> list[float]:
    sums = [0.0] * len(GROUPS)
    for feature in features:
        value = log_odds.get(feature)
        if value is not None:
            sums[feature_group(feature)] += value
    return sums


def _logistic_regression(x: np.ndarray, y: np.ndarray, w: np.ndarray, iterations: int = 30) -> np.ndarray:
    """Weighted L2-regularised logistic regression by Newton's method; the last coefficient is the bias."""
    x = np.hstack([x, np.ones((len(x), 1))])
    coef = np.zeros(x.shape[1])
    ridge = L2 * w.sum() * np.eye(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ coef, -30, 30)))
        gradient = x.T @ (w * (p - y)) + ridge @ coef
        hessian = (x * (w * p * (1 - p))[:, None]).T @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        coef -= step
        if np.abs(step).max() < 1e-8:
            break
    return coef
