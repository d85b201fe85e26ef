"""Do two checkouts analyse every text alike? The proof a speed change to ``nlp/`` needs before it lands.

    .venv/bin/python -m bench.nlp_identity OTHER_CHECKOUT [--data-dir DIR] [--all]

Runs ``Analyzer.analyze`` over the speed section's texts (``--all``: the whole training corpus) once with this
checkout's code and once with OTHER_CHECKOUT's (e.g. ``git worktree add /tmp/main main``), both reading THIS
checkout's model files, and prints how many texts differ in any field: sentiment (beyond 1e-9), label, category,
grade, reasons, region, keywords, tokens, fingerprint; a quarter of the texts also with brand words, a title, a
region hint and engagement figures, and every text's category as if it were a complaint.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
FIELDS = ("sentiment", "label", "category", "grade", "reasons", "region", "keywords", "tokens", "fingerprint")


def texts_for(data_dir: Path, whole: bool) -> list[str]:
    from bench.nlp import held_out_rows, speed_corpus
    from nlp.train import CORPORA, load_corpus

    if whole:
        return [row.text for corpus in CORPORA for row in load_corpus(data_dir, corpus)]
    return speed_corpus(held_out_rows(data_dir))


def analyses(texts: list[str]) -> list[tuple]:
    """What each text's analysis says, with the shipped model files of this checkout."""
    import nlp.category
    import nlp.sentiment
    from nlp.analyze import Analyzer
    from nlp.segment import body_and_emoticons

    nlp.sentiment.DEFAULT_MODEL_PATH = HERE / "nlp" / "models" / "sentiment.marshal.gz"
    nlp.category.DEFAULT_CATEGORY_MODEL_PATH = HERE / "nlp" / "models" / "category.marshal.gz"
    plain, branded = Analyzer(), Analyzer(brand_words=["美团", "京东", "小米"])
    rows = []
    for i, text in enumerate(texts):
        first = plain.analyze(text)
        second = None
        if i % 4 == 0:
            second = branded.analyze(text, title="标题" if i % 3 == 0 else "",
                                     region_hint="广东省" if i % 5 == 0 else None, followers=i * 97,
                                     reposts=i % 2000, is_media=i % 7 == 0)
        rows.append((*(_fields(first)), None if second is None else _fields(second),
                     plain.category_model.classify(body_and_emoticons(text)[0])))
    return rows


def _fields(analysis) -> tuple:
    return tuple(getattr(analysis, name) for name in FIELDS)


def _same(name: str, ours, theirs) -> bool:
    if name == "sentiment":
        return abs(ours - theirs) <= 1e-9
    if name == "with brand words" and ours is not None:
        return abs(ours[0] - theirs[0]) <= 1e-9 and ours[1:] == theirs[1:]
    return ours == theirs


def compare(ours: list[tuple], theirs: list[tuple]) -> tuple[int, dict[str, int]]:
    names = (*FIELDS, "with brand words", "category of every text")
    per_field = dict.fromkeys(names, 0)
    texts = 0
    for mine, other in zip(ours, theirs, strict=True):
        wrong = [name for name, a, b in zip(names, mine, other, strict=True) if not _same(name, a, b)]
        for name in wrong:
            per_field[name] += 1
        texts += bool(wrong)
    return texts, per_field


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--all", action="store_true", help="the whole training corpus, not only the speed texts")
    args = parser.parse_args(argv)
    from nlp.train import DEFAULT_DATA_DIR

    texts = texts_for(args.data_dir or DEFAULT_DATA_DIR, args.all)
    with tempfile.TemporaryDirectory() as scratch:
        texts_file, dump = Path(scratch) / "texts.pickle", Path(scratch) / "other.pickle"
        texts_file.write_bytes(pickle.dumps(texts))
        # The other checkout first on the path: its nlp/ is imported, this file loaded by path, our model files read.
        environment = {**os.environ, "PYTHONPATH": str(args.other.resolve())}
        subprocess.run([sys.executable, "-c", _CHILD, __file__, str(texts_file), str(dump)], env=environment,
                       check=True, cwd=scratch)
        theirs = pickle.loads(dump.read_bytes())
    differing, per_field = compare(analyses(texts), theirs)
    print(f"{len(texts):,} texts; analyses differing in any field: {differing}")
    print("  per field: " + ", ".join(f"{name} {count}" for name, count in per_field.items()))
    return 1 if differing else 0


def dump(texts_file: str, out: str) -> None:
    Path(out).write_bytes(pickle.dumps(analyses(pickle.loads(Path(texts_file).read_bytes()))))


_CHILD = (
    "import importlib.util, sys; spec = importlib.util.spec_from_file_location('nlp_identity', sys.argv[1]); "
    "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); module.dump(*sys.argv[2:])"
)

if __name__ == "__main__":
    raise SystemExit(main())
