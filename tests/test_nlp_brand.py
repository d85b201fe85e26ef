"""Brand-directed sentiment: warnings, boycotts, recalls and lost comparisons are negative for the brand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.analyze import Analyzer
from nlp.brand import COMPETITOR, HAZARD, BrandSignals

CASES = Path(__file__).resolve().parents[1] / "nlp" / "eval" / "brand_directed.jsonl"


def cases() -> list[dict]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer(brand_words=sorted({case["brand"] for case in cases()}))


def test_every_brand_directed_case_is_negative_and_no_control_is(analyzer):
    wrong = [
        case["text"] for case in cases()
        if (analyzer.analyze(case["text"]).label == "negative") != (case["label"] == "negative")
    ]
    assert wrong == []


def test_the_demo_fire_warning_repost_is_negative_for_the_brand(analyzer):
    result = analyzer.analyze("转发提醒家人朋友：青禾空气炸锅Q5 11月批次有起火风险，暂停使用 #青禾空气炸锅起火#")
    assert result.label == "negative"


def test_a_negated_hazard_and_a_friendly_reminder_are_not_signals():
    signals = BrandSignals(["青禾"])
    assert signals.signal("用了一年没有起火风险，也不会漏电") is None
    assert signals.signal("提醒大家青禾双十一有优惠") is None
    assert signals.signal("青禾电暖器有起火风险") == HAZARD


def test_a_comparison_is_bad_news_only_for_the_brand_that_loses_it():
    signals = BrandSignals(["青禾", "星澜"])
    assert signals.signal("买了别家的，比青禾的好用太多了") == COMPETITOR
    assert signals.signal("还是青禾好用，别家的不行") is None
    assert signals.wins_comparison("还是青禾好用，别家的不行")
    assert not signals.wins_comparison("买了别家的，比青禾的好用太多了")
