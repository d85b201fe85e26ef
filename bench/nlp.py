"""Benchmark of the NLP stage against plain snownlp and jieba, on the held-out rows of the shared data.

    .venv/bin/python -m bench.nlp [--data-dir DIR] [--snownlp-sample 300]

Speed: characters per second of plain ``SnowNLP(text).sentiments``, of ``jieba.lcut`` alone and of our full
``Analyzer.analyze``, on the same texts in one run. Quality: accuracy, macro-F1 and negative-class
precision/recall at threshold 0.5, for ours and plain snownlp, on waimai, shopping, Weibo and Weibo with
emoticons removed; plus complaint-category accuracy on ``nlp/eval/complaints.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import jieba

from nlp.analyze import Analyzer
from nlp.data import is_held_out, read_labeled
from nlp.metrics import binary_scores
from nlp.text import strip_emoticons, to_simplified
from nlp.train import CORPORA, DEFAULT_DATA_DIR

EVAL_SET = Path(__file__).resolve().parents[1] / "nlp" / "eval" / "complaints.jsonl"
BLIND_SET = Path(__file__).resolve().parents[1] / "nlp" / "eval" / "complaints_independent.jsonl"
SPEED_ROUNDS = 3


def chars_per_second(function: Callable[[str], object], texts: list[str], rounds: int = 1) -> float:
    """Best of ``rounds`` passes, so a scheduler hiccup does not decide a ratio."""
    characters = sum(map(len, texts))
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for text in texts:
            function(text)
        best = min(best, time.process_time() - started)
    return characters / best


def held_out_sets(data_dir: Path) -> dict[str, list[tuple[str, bool]]]:
    sets = {}
    for corpus in CORPORA:
        rows = read_labeled(data_dir / corpus.file)
        sets[corpus.name] = [(row.text, row.positive) for row in rows if is_held_out(row.text)]
    sets["weibo, no emoticons"] = [(strip_emoticons(text), positive) for text, positive in sets["weibo"]]
    return sets


def blind_category_accuracy(analyzer: Analyzer) -> tuple[int, float]:
    """Accuracy on the set written blind: its author never saw the cue lists, and the cues were not tuned on it."""
    rows = [json.loads(line) for line in BLIND_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    right = sum((analyzer.analyze(row["text"]).category or "其他") == row["category"] for row in rows)
    return len(rows), right / len(rows)


def category_accuracy(analyzer: Analyzer) -> dict[str, float]:
    from nlp.category import categorize

    rows = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    complaints = [row for row in rows if row["category"]]
    others = [row for row in rows if not row["category"]]
    end_to_end = sum(analyzer.analyze(row["text"]).category == row["category"] for row in complaints)
    given = sum(categorize(to_simplified(row["text"]), True) == row["category"] for row in complaints)
    untouched = complaints[1::2]
    untouched_ok = sum(categorize(to_simplified(row["text"]), True) == row["category"] for row in untouched)
    none_ok = sum(analyzer.analyze(row["text"]).category is None for row in others)
    return {
        "complaints": len(complaints),
        "end_to_end": end_to_end / len(complaints),
        "given_complaint": given / len(complaints),
        "given_complaint_odd_rows": untouched_ok / len(untouched),
        "non_complaints": len(others),
        "non_complaint_none": none_ok / len(others) if others else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--snownlp-sample",
        type=int,
        default=300,
        help="texts per measurement for plain snownlp, which runs at ~5k chars/s",
    )
    args = parser.parse_args(argv)

    from snownlp import SnowNLP

    sets = held_out_sets(args.data_dir)
    corpus = [text for name in ("waimai", "shopping", "weibo") for text, _ in sets[name]]
    sample = random.Random(4).sample(corpus, min(args.snownlp_sample, len(corpus)))
    analyzer = Analyzer()
    jieba.initialize()
    analyzer.analyze("预热")
    _snownlp(SnowNLP, "预热")

    print(
        f"Speed: {len(corpus):,} held-out texts, {sum(map(len, corpus)):,} characters "
        f"(plain snownlp on a random sample of {len(sample)} of them: it is too slow for all)"
    )
    speeds = {
        "plain SnowNLP(text).sentiments": chars_per_second(lambda t: SnowNLP(t).sentiments, sample),
        "jieba.lcut alone (HMM on, default)": chars_per_second(jieba.lcut, corpus, SPEED_ROUNDS),
        "jieba.lcut alone (HMM off)": chars_per_second(
            lambda t: jieba.lcut(t, HMM=False), corpus, SPEED_ROUNDS
        ),
        "our Analyzer.analyze (full)": chars_per_second(analyzer.analyze, corpus, SPEED_ROUNDS),
    }
    ours_on_sample = chars_per_second(analyzer.analyze, sample, SPEED_ROUNDS)
    ours = speeds["our Analyzer.analyze (full)"]
    print(f"{'':38s} {'chars/s':>12s} {'ours / this':>12s}")
    for name, speed in speeds.items():
        print(f"{name:38s} {speed:12,.0f} {ours / speed:12.2f}")
    print(
        f"{'our analyze on the snownlp sample':38s} {ours_on_sample:12,.0f} "
        f"{ours_on_sample / speeds['plain SnowNLP(text).sentiments']:12.2f}  (same texts as snownlp)"
    )

    print(
        f"\nSentiment on held-out rows, threshold 0.5 (plain snownlp on {args.snownlp_sample} random rows"
        " per set;"
        " ours on all rows and on that sample)"
    )
    header = (
        f"{'data':22s} {'rows':>6s} {'model':24s} {'accuracy':>8s} {'macroF1':>8s} {'negP':>6s} {'negR':>6s}"
    )
    print(header)
    print("-" * len(header))
    for name, rows in sets.items():
        rng = random.Random(name)
        subset = rng.sample(rows, min(args.snownlp_sample, len(rows)))
        gold = [positive for _, positive in rows]
        results = [
            ("ours", len(rows), [analyzer.analyze(t).sentiment >= 0.5 for t, _ in rows], gold),
            (
                "ours (sample)",
                len(subset),
                [analyzer.analyze(t).sentiment >= 0.5 for t, _ in subset],
                [p for _, p in subset],
            ),
            (
                "plain snownlp (sample)",
                len(subset),
                [_snownlp(SnowNLP, t) >= 0.5 for t, _ in subset],
                [p for _, p in subset],
            ),
        ]
        for model, count, predicted, truth in results:
            s = binary_scores(predicted, truth)
            print(
                f"{name:22s} {count:6d} {model:24s} {s['accuracy']:8.3f} {s['macro_f1']:8.3f} "
                f"{s['neg_precision']:6.3f} {s['neg_recall']:6.3f}"
            )

    c = category_accuracy(analyzer)
    print(f"\nComplaint category, nlp/eval/complaints.jsonl ({c['complaints']} complaints):")
    print(f"  end to end (sentiment must call it a complaint too): {c['end_to_end']:.3f}")
    print(f"  category given it is a complaint:                     {c['given_complaint']:.3f}")
    print(f"    on the odd rows (not used to tune the cues):   {c['given_complaint_odd_rows']:.3f}")
    print(f"  non-complaints ({c['non_complaints']}) given category None: {c['non_complaint_none']:.3f}")
    rows, blind = blind_category_accuracy(analyzer)
    print(f"Complaint category, nlp/eval/complaints_independent.jsonl ({rows}, written blind), end to end: {blind:.3f}")
    return 0


def _snownlp(snownlp_class, text: str) -> float:
    # snownlp raises on texts that normalise to nothing (emoticon-only rows once stripped).
    try:
        return snownlp_class(text).sentiments
    except (ZeroDivisionError, ValueError):
        return 0.5


if __name__ == "__main__":
    raise SystemExit(main())
