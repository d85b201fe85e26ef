"""Scores of a binary sentiment decision against gold labels (positive = True)."""

from __future__ import annotations

from collections.abc import Sequence


def binary_scores(predicted: Sequence[bool], gold: Sequence[bool]) -> dict[str, float]:
    """Accuracy, macro-F1 and the negative class's precision and recall."""
    pairs = list(zip(predicted, gold, strict=True))
    if not pairs:
        raise ValueError("no predictions to score")
    f1s = []
    negative: dict[str, float] = {}
    for cls in (True, False):
        tp = sum(1 for p, g in pairs if p == cls and g == cls)
        predicted_cls = sum(1 for p, _ in pairs if p == cls)
        gold_cls = sum(1 for _, g in pairs if g == cls)
        precision = tp / predicted_cls if predicted_cls else 0.0
        recall = tp / gold_cls if gold_cls else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        if not cls:
            negative = {"neg_precision": precision, "neg_recall": recall}
    return {
        "accuracy": sum(1 for p, g in pairs if p == g) / len(pairs),
        "macro_f1": sum(f1s) / 2,
        **negative,
    }
