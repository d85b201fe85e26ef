"""Complaint categories on 240 texts written by someone who never saw the cue lists (nlp/eval/README.md)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from nlp.analyze import Analyzer

BLIND_SET = Path(__file__).resolve().parents[1] / "nlp" / "eval" / "complaints_independent.jsonl"


def test_blind_set_is_balanced_over_the_six_categories():
    rows = [json.loads(line) for line in BLIND_SET.read_text(encoding="utf-8").splitlines()]
    assert Counter(row["category"] for row in rows) == {
        c: 40 for c in ("产品质量", "服务态度", "交付物流", "售后", "信息沟通", "其他")}


def test_categories_hold_up_on_text_the_cues_were_never_tuned_on():
    # A floor against regressions, set below the measured 0.85 (the classifier; the cues alone scored 0.78) so it
    # guards the level without being tuned to it.
    analyzer = Analyzer()
    rows = [json.loads(line) for line in BLIND_SET.read_text(encoding="utf-8").splitlines()]
    right = sum((analyzer.analyze(row["text"]).category or "其他") == row["category"] for row in rows)
    assert right / len(rows) >= 0.83
