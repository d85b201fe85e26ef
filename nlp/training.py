"""Training a sentiment model: snownlp's ``Bayes.train`` on our features, one weight per feature group, then the
linear layer over the word features and the Bayes score, then its calibration.

The group weights are a logistic regression over the per-group Naive Bayes log-odds. They are fit on
cross-fitted scores (each half of the data scored by a Bayes trained on the other half) because on its own
training data Naive Bayes is far too sure of rare features such as word pairs. Texts with emoticons enter
the fit a second time without them, so the weights do not learn to trust emoticons alone and still work on
complaint text that has none.

The linear layer is scikit-learn's logistic regression over the word features and the text's characters and
character pairs. Every trade (``Example.domain``) weighs the same and so do its two classes: food-delivery
reviews are two-thirds complaints, and unweighted the model would learn 外卖 and 送餐 as complaints, which is true
of that data set and of no other trade. It is blended with the Bayes log-odds by a second logistic regression
fitted on trades held out: the trades fall in two halves, each half is scored by a regression trained on the
other, and the blend maps those unseen-trade scores and the cross-fitted Bayes log-odds to probabilities
(``fit_linear_layer`` says why a blend and not a stack).
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
from nlp.segment import body_and_emoticons, cut
from nlp.sentiment import NEGATIVE, POSITIVE, LinearLayer, SentimentModel, text_grams

log = logging.getLogger(__name__)

WORD_PAIR = GROUPS.index("word_pair")
# Features seen in fewer training texts are left out of the linear layer: they are noise and most of the file.
MIN_TEXTS_PER_FEATURE = 3
# Linear weights below this size are dropped from the file; they move no decision and would double its size.
MIN_LINEAR_WEIGHT = 0.02
LINEAR_C = 4.0
# Marks a character feature in the linear layer's vocabulary; no token holds a colon, so no word feature starts so.
CHAR_PREFIX = "char:"

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
    body: str = ""
    domain: str = ""


def make_example(text: str, positive: bool, weight: int = 1, domain: str = "") -> Example:
    body, emoticons = body_and_emoticons(text)
    tokens = cut(body)
    return Example(
        features=sentiment_features(tokens, emoticons),
        positive=positive,
        weight=weight,
        without_emoticons=sentiment_features(tokens) if emoticons else None,
        fold=hashlib.md5(b"fold:" + text.encode("utf-8")).digest()[0] & 1,
        body=body,
        domain=domain,
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
    examples: Sequence[Example], metadata: dict | None = None, min_pair_count: int = 1, linear_layer: bool = True
) -> SentimentModel:
    """The sentiment model for the examples; ``linear_layer=False`` stops after the Naive Bayes and its group
    weights (the previous model, kept for the benchmark's comparison)."""
    counts = [sum(1 for e in examples if e.positive), sum(1 for e in examples if not e.positive)]
    if min(counts) == 0:
        raise ValueError("training needs both positive and negative texts")
    group_weights: tuple[float, ...] = tuple(1.0 for _ in GROUPS)
    bias = 0.0
    linear = None
    if min(counts) >= MIN_PER_CLASS_FOR_GROUP_WEIGHTS:
        group_weights, bias, cross_fitted = _fit_group_weights(examples)
        log.info(
            "group weights %s, bias %.3f",
            dict(zip(GROUPS, np.round(group_weights, 3).tolist(), strict=True)),
            bias,
        )
        if linear_layer:
            linear = fit_linear_layer(cross_fitted)
    vocabulary = frequent_features(examples, min_pair_count) if min_pair_count > 1 else None
    return SentimentModel(train_bayes(examples, vocabulary), group_weights, bias, dict(metadata or {}), linear)


@dataclass(frozen=True)
class _Row:
    """One text as the linear layer sees it: its features, its cross-fitted Bayes log-odds, label and trade."""

    example: Example
    features: list[str]
    bayes_log_odds: float = 0.0


def _fit_group_weights(examples: Sequence[Example]) -> tuple[tuple[float, ...], float, list[_Row]]:
    rows: list[_Row] = []
    group_sums: list[list[float]] = []
    for fold in (0, 1):
        log_odds = SentimentModel(train_bayes([e for e in examples if e.fold != fold])).weights
        for example in examples:
            if example.fold != fold:
                continue
            for features in (example.features, example.without_emoticons):
                if features is not None:
                    rows.append(_Row(example, features))
                    group_sums.append(_group_sums(log_odds, features))
    x = np.array(group_sums)
    labels = np.array([float(row.example.positive) for row in rows])
    sample_weights = np.array([float(row.example.weight) for row in rows])
    coef = _logistic_regression(x, labels, sample_weights)
    scores = x @ coef[:-1] + coef[-1]
    cross_fitted = [_Row(row.example, row.features, float(score)) for row, score in zip(rows, scores, strict=True)]
    return tuple(float(c) for c in coef[:-1]), float(coef[-1]), cross_fitted


def fit_linear_layer(rows: Sequence[_Row]) -> LinearLayer:
    """The logistic regression over the word features and characters, and its blend with the Bayes score fitted on
    trades the regression was not fitted on.

    Stacked, with the Bayes score as one more input of the regression, the Bayes weight is learned on the trades
    both layers know, where the word weights are right; on a trade the words do not carry to (food delivery
    for a model of shopping reviews, Weibo for a model of reviews) it then leaned on them too much, and scored
    below the Bayes layer alone. The blend weights (how far each layer counts, and the bias) are fitted on
    each text's score from a regression trained on the other half of the trades and on its cross-fitted Bayes
    log-odds, so they measure how far each layer carries to a trade it never saw.
    """
    features = [row.features + char_features(row.example.body) for row in rows]
    vocabulary = _vocabulary(features)
    x = _design_matrix(features, vocabulary)
    y = np.array([row.example.positive for row in rows])
    weights = _balanced_weights(rows)
    model = _logistic(x, y, weights)
    unseen = _unseen_trade_scores(rows, x, y, weights)
    if unseen is None:
        # Too few trades to hold half out: the regression's own scores overrate it, but still give the blend a scale.
        unseen = model.decision_function(x)
    bayes = np.array([row.bayes_log_odds for row in rows])
    text_weight, bayes_weight, bias = _logistic_regression(np.c_[unseen, bayes], y.astype(float), weights)
    # The file keeps the text score's own scale (``calibration``'s a); a regression that carries nothing to
    # other trades gets a tiny positive weight rather than a division by zero.
    text_weight = max(float(text_weight), 1e-3)
    names = sorted(vocabulary, key=vocabulary.get)
    kept = {
        name: round(float(w), 4) for name, w in zip(names, model.coef_[0], strict=True) if abs(w) >= MIN_LINEAR_WEIGHT
    }
    word_weights = {name: w for name, w in kept.items() if not name.startswith(CHAR_PREFIX)}
    char_weights = {name[len(CHAR_PREFIX):]: w for name, w in kept.items() if name.startswith(CHAR_PREFIX)}
    calibration = (round(text_weight, 4), round(float(bias), 4))
    log.info("linear layer: %d of %d features kept (%d characters and pairs), blend: text %.3f, Bayes %.3f, "
             "bias %.3f", len(kept), len(names), len(char_weights), text_weight, bayes_weight, bias)
    return LinearLayer(word_weights, round(float(bayes_weight) / text_weight, 4), float(model.intercept_[0]),
                       calibration, char_weights)


def char_features(body: str) -> list[str]:
    """The text's characters and character pairs (``nlp.sentiment.text_grams``) as the linear layer's vocabulary
    names them."""
    return [CHAR_PREFIX + gram for gram in text_grams(body)]


def _vocabulary(features: Sequence[list[str]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for row in features:
        counts.update(set(row))
    kept = sorted(name for name, count in counts.items() if count >= MIN_TEXTS_PER_FEATURE)
    return {name: index for index, name in enumerate(kept)}


def _design_matrix(features: Sequence[list[str]], vocabulary: dict[str, int]):
    """Feature counts over the square root of the text's feature count, as ``SentimentModel.probability``."""
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for row in features:
        scale = 1.0 / np.sqrt(len(row)) if row else 0.0
        counts = Counter(vocabulary[f] for f in row if f in vocabulary)
        indices.extend(counts)
        data.extend(count * scale for count in counts.values())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(features), len(vocabulary)))


def _balanced_weights(rows: Sequence[_Row]) -> np.ndarray:
    """Each trade weighs the same, and within it each class; ``Example.weight`` multiplies on top."""
    totals: Counter[tuple[str, bool]] = Counter((row.example.domain, row.example.positive) for row in rows)
    cells = len(totals)
    size = len(rows)
    return np.array(
        [row.example.weight * size / (cells * totals[row.example.domain, row.example.positive]) for row in rows]
    )


def _logistic(x, y: np.ndarray, weights: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    # liblinear shuffles its coordinates; a fixed seed keeps ``make model`` byte-for-byte reproducible.
    model = LogisticRegression(C=LINEAR_C, solver="liblinear", max_iter=1000, random_state=0)
    return model.fit(x, y, sample_weight=weights)


def _unseen_trade_scores(rows: Sequence[_Row], x, y: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """Each text's score from a regression fitted on the other half of the trades (a single trade is split in
    two by text instead); None when a half lacks a class."""
    domains = sorted({row.example.domain for row in rows})
    if len(domains) > 1:
        half = np.array([domains.index(row.example.domain) % 2 for row in rows])
    else:
        half = np.array([row.example.fold for row in rows])
    scores = np.zeros(len(rows))
    for side in (0, 1):
        train, test = half != side, half == side
        if len(set(y[train])) < 2 or not test.any():
            return None
        scores[test] = _logistic(x[train], y[train], weights[train]).decision_function(x[test])
    return scores


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
