"""``yuqing analyze`` and ``yuqing nlp train``: the NLP stage from the command line, no settings needed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from yuqing.cli import UserError

# A line longer than this is analysed on its first part only: the pipeline never sees such mentions, and one
# runaway line must not stall a batch.
MAX_LINE_BYTES = 100_000
_METADATA_INT_FIELDS = ("followers", "reposts", "comments", "likes")


def register(commands: argparse._SubParsersAction) -> None:
    analyze = commands.add_parser(
        "analyze",
        help="分析标准输入的每一行文本（情感、投诉类别、等级、地区、关键词），每行输出一个 JSON",
        description='逐行读取标准输入，每行输出一个 JSON 结果；无法分析的行输出 {"line": N, "error": ...}。',
    )
    analyze.add_argument(
        "--jsonl",
        action="store_true",
        help="每行是 JSON：text，可选 title、region、followers、reposts、comments、likes、is_media",
    )
    analyze.add_argument("--model", type=Path, help="情感模型文件（默认：内置模型）")
    analyze.add_argument(
        "--brand",
        action="append",
        default=[],
        metavar="WORD",
        help="品牌名或别名，分词时保持为一个词（可重复）",
    )
    analyze.add_argument("--neutral-band", type=float, default=0.15, help="中性区间半宽（默认 0.15）")
    analyze.add_argument("--tokens", action="store_true", help="输出分词结果")
    analyze.set_defaults(handler=run_analyze)

    group = commands.add_parser("nlp", help="情感模型：训练").add_subparsers(
        dest="nlp_command", metavar="COMMAND"
    )
    group.required = True
    train = group.add_parser(
        "train",
        help="用标注数据训练情感模型",
        description="CSV（label,review 或 cat,label,review 列）或 JSON Lines（label、text 字段），"
        "label 为 1/0 或 "
        "pos/neg。固定按文本哈希留出一部分数据评估，并打印留出集准确率。",
    )
    train.add_argument("--data", type=Path, nargs="+", required=True, metavar="FILE", help="标注数据文件")
    train.add_argument(
        "--out",
        type=Path,
        default=Path("sentiment.marshal.gz"),
        help="模型输出路径（默认 ./sentiment.marshal.gz）",
    )
    train.add_argument(
        "--held-out",
        type=int,
        default=20,
        metavar="PERCENT",
        help="留出评估的百分比，0 表示全部用于训练（默认 20）",
    )
    train.set_defaults(handler=run_train)


def run_analyze(args: argparse.Namespace, context: object) -> int:
    from nlp.analyze import Analyzer
    from nlp.sentiment import ModelError

    try:
        analyzer = Analyzer(args.model, brand_words=args.brand, neutral_band=args.neutral_band)
    except (ModelError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    out = sys.stdout
    for number, raw in enumerate(_lines(sys.stdin.buffer), start=1):
        out.write(
            json.dumps(analyze_line(analyzer, raw, number, args.jsonl, args.tokens), ensure_ascii=False)
        )
        out.write("\n")
    out.flush()
    return 0


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    for raw in stream:
        yield raw.rstrip(b"\r\n")


def analyze_line(analyzer, raw: bytes, number: int, jsonl: bool, with_tokens: bool = False) -> dict:
    """The result object for one input line, or ``{"line": N, "error": ...}``."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return {"line": number, "error": f"不是有效的 UTF-8（第 {exc.start + 1} 字节）"}
    truncated = len(raw) > MAX_LINE_BYTES
    if truncated:
        line = raw[:MAX_LINE_BYTES].decode("utf-8", errors="ignore")
    if not line.strip():
        return {"line": number, "error": "空行"}
    try:
        kwargs = _metadata(line) if jsonl else {"text": line}
    except ValueError as exc:
        return {"line": number, "error": str(exc)}
    result = {"line": number, **analyzer.analyze(**kwargs).to_dict(with_tokens=with_tokens)}
    if truncated:
        result["truncated"] = True
    return result


def _metadata(line: str) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"不是有效的 JSON（{exc.msg}）") from exc
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise ValueError("缺少字符串字段 text")
    kwargs: dict = {"text": row["text"], "title": str(row.get("title") or "")}
    if row.get("region"):
        kwargs["region_hint"] = str(row["region"])
    for name in _METADATA_INT_FIELDS:
        value = row.get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} 必须是非负数")
            kwargs[name] = int(value)
    kwargs["is_media"] = bool(row.get("is_media", False))
    return kwargs


def run_train(args: argparse.Namespace, context: object) -> int:
    from nlp.data import DataError, is_held_out, read_labeled
    from nlp.train import held_out_scores
    from nlp.training import make_example, train_model

    if not 0 <= args.held_out < 100:
        raise UserError("--held-out 必须在 0 到 99 之间")
    examples, held_out = [], []
    for path in args.data:
        try:
            rows = read_labeled(path)
        except DataError as exc:
            raise UserError(str(exc)) from exc
        for row in rows:
            if args.held_out and is_held_out(row.text, args.held_out):
                held_out.append((row.text, row.positive))
            else:
                examples.append(make_example(row.text, row.positive, domain=row.domain))
    try:
        model = train_model(examples, {"trained_on": [Path(p).name for p in args.data]})
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    model.save(args.out)
    print(f"训练样本 {len(examples)} 条，模型已写入 {args.out}")
    if held_out:
        scores = held_out_scores(model, held_out)
        print(f"留出集 {len(held_out)} 条：准确率 {scores['accuracy']:.3f}，宏 F1 {scores['macro_f1']:.3f}")
    return 0
