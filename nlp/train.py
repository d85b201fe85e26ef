"""Rebuild the shipped sentiment and complaint-category models and the model card from the labeled data.

    python -m nlp.train [--data-dir DIR] [--extra FILE ...]

Trains the sentiment model on the rows outside the fixed held-out split (``nlp.data.is_held_out``), scores the
held-out rows, trains the complaint-category classifier on the project's own complaint texts, and writes
``nlp/models/sentiment.marshal.gz``, ``nlp/models/category.marshal.gz`` and ``nlp/models/MODEL_CARD.md``.
``--extra`` adds labeled files from outside the shared data directory (third-party sets that may not be
redistributed, rebuilt by the recipes of ``nlp/train/README.md``); the shipped model names them in its card. The
same data gives the same files: no randomness anywhere. The card's out-of-domain section is written by
``python -m bench.nlp --card`` (leave-one-domain-out takes a dozen trainings) and kept here as it is.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.category import DEFAULT_CATEGORY_MODEL_PATH, train_category_model
from nlp.data import LabeledText, is_held_out, read_labeled
from nlp.features import GROUPS, sentiment_features
from nlp.metrics import binary_scores
from nlp.segment import body_and_emoticons, cut
from nlp.sentiment import DEFAULT_MODEL_PATH, SentimentModel
from nlp.text import strip_emoticons
from nlp.training import make_example, train_model

DEFAULT_DATA_DIR = Path(
    os.environ.get("YUQING_SENTIMENT_DATA", Path(__file__).resolve().parents[2] / "shared/data/sentiment")
)
MODEL_CARD_PATH = DEFAULT_MODEL_PATH.parent / "MODEL_CARD.md"
OUT_OF_DOMAIN_START, OUT_OF_DOMAIN_END = "<!-- out-of-domain: start -->", "<!-- out-of-domain: end -->"


@dataclass(frozen=True)
class Corpus:
    name: str
    file: str
    # Weibo posts count four times: they are the kind of text we monitor and the smallest set. Chosen on half of
    # Weibo's training rows held out of a fit on the rest (posts without emoticons: 0.720 at four, 0.717 at two).
    weight: int
    description: str


CORPORA = (
    Corpus(
        "waimai",
        "waimai_10k.csv",
        1,
        "food-delivery reviews; SophonPlus/ChineseNlpCorpus @ a0b781d7, datasets/waimai_10k",
    ),
    Corpus(
        "shopping",
        "online_shopping_9_cats.csv",
        1,
        "e-commerce reviews, 9 product categories (书籍 平板 手机 水果 洗发水 热水器 蒙牛 衣服 计算机); "
        "SophonPlus/ChineseNlpCorpus @ a0b781d7, datasets/online_shopping_10_cats (hotel category and rows "
        "overlapping other sets removed)",
    ),
    Corpus(
        "weibo",
        "weibo_senti_dev.csv",
        4,
        "Weibo posts, labels derived from emoticons; TrellixVulnTeam/TDM-Senti-Analyse_QWKS @ c2b03c58, "
        "data/weibo_senti_100k/dev.csv",
    ),
)


def load_corpus(data_dir: Path, corpus: Corpus) -> list[LabeledText]:
    """The corpus's rows, each with its trade: the file's ``cat`` column, or the corpus name."""
    return [
        row if row.domain else LabeledText(row.text, row.positive, corpus.name)
        for row in read_labeled(data_dir / corpus.file)
    ]


def text_probability(model: SentimentModel, text: str) -> float:
    """P(positive) of a raw text, read the way ``Analyzer.analyze`` reads it."""
    body, emoticons = body_and_emoticons(text)
    return model.probability(sentiment_features(cut(body), emoticons), body)


def held_out_scores(model: SentimentModel, texts: list[tuple[str, bool]]) -> dict[str, float]:
    predicted = [text_probability(model, text) >= 0.5 for text, _ in texts]
    return binary_scores(predicted, [positive for _, positive in texts])


def extra_corpus(path: Path) -> Corpus:
    """A file given with ``--extra``: its rows' trade is the file's ``domain`` field, or else the file's name."""
    return Corpus(path.stem, str(path), 1, EXTRA_DESCRIPTIONS.get(path.name, "labeled file given with --extra"))


# Provenance of the extra files the shipped model was trained on (recipes in nlp/train/README.md).
EXTRA_DESCRIPTIONS = {
    "conversation_xs_test.jsonl": "short chat messages people sent to a chatbot, labeled by hand; "
    "z17176/Chinese_conversation_sentiment @ 486e9a71, sentiment_XS_test.txt (jieba tokens joined back)",
    "conversation_xs_30k.jsonl": "short chat messages people sent to a chatbot, labeled automatically by the set's "
    "authors; the same repository, sentiment_XS_30k.txt (jieba tokens joined back, texts of XS_test left out)",
    "stock_forum_guba.jsonl": "stock-forum (股吧) posts, bullish or bearish, labeled by the repository's author; "
    "algosenses/Stock_Market_Sentiment_Analysis @ 86b0b3d7, data/positive.txt and data/negative.txt (tokens joined)",
}


def build(
    data_dir: Path, extra: Sequence[Path] = ()
) -> tuple[SentimentModel, dict[str, dict[str, float]], dict[str, tuple[int, int]], list[Corpus]]:
    examples = []
    held_out: dict[str, list[tuple[str, bool]]] = {}
    sizes: dict[str, tuple[int, int]] = {}
    corpora = [*CORPORA, *map(extra_corpus, extra)]
    for corpus in corpora:
        rows = load_corpus(data_dir, corpus)
        train_rows = [row for row in rows if not is_held_out(row.text)]
        held_out[corpus.name] = [(row.text, row.positive) for row in rows if is_held_out(row.text)]
        sizes[corpus.name] = (len(train_rows), len(held_out[corpus.name]))
        examples.extend(make_example(row.text, row.positive, corpus.weight, row.domain) for row in train_rows)
    trained_on = [Path(c.file).name for c in corpora]
    model = train_model(examples, {"trained_on": trained_on, "held_out": "md5(text) % 100 < 20"}, min_pair_count=2)
    scores = {name: held_out_scores(model, texts) for name, texts in held_out.items()}
    scores["weibo, emoticons removed"] = held_out_scores(
        model, [(strip_emoticons(text), positive) for text, positive in held_out["weibo"]]
    )
    return model, scores, sizes, corpora


def model_card(
    model: SentimentModel, scores: dict, sizes: dict, size_bytes: int, out_of_domain: str, corpora: Sequence[Corpus]
) -> str:
    rows = "\n".join(
        f"| {name} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | {s['neg_precision']:.3f} "
        f"| {s['neg_recall']:.3f} |"
        for name, s in scores.items()
    )
    data_rows = "\n".join(
        f"| `{Path(c.file).name}` | {c.description} | {sizes[c.name][0]:,} | {sizes[c.name][1]:,} | {c.weight} |"
        for c in corpora
    )
    weights = ", ".join(f"{g} {w:.3f}" for g, w in zip(GROUPS, model.group_weights, strict=True))
    linear = model.linear
    return MODEL_CARD_TEMPLATE.format(
        data_rows=data_rows,
        rows=rows,
        weights=weights,
        bias=model.bias,
        features=len(model.weights),
        linear_features=len(linear.weights) if linear else 0,
        char_features=len(linear.char_weights) if linear else 0,
        bayes_weight=linear.bayes_weight if linear else 0.0,
        calibration=linear.calibration if linear else (1.0, 0.0),
        size_mb=size_bytes / 1e6,
        extra_note=" and from files given with `--extra` (how to rebuild them: `nlp/train/README.md`)"
        if len(corpora) > len(CORPORA) else "",
        out_of_domain=out_of_domain,
    )


def out_of_domain_section(card: str) -> str:
    """The card's out-of-domain section as ``bench.nlp --card`` last wrote it (markers included)."""
    found = re.search(re.escape(OUT_OF_DOMAIN_START) + ".*?" + re.escape(OUT_OF_DOMAIN_END), card, re.S)
    if found:
        return found.group(0)
    return f"{OUT_OF_DOMAIN_START}\nNot measured yet: run `python -m bench.nlp --card`.\n{OUT_OF_DOMAIN_END}"


MODEL_CARD_TEMPLATE = """\
# Model card: `sentiment.marshal.gz` and `category.marshal.gz` (default NLP models)

Generated by `python -m nlp.train` (`make model`), except the out-of-domain section, which
`python -m bench.nlp --card` writes; do not edit by hand, rebuild instead.

## What the sentiment model is
P(positive) of a Chinese text: two layers and their blend, stored in one file (gzip-compressed `marshal`,
{size_mb:.1f} MB):

1. **snownlp's Naive Bayes** (`snownlp.classification.bayes.Bayes`, add-one smoothing; the product spec's
   library) over jieba tokens plus the features of `nlp/features.py`: negation, degree words, word pairs, a
   complaint-lexicon cue, emoticons and the trade-independent polarity cues of `nlp/lexicon/positive.txt` and
   `negative.txt` (evaluation words and everyday words of feeling; those jieba's dictionary would cut in two,
   such as 无语 and 靠谱, are words of the segmenter). One weight per feature group and a bias are fitted by
   logistic regression on cross-fitted scores. {features:,} features. Group weights: {weights}; bias {bias:.3f}.
2. **A logistic regression** (scikit-learn, liblinear, L2, C = 4) over the same word features and the text's
   characters and character pairs, each text's feature counts divided by the square root of its feature
   count. Every trade and, within it, each class weighs the same in the fit, so a trade's share of complaints
   does not become a word's polarity. {linear_features:,} word and {char_features:,} character weights kept
   (|w| ≥ 0.02, features in ≥ 3 training texts).
3. **A blend of the two**: P(positive) = sigmoid(a × (regression score + {bayes_weight:.3f} × Bayes log-odds) + b),
   (a, b) = {calibration}, fitted by logistic regression on scores of trades the regression was not trained on
   (the trades split in two halves, each scored by a regression trained on the other) and on the Bayes layer's
   cross-fitted log-odds. So each layer counts as far as it carries to a trade the model never saw, and
   P(positive) means the same there: the neutral band (`[nlp] neutral_band`) separates the unsure from the
   sure. (Stacked instead, with the Bayes score as one more input of the regression, the regression leaned on
   words of the trades it knew and scored food delivery and Weibo below the Bayes layer alone.)

Brand-directed rules (`nlp/brand.py`) sit beside the model in `Analyzer`: a hazard warning, a boycott call, a
recall or regulator notice, or a comparison the brand loses makes the mention negative whatever the model says;
a comparison the brand wins makes it positive.

## Training data
Third-party labeled sets (1 = positive, 0 = negative), read from the shared data directory{extra_note} and never
copied into this repository:

| file | content | train rows | held-out rows | weight |
|---|---|---|---|---|
{data_rows}

Held-out split: a row is held out when the first 4 bytes of md5(UTF-8 text), as an integer, mod 100 are
below 20 (`nlp.data.is_held_out`). Training never sees held-out rows.

**Licence**: none of these sets carries a licence that clearly allows commercial use and the original
collectors are partly unknown. This model is shipped for evaluation and non-commercial use on that basis;
retrain on your own labeled data with `yuqing nlp train --data FILE... --out PATH` for anything else.
**Never used for training or tuning**: Ctrip hotel reviews and ChnSentiCorp; they are the unseen-trade check
below. Other public sets looked at and why they are not used: `nlp/eval/README.md`.

## In-domain held-out results (threshold 0.5; trades the model was trained on)

| data | accuracy | macro-F1 | negative precision | negative recall |
|---|---|---|---|---|
{rows}

{out_of_domain}

## What was tried for issue 11 (accuracy)
Leave-one-trade-out on the two weakest trades and the Weibo row (same code as the benchmark, `bench.nlp
--folds`), and the in-domain Weibo rows without emoticons for the shipped recipe. Each row adds to the kept rows
above it.

| change | 蒙牛 | 书籍 | Weibo held out | Weibo, emoticons removed (in domain) | kept |
|---|---|---|---|---|---|
| recipe before (Bayes + linear layer + calibration) | 0.819 | 0.822 | 0.634 | 0.695 | |
| Weibo weighted 4 instead of 2 | | | | 0.695 | no: no change |
| conversation set (all 41,162 rows), C = 1 instead of 4 | 0.870 | 0.794 | 0.660 | | no: books lose |
| wider polarity lexicon, its words kept whole by the segmenter | 0.831 | 0.826 | 0.646 | | **yes** |
| + conversation set, all 41,162 rows | 0.872 | 0.809 | 0.663 | 0.705 | no: books lose |
| + conversation set, the 11,549 hand-labeled rows | 0.863 | 0.817 | 0.661 | 0.705 | **yes** |
| + Bayes score column scaled ×3 (the linear layer leans on the Bayes layer) | | | 0.662 | | no: no change |
| + linear layer fitted on Weibo posts without emoticons only | | | | 0.709 (with emoticons: 0.946 → 0.895) | no |

Second round, all ten review trades (mean / minimum), on the same folds; a cached runner (the benchmark's folds
and code, the Bayes layer trained once per fold) reproduced the benchmark's figures of the recipe before exactly.
Each row changes the kept rows above it.

| change | mean / min | waimai | 书籍 | 热水器 | 蒙牛 | Weibo out | Weibo in | kept |
|---|---|---|---|---|---|---|---|---|
| recipe before (stacked: Bayes log-odds an input) | .898 / .817 | .857 | .817 | .875 | .863 | .661 | .705 | |
| chat set in the linear layer only | .899 / .820 | .858 | .820 | .878 | .858 | .660 | .700 | no |
| chat set in the Bayes layer only | .897 / .829 | .868 | .829 | .869 | .841 | .650 | .697 | no (a) |
| trades weigh the same, classes not balanced within | .895 / .804 | .855 | .804 | .871 | .855 | .660 | .704 | no |
| **blend** instead of stack (b) | .899 / .821 | .878 | .821 | .866 | .851 | .670 | .708 | **yes** |
| + contrast cues (polarity after 但是/不过/可惜…) | .900 / .821 | .878 | .821 | .869 | .850 | .670 | .708 | no (c) |
| + App Store and Douban TV comments, training only | .901 / .828 | .883 | .828 | .873 | .859 | .672 | .710 | no (d) |
| + seven candidate review sets, training only | .907 / .854 | .883 | .856 | .880 | .854 | .672 | .707 | no (e) |
| + App Store reviews alone, held out in turn (.904) | .900 / .817 | .880 | .817 | .875 | .856 | .670 | .710 | no |
| + **characters and character pairs** (linear) | .902 / .823 | .880 | .823 | .880 | .846 | .669 | .714 | **yes** |
| + character pairs only | | .879 | .822 | .875 | .850 | | | no (f) |
| + Weibo weighted 4 instead of 2 in the shipped fit (g) | (same) | | | | | (same) | .722 | **yes** |
| + the chat corpus's automatically labeled part (XS_30k), training only | .902 / .822 | | .822 | | | .679 | | no (h) |
| + XS_30k and stock-forum posts, training only | .902 / .825 | .876 | .825 | .883 | .871 | .681 | .722 | **yes** |

"Weibo out": Weibo held out (trained on no Weibo); "Weibo in": the shipped recipe's held-out Weibo posts without
emoticons. (a) Weibo loses. (b) The linear layer over the word features alone; how far it and the Bayes layer
count is fitted on scores of trades it was not fitted on (`fit_linear_layer`). (c) Within noise. (d) Douban
held out as a trade of its own scores 0.722. (e) Each would have to be held out in turn (the issue's rule for
an added review set), and books, films and restaurants overlap trades of the table. (f) No better, and the
pairs are most of the characters' cost. (g) Chosen on half of Weibo's training rows held out of a fit on the
rest (posts without emoticons: 0.720 at 4, 0.717 at 2), not on the held-out rows; the leave-one-trade-out folds
weigh every text the same, so the table does not move. Counting Weibo posts without emoticons twice in the
linear layer added 0.001–0.003 more on the same rows and was left out. (h) Stock-forum posts alone: Weibo held
out 0.675; Douban film comments alone 0.674, but they are a review set, which would have to be held out as a trade
(0.722 there). Neither chat set nor the stock posts is a review set: they are training-only data, like the
hand-labeled chat set, and the leave-one-out table's trades are unchanged.

The characters cost speed (about 20 µs a text, the pairs most of it: 31.5× SnowNLP and 0.83× `jieba.lcut`
instead of about 48× and 1.4×, both above the goals). The candidate sets were found and converted by a second
helper (provenance, licences and manual label checks kept outside the project; none is licensed for
redistribution). None is used: held out in turn as the issue asks, App Store reviews left books lower and
Douban comments scored 0.722 on themselves. Two sets of short informal text that are not reviews are used:
the rest of the chat corpus (29,538 messages labeled automatically) and 9,171 stock-forum posts; with them the
Weibo row held out reaches 0.681 where reviews and the hand-labeled chats left it at 0.669 (a character logistic
regression trained on Weibo itself reaches only 0.70 on its held-out posts without emoticons, so this row is near
what the text carries). Provenance and the rebuild recipe: `nlp/train/README.md`.

## The complaint-category classifier (`category.marshal.gz`)
A multinomial logistic regression over the complaint's characters and character pairs plus the six weighted cue
sums of `nlp/category.py`, trained on complaints written for this project (`nlp/eval/complaints.jsonl` and
`nlp/train/complaints_train.jsonl`, all invented, no third-party text). The blind set
`nlp/eval/complaints_independent.jsonl` is never used for training or tuning; `make bench-nlp` reports it.

## Known failure modes
- Weibo labels were derived from emoticons, so "weibo" measures emoticon reading as much as text; "weibo,
  emoticons removed" is the fairer figure for complaint text. About 12% of Weibo rows have `?` for lost
  characters.
- Social posts without emoticons, from a model that never saw Weibo: about two in three right (the Weibo row
  of the table). Reviews do not teach the words of social posts, and the characters do not make up for it.
- Part of the training data labels a market stance, not a feeling (stock-forum posts: 涨停 is positive, 跌停
  negative), so news of a listed brand's share price leans the score the way the price moved.
- Book and media reviews judge the story, not the product (一个悲伤的故事 is praise); the model reads the
  plot's sadness as the reviewer's.
- Irony, rhetorical questions and comparisons (比上次好多了, 还不如) are often missed; a review that lists
  faults and then says it is worth the price is split.
- The brand rules fire on words: a hazard or recall word in a text about another company is read as bad news
  for every brand the mention names.

## Rebuild
`make model` or `.venv/bin/python -m nlp.train` (data directory: `$YUQING_SENTIMENT_DATA`, default
`../shared/data/sentiment/`). Deterministic: the same data gives the same files.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--extra", type=Path, action="append", default=[],
                        help="a further labeled file (CSV or JSON lines) to train on; repeatable")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    model, scores, sizes, corpora = build(args.data_dir, args.extra)
    model.save(args.out)
    category_path = args.out.parent / DEFAULT_CATEGORY_MODEL_PATH.name
    train_category_model().save(category_path)
    card_path = args.out.parent / MODEL_CARD_PATH.name
    previous = card_path.read_text(encoding="utf-8") if card_path.exists() else ""
    card = model_card(model, scores, sizes, args.out.stat().st_size, out_of_domain_section(previous), corpora)
    card_path.write_text(card, encoding="utf-8")
    for name, s in scores.items():
        print(f"{name:28s} accuracy {s['accuracy']:.4f}  macro-F1 {s['macro_f1']:.4f}")
    print(f"wrote {args.out}, {category_path} and {card_path} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
