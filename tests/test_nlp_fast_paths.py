"""The fast paths of the analysis give exactly what the plain definitions give, for whatever model files ship.

Each test computes the plain definition here, beside the shipped code: jieba's own segmentation, the two layers of
the sentiment model summed apart, the complaint classifier's numpy formula. The texts are the project's own
evaluation and training complaints (a few hundred, written for the project) and strings made to hit the edge cases.
"""

from __future__ import annotations

import json
import math
from itertools import repeat
from pathlib import Path

import numpy as np
import pytest

from nlp import segment
from nlp.category import CATEGORIES, CUE_SCALE, category_features, category_scores, load_category_model
from nlp.features import sentiment_features
from nlp.sentiment import load_model
from nlp.text import remove_noise, split_emoticons

NLP_DIR = Path(__file__).resolve().parents[1] / "nlp"
# Runs of one character have several segmentations of equal cost up to the last bit of a float: the compiled
# segmenter with its own built-in dictionary broke these ties differently from jieba.
REPEATS = [char * n for char in "好啊哈呵擦装" for n in range(2, 30)]
EDGE_CASES = [
    "",
    "   ",
    "iPhone15ProMax的屏幕 RMB3250，5G信号差\r\n第二行\t制表",
    "买了A股的T恤和3C产品，好好好好好好好好好好好好好，不错",
    "㐀好用的㐀东西",  # CJK extension A: jieba splits the Chinese run there, jieba-rs would not
    "鿖是新字",  # U+9FD6, past jieba's Chinese range
    "坏了\ud83d就是坏了",  # a lone surrogate, as broken JSON leaves it
    "调到最弱的音量，还是事实是啊好好好好好好",
]


def _project_texts() -> list[str]:
    texts = []
    for path in sorted((NLP_DIR / "eval").glob("*.jsonl")) + sorted((NLP_DIR / "train").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str]:
    project = _project_texts()
    assert len(project) > 500
    return project + REPEATS + EDGE_CASES


def _jieba_tokens(text: str) -> list[str]:
    return [token for token in segment.tokenizer().lcut(text, HMM=segment.USE_HMM) if not token.isspace()]


def test_compiled_segmenter_gives_jiebas_own_tokens(texts):
    different = [text for text in texts if segment.cut(text) != _jieba_tokens(text)]
    assert different == []


def test_compiled_segmenter_still_gives_jiebas_tokens_after_brand_words_are_added(texts):
    segment.add_words(["青禾空气炸锅", "好好好", "鲸落", "调到最"])
    assert segment.cut("青禾空气炸锅好好好好") == _jieba_tokens("青禾空气炸锅好好好好")
    different = [text for text in texts if segment.cut(text) != _jieba_tokens(text)]
    assert different == []


def test_sentiment_in_one_pass_equals_both_layers_summed_apart(texts):
    model = load_model()
    assert model.linear is not None
    linear = model.linear
    assert linear.char_weights
    for text in texts:
        body, emoticons = split_emoticons(remove_noise(text))
        features = sentiment_features(segment.cut(body), emoticons)
        bayes = model.bias + sum(map(model.weights.get, features, repeat(0.0)))
        score = linear.bias + linear.bayes_weight * bayes
        grams = [body[i:i + n] for n in (1, 2) for i in range(len(body) - n + 1)]
        text_sum = sum(linear.weights.get(f, 0.0) for f in features)
        text_sum += sum(linear.char_weights.get(g, 0.0) for g in grams)
        if features or grams:
            score += text_sum / math.sqrt(len(features) + len(grams))
        a, b = linear.calibration
        expected = 1.0 / (1.0 + math.exp(-(a * score + b)))
        assert model.probability(features, body) == pytest.approx(expected, rel=0, abs=1e-12), text


def test_category_scored_on_tuples_equals_the_numpy_formula(texts):
    model = load_category_model()
    index = {feature: row for row, feature in enumerate(model.features)}
    for text in texts:
        body = split_emoticons(remove_noise(text))[0]
        rows = [index[feature] for feature in category_features(body) if feature in index]
        scores = model.bias + (np.asarray(category_scores(body)) / CUE_SCALE) @ model.cue_weights
        if rows:
            scores = scores + model.weights[rows].sum(axis=0) / np.sqrt(len(rows))
        assert model.classify(body) == CATEGORIES[int(np.argmax(scores))], text


def test_dropping_the_linear_layer_scores_the_bayes_layer_alone():
    model = load_model()
    features = sentiment_features(segment.cut("质量太差了，再也不买"))
    with_linear = model.probability(features)
    model.linear = None
    assert model.probability(features) == 1.0 / (1.0 + math.exp(-model.log_odds(features)))
    assert model.probability(features) != with_linear
