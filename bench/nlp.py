"""Benchmark of the NLP stage: out-of-domain accuracy, in-domain accuracy, complaint categories, speed.

    .venv/bin/python -m bench.nlp [--data-dir DIR] [--extra FILE] [--extra-trade FILE] [--folds 蒙牛,书籍,weibo]
                                  [--jobs 2] [--card] [--unseen-dir DIR] [--snownlp-sample 300] [--only speed]

Out of domain (what counts for a brand in a trade we have no data for): leave one trade out at a time (each
shopping category, the food-delivery reviews and each review set given with ``--extra-trade``), train the recipe
on the rest, score the trade left out;
Weibo is held out as its own cross-genre row (trained on reviews only, scored with emoticons removed). Three
recipes are compared on the same folds: the plain character 1–3-gram logistic regression the issue set as the
floor, snownlp's Naive Bayes with group weights (the previous model) and the shipped recipe. ``--unseen-dir``
adds the shipped model's figures on Ctrip hotel reviews and ChnSentiCorp (fetched outside the project, never
used for training or tuning). ``--card`` writes the out-of-domain section of ``nlp/models/MODEL_CARD.md``.

In domain: accuracy on the held-out rows of the trades the shipped model was trained on, against plain
``SnowNLP(text).sentiments``. Speed: characters per second of plain snownlp, ``jieba.lcut`` and our full
``Analyzer.analyze`` on the same texts in one run; ``--only speed`` runs that section alone (a minute instead of an
hour of trainings), to compare code changes back to back.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import random
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path

import jieba
import numpy as np

from nlp.analyze import Analyzer
from nlp.category import cue_category
from nlp.data import is_held_out
from nlp.metrics import binary_scores
from nlp.sentiment import DEFAULT_MODEL_PATH, SentimentModel, load_model
from nlp.text import strip_emoticons, to_simplified
from nlp.train import (
    CORPORA,
    DEFAULT_DATA_DIR,
    MODEL_CARD_PATH,
    OUT_OF_DOMAIN_END,
    OUT_OF_DOMAIN_START,
    extra_corpus,
    load_corpus,
    text_probability,
)
from nlp.training import Example, make_example, train_model

EVAL_DIR = Path(__file__).resolve().parents[1] / "nlp" / "eval"
SPEED_ROUNDS = 3
WEIBO = "weibo"
RECIPES = ("char 1-3-gram LR (floor)", "Bayes + group weights (previous)", "ours: Bayes + LR + calibration")


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


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- out of domain ---------------------------------------------------------------------------------------------


def _floor_scores(train: Sequence[Example], test: Sequence[Example]) -> list[bool]:
    """The issue's reference: character 1-3-gram presence, logistic regression, classes balanced."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(analyzer="char", ngram_range=(1, 3), binary=True)
    x = vectorizer.fit_transform([e.body for e in train])
    model = LogisticRegression(C=1.0, solver="liblinear", class_weight="balanced", max_iter=1000)
    model.fit(x, [e.positive for e in train])
    return list(model.predict(vectorizer.transform([e.body for e in test])))


def _model_scores(model: SentimentModel, test: Sequence[Example]) -> list[bool]:
    return [model.probability(e.features, e.body) >= 0.5 for e in test]


def leave_one_domain_out(
    examples: Sequence[Example],
    recipes: Sequence[str],
    folds: Sequence[str] = (),
    always: Sequence[Example] = (),
    jobs: int = 1,
) -> dict[str, dict[str, dict]]:
    """{recipe: {held-out trade: scores}}; the Weibo row is trained on reviews (and ``always``, sets that are
    never held out) only and scored without emoticons. ``jobs`` folds train at once, in forked processes."""
    domains = sorted({e.domain for e in examples if e.domain != WEIBO}, key=lambda d: (d != "waimai", d))
    results: dict[str, dict[str, dict]] = {recipe: {} for recipe in recipes}
    _FOLD_INPUT.update(examples=examples, recipes=recipes, always=always)
    folds = folds or [*domains, WEIBO]
    with multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else nullcontext() as pool:
        for held_out, scores, seconds in (pool.imap if pool else map)(_fold, folds):
            for recipe in recipes:
                results[recipe][held_out] = scores[recipe]
            accuracies = ", ".join(f"{r.split(':')[0]} {scores[r]['accuracy']:.3f}" for r in recipes)
            rows = scores[recipes[0]]["rows"]
            print(f"  held out {held_out}: {rows:,} rows, {accuracies} ({seconds:.0f} s)", flush=True)
    return results


# What every fold reads, set before the pool forks so the examples are not pickled to each worker.
_FOLD_INPUT: dict = {}


def _fold(held_out: str) -> tuple[str, dict[str, dict], float]:
    examples, recipes, always = _FOLD_INPUT["examples"], _FOLD_INPUT["recipes"], _FOLD_INPUT["always"]
    started = time.perf_counter()
    train = [e for e in examples if e.domain not in (held_out, WEIBO)] + list(always)
    if held_out == WEIBO:
        test = [_without_emoticons(e) for e in examples if e.domain == WEIBO]
    else:
        test = [e for e in examples if e.domain == held_out]
    gold = [e.positive for e in test]
    scores = {
        recipe: binary_scores(predicted, gold) | {"rows": len(test)}
        for recipe, predicted in _recipe_scores(train, test, recipes).items()
    }
    return held_out, scores, time.perf_counter() - started


def _recipe_scores(train: Sequence[Example], test: Sequence[Example], recipes: Sequence[str]) -> dict[str, list]:
    """Predictions of each recipe trained on ``train``. The previous model is our model without its linear layer
    (the same Naive Bayes and group weights), so one training serves both."""
    scores: dict[str, list] = {}
    if RECIPES[0] in recipes:
        scores[RECIPES[0]] = _floor_scores(train, test)
    if RECIPES[1] in recipes or RECIPES[2] in recipes:
        model = train_model(train, linear_layer=RECIPES[2] in recipes)
        if RECIPES[2] in recipes:
            scores[RECIPES[2]] = _model_scores(model, test)
        model.linear = None
        scores[RECIPES[1]] = _model_scores(model, test)
    return {recipe: scores[recipe] for recipe in recipes}


def _without_emoticons(example: Example) -> Example:
    features = example.without_emoticons if example.without_emoticons is not None else example.features
    return Example(features, example.positive, example.weight, None, example.fold, example.body, example.domain)


def out_of_domain_table(results: dict[str, dict[str, dict]]) -> str:
    """Markdown: per held-out trade, accuracy / macro-F1 / negative recall of each recipe; mean and min."""
    recipes = list(results)
    header = "| held out | rows | " + " | ".join(f"{r}: acc / F1 / neg-R" for r in recipes) + " |"
    lines = [header, "|" + "---|" * (2 + len(recipes))]
    domains = list(next(iter(results.values())))
    reviews = [d for d in domains if d != WEIBO]
    for domain in domains:
        label = "weibo (cross-genre, no emoticons)" if domain == WEIBO else domain
        cells = [
            f"{s['accuracy']:.3f} / {s['macro_f1']:.3f} / {s['neg_recall']:.3f}"
            for s in (results[r][domain] for r in recipes)
        ]
        lines.append(f"| {label} | {results[recipes[0]][domain]['rows']:,} | " + " | ".join(cells) + " |")
    for name, reduce in (("mean over review trades", np.mean), ("minimum over review trades", np.min)):
        cells = [
            " / ".join(f"{reduce([results[r][d][k] for d in reviews]):.3f}" for k in ("accuracy", "macro_f1",
                                                                                   "neg_recall"))
            for r in recipes
        ]
        lines.append(f"| **{name}** | | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def unseen_sets(unseen_dir: Path | None) -> dict[str, list[tuple[str, bool]]]:
    """Ctrip hotel reviews and ChnSentiCorp's dev split, when their files are in ``unseen_dir``."""
    sets: dict[str, list[tuple[str, bool]]] = {}
    if unseen_dir is None:
        return sets
    ctrip = unseen_dir / "ChnSentiCorp_htl_all.csv"
    if ctrip.exists():
        with ctrip.open(encoding="utf-8-sig", newline="") as handle:
            sets["Ctrip hotel reviews (ChnSentiCorp_htl_all)"] = [
                (row["review"], row["label"] == "1") for row in csv.DictReader(handle) if row["review"].strip()
            ]
    chnsenticorp = unseen_dir / "ChnSentiCorp_dev.tsv"
    if chnsenticorp.exists():
        lines = chnsenticorp.read_text(encoding="utf-8").splitlines()[1:]
        sets["ChnSentiCorp dev (hotels, notebooks, books)"] = [
            (text, label == "1") for label, text in (line.split("\t", 1) for line in lines if "\t" in line)
        ]
    return sets


def write_card_section(
    table: str, unseen: dict[str, dict], started: str, extra: Sequence[Path] = (), trades: Sequence[Path] = ()
) -> None:
    unseen_rows = "\n".join(
        f"| {name} | {s['rows']:,} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | {s['neg_recall']:.3f} |"
        for name, s in unseen.items()
    )
    also = " plus " + " and ".join(f"`{path.name}`" for path in extra) if extra else ""
    added = (" (the review sets " + " and ".join(f"`{path.name}`" for path in trades) + " are trades of their own, "
             "held out in turn)") if trades else ""
    section = f"""{OUT_OF_DOMAIN_START}
## Out-of-domain results (`python -m bench.nlp --card`, {started})

Leave one trade out: each row is a trade the recipe was **not** trained on (trained on all other review
trades{added}{also}; Weibo: trained on reviews{also} only, no Weibo, and scored with emoticons removed). Threshold 0.5.

{table}

Trades never used for training or tuning, scored by the shipped model (files fetched outside the project:
SophonPlus/ChineseNlpCorpus @ a0b781d7 `ChnSentiCorp_htl_all.csv`; ChnSentiCorp `dev.tsv` as redistributed in
Dguofu/interview @ 39544da0):

| data | rows | accuracy | macro-F1 | negative recall |
|---|---|---|---|---|
{unseen_rows or "| not measured in this run | | | | |"}
{OUT_OF_DOMAIN_END}"""
    card = MODEL_CARD_PATH.read_text(encoding="utf-8")
    start, end = card.index(OUT_OF_DOMAIN_START), card.index(OUT_OF_DOMAIN_END) + len(OUT_OF_DOMAIN_END)
    MODEL_CARD_PATH.write_text(card[:start] + section + card[end:], encoding="utf-8")


# --- complaint categories and brand-directed cases -------------------------------------------------------------


def category_report(analyzer: Analyzer) -> None:
    blind = _read_jsonl(EVAL_DIR / "complaints_independent.jsonl")
    development = [row for row in _read_jsonl(EVAL_DIR / "complaints.jsonl") if row["category"]][1::2]
    print("\nComplaint category, given the text is a complaint (before: cues only; after: the classifier)")
    for name, rows in (("complaints_independent.jsonl (written blind)", blind),
                       ("complaints.jsonl odd rows (never trained on)", development)):
        texts = [to_simplified(row["text"]) for row in rows]
        before = np.mean([cue_category(t) == row["category"] for t, row in zip(texts, rows, strict=True)])
        after = np.mean([analyzer.category_model.classify(t) == row["category"]
                         for t, row in zip(texts, rows, strict=True)])
        print(f"  {name:48s} {len(rows):4d} rows  before {before:.3f}  after {after:.3f}")
    end_to_end = np.mean([(analyzer.analyze(row["text"]).category or "其他") == row["category"] for row in blind])
    print(f"  blind set end to end (the sentiment stage must call it a complaint too): {end_to_end:.3f}")


def brand_report(analyzer_for: Callable[[Sequence[str]], Analyzer]) -> None:
    rows = _read_jsonl(EVAL_DIR / "brand_directed.jsonl")
    analyzer = analyzer_for(sorted({row["brand"] for row in rows}))
    plain = Analyzer()
    right = sum((analyzer.analyze(row["text"]).label == "negative") == (row["label"] == "negative") for row in rows)
    negative = [row for row in rows if row["label"] == "negative"]
    model_only = sum(text_probability(plain.model, row["text"]) < 0.5 for row in negative)
    print(f"\nBrand-directed cases (nlp/eval/brand_directed.jsonl): {right}/{len(rows)} right (negative ones "
          f"negative, controls not); "
          f"the model alone calls {model_only}/{len(negative)} of the negative ones negative")


# --- in domain and speed ---------------------------------------------------------------------------------------


def in_domain_report(analyzer: Analyzer, held_out: dict[str, list[tuple[str, bool]]], snownlp, sample: int) -> None:
    print(f"\nIn-domain held-out rows (trades the shipped model was trained on), threshold 0.5; plain snownlp on "
          f"{sample} random rows per set")
    header = f"{'data':26s} {'rows':>6s} {'model':24s} {'accuracy':>8s} {'macroF1':>8s} {'negP':>6s} {'negR':>6s}"
    print(header)
    print("-" * len(header))
    for name, rows in held_out.items():
        subset = random.Random(name).sample(rows, min(sample, len(rows)))
        for model, texts, predict in (
            ("ours", rows, lambda t: analyzer.analyze(t).sentiment >= 0.5),
            ("plain snownlp (sample)", subset, lambda t: _snownlp(snownlp, t) >= 0.5),
        ):
            s = binary_scores([predict(t) for t, _ in texts], [p for _, p in texts])
            print(f"{name:26s} {len(texts):6d} {model:24s} {s['accuracy']:8.3f} {s['macro_f1']:8.3f} "
                  f"{s['neg_precision']:6.3f} {s['neg_recall']:6.3f}")


def speed_report(analyzer: Analyzer, corpus: list[str], snownlp, sample: int) -> None:
    texts = random.Random(4).sample(corpus, min(sample, len(corpus)))
    print(f"\nSpeed: {len(corpus):,} held-out texts, {sum(map(len, corpus)):,} characters "
          f"(plain snownlp on a random sample of {len(texts)} of them: it is too slow for all)")
    speeds = {
        "plain SnowNLP(text).sentiments": chars_per_second(lambda t: snownlp(t).sentiments, texts, SPEED_ROUNDS),
        "jieba.lcut alone (HMM on, default)": chars_per_second(jieba.lcut, corpus, SPEED_ROUNDS),
        "jieba.lcut alone (HMM off)": chars_per_second(lambda t: jieba.lcut(t, HMM=False), corpus, SPEED_ROUNDS),
        "our Analyzer.analyze (full)": chars_per_second(analyzer.analyze, corpus, SPEED_ROUNDS),
    }
    ours = speeds["our Analyzer.analyze (full)"]
    print(f"{'':38s} {'chars/s':>12s} {'ours / this':>12s}")
    for name, speed in speeds.items():
        print(f"{name:38s} {speed:12,.0f} {ours / speed:12.2f}")
    on_sample = chars_per_second(analyzer.analyze, texts, SPEED_ROUNDS)
    print(f"{'our analyze on the snownlp sample':38s} {on_sample:12,.0f} "
          f"{on_sample / speeds['plain SnowNLP(text).sentiments']:12.2f}  (same texts as snownlp)")


def _snownlp(snownlp_class, text: str) -> float:
    # snownlp raises on texts that normalise to nothing (emoticon-only rows once stripped).
    try:
        return snownlp_class(text).sentiments
    except (ZeroDivisionError, ValueError):
        return 0.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--extra", type=Path, action="append", default=[],
                        help="a further labeled file added to every fold's training, never held out (as `nlp.train "
                             "--extra`)")
    parser.add_argument("--extra-trade", type=Path, action="append", default=[],
                        help="a further labeled review set: trained on like --extra, and held out as its own trade")
    parser.add_argument("--jobs", type=int, default=1, help="folds trained at once (each needs about 1.5 GB)")
    parser.add_argument("--folds", type=lambda value: value.split(","), default=(),
                        help="held-out trades to run, comma-separated (for iterating; default all, and weibo)")
    parser.add_argument("--unseen-dir", type=Path, help="holds ChnSentiCorp_htl_all.csv and ChnSentiCorp_dev.tsv")
    parser.add_argument("--card", action="store_true", help="write the out-of-domain section of the model card")
    parser.add_argument("--snownlp-sample", type=int, default=300, help="texts per measurement for plain snownlp")
    parser.add_argument("--only", choices=("speed",), help="run only this section")
    args = parser.parse_args(argv)
    if args.only == "speed":
        speed_only(args.data_dir, args.snownlp_sample)
        return 0
    started_at = time.strftime("%Y-%m-%d")

    from snownlp import SnowNLP

    rows = [row for corpus in CORPORA for row in load_corpus(args.data_dir, corpus)]
    rows += [row for path in args.extra_trade for row in load_corpus(args.data_dir, extra_corpus(path))]
    extra = [row for path in args.extra for row in load_corpus(args.data_dir, extra_corpus(path))]
    print(f"Leave one trade out: {len(rows):,} labeled texts and {len(extra):,} more for training only, recipes "
          f"compared on the same folds", flush=True)
    examples = [make_example(row.text, row.positive, 1, row.domain) for row in rows]
    always = [make_example(row.text, row.positive, 1, row.domain) for row in extra]
    results = leave_one_domain_out(examples, RECIPES, args.folds, always, args.jobs)
    table = out_of_domain_table(results)
    print(table)

    shipped = load_model(DEFAULT_MODEL_PATH)
    unseen = {}
    for name, texts in unseen_sets(args.unseen_dir).items():
        predicted = [text_probability(shipped, text) >= 0.5 for text, _ in texts]
        unseen[name] = binary_scores(predicted, [p for _, p in texts]) | {"rows": len(texts)}
        print(f"{name}: {len(texts):,} rows, accuracy {unseen[name]['accuracy']:.3f}, "
              f"macro-F1 {unseen[name]['macro_f1']:.3f}, negative recall {unseen[name]['neg_recall']:.3f}")
    if args.card and not args.folds:
        write_card_section(table, unseen, started_at, args.extra, args.extra_trade)

    held_out = held_out_rows(args.data_dir)
    analyzer = warmed_analyzer(SnowNLP)
    in_domain_report(analyzer, held_out, SnowNLP, args.snownlp_sample)
    category_report(analyzer)
    brand_report(lambda brands: Analyzer(brand_words=brands))
    speed_report(analyzer, speed_corpus(held_out), SnowNLP, args.snownlp_sample)
    return 0


def held_out_rows(data_dir: Path) -> dict[str, list[tuple[str, bool]]]:
    """(text, positive) of the held-out rows of each corpus, and of Weibo with emoticons removed."""
    held_out: dict[str, list[tuple[str, bool]]] = {}
    for corpus in CORPORA:
        held_out[corpus.name] = [(r.text, r.positive) for r in load_corpus(data_dir, corpus) if is_held_out(r.text)]
    held_out["weibo, no emoticons"] = [(strip_emoticons(t), p) for t, p in held_out[WEIBO]]
    return held_out


def speed_corpus(held_out: dict[str, list[tuple[str, bool]]]) -> list[str]:
    """The texts the speed section times: every held-out review and Weibo post, as crawled (with emoticons)."""
    return [text for name in ("waimai", "shopping", WEIBO) for text, _ in held_out[name]]


def warmed_analyzer(snownlp) -> Analyzer:
    """An analyzer and plain snownlp with their models loaded and first-call costs paid, so no timing pays them."""
    analyzer = Analyzer()
    jieba.initialize()
    analyzer.analyze("预热")
    _snownlp(snownlp, "预热")
    return analyzer


def speed_only(data_dir: Path, snownlp_sample: int) -> None:
    from snownlp import SnowNLP

    analyzer = warmed_analyzer(SnowNLP)
    speed_report(analyzer, speed_corpus(held_out_rows(data_dir)), SnowNLP, snownlp_sample)


if __name__ == "__main__":
    raise SystemExit(main())
