"""The whole analysis of one mention, and the ``yuqing analyze`` / ``yuqing nlp train`` commands."""

from __future__ import annotations

import io
import json
import sys

import pytest

from nlp.analyze import Analysis, Analyzer
from nlp.category import CATEGORIES
from yuqing.cli import main


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer(brand_words=["蓝鲸汽车"])


def test_crisis_post_from_a_big_account_is_major_with_reasons(analyzer):
    result = analyzer.analyze(
        "刚提的蓝鲸汽车在车库自燃了，已经报警，准备起诉，多名车主在群里维权",
        title="车主曝光",
        region_hint="IP属地:广东",
        followers=1_500_000,
        reposts=3000,
        comments=800,
        likes=9000,
    )
    assert isinstance(result, Analysis)
    assert result.label == "negative" and result.sentiment < 0.35
    assert result.category == "产品质量"
    assert result.grade == "重大"
    assert (
        "安全事件: 自燃" in result.reasons
        and "粉丝 150万" in result.reasons
        and "互动 1.3万" in result.reasons
    )
    assert result.region == "广东"
    assert "蓝鲸汽车" in result.tokens and "蓝鲸汽车" not in result.keywords
    assert "自燃" in result.keywords
    assert -(2**63) <= result.fingerprint < 2**63


def test_praise_is_positive_without_category(analyzer):
    result = analyzer.analyze("客服很耐心，第二天就上门换了新的，非常满意")
    assert result.label == "positive" and result.category is None and result.grade == "一般"


def test_traditional_text_gives_the_same_analysis_as_simplified(analyzer):
    simplified = analyzer.analyze("这家店的服务态度太差了，店员还骂人")
    traditional = analyzer.analyze("這家店的服務態度太差了，店員還罵人")
    assert traditional == simplified
    assert simplified.category == "服务态度"


def test_region_falls_back_to_the_text(analyzer):
    assert analyzer.analyze("在杭州的门店买的，用了两天就坏了").region == "浙江"
    assert analyzer.analyze("用了两天就坏了", region_hint="发布于 北京").region == "北京"


def test_neutral_band_sets_the_label_thresholds(analyzer):
    assert [analyzer.label(p) for p in (0.3, 0.4, 0.6, 0.7)] == ["negative", "neutral", "neutral", "positive"]
    strict = Analyzer(neutral_band=0.0)
    assert [strict.label(p) for p in (0.45, 0.55)] == ["negative", "positive"]
    with pytest.raises(ValueError):
        Analyzer(neutral_band=0.5)


def test_every_serious_grade_on_the_evaluation_set_has_reasons(analyzer):
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "nlp" / "eval" / "complaints.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        result = analyzer.analyze(json.loads(line)["text"], followers=150_000)
        assert result.category in (*CATEGORIES, None)
        if result.grade != "一般":
            assert result.reasons


def run_cli(monkeypatch, capsys, argv: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_analyze_command_survives_bad_lines(monkeypatch, capsys):
    lines = [
        "外卖送了两个小时，饭都凉了".encode(),
        b"",
        "[哈哈][哈哈]".encode(),
        "😡😡".encode(),
        b"\xff\xfe\xfa broken",
        ("差" * 60_000).encode(),
    ]
    status, out, _ = run_cli(monkeypatch, capsys, ["analyze"], b"\n".join(lines) + b"\n")
    assert status == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == 6
    assert results[0]["label"] == "negative" and results[0]["category"] == "交付物流"
    assert set(results[0]) >= {"sentiment", "label", "category", "grade", "reasons", "region", "keywords"}
    assert results[1] == {"line": 2, "error": "空行"}
    assert results[2]["label"] == "positive"
    assert results[3]["label"] == "negative"
    assert results[4]["line"] == 5 and "UTF-8" in results[4]["error"]
    assert results[5]["truncated"] is True and results[5]["label"] == "negative"


def test_analyze_command_reads_json_lines_metadata(monkeypatch, capsys):
    rows = [
        {"text": "充电宝爆炸了，孩子受伤", "region": "IP属地:四川", "followers": 2_000_000, "is_media": True},
        {"title": "no text"},
        {"text": "还行", "likes": -1},
    ]
    stdin = ("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\nnot json\n").encode()
    status, out, _ = run_cli(monkeypatch, capsys, ["analyze", "--jsonl"], stdin)
    results = [json.loads(line) for line in out.splitlines()]
    assert status == 0
    assert (
        results[0]["grade"] == "重大"
        and results[0]["region"] == "四川"
        and "媒体账号" in results[0]["reasons"]
    )
    assert "text" in results[1]["error"]
    assert "likes" in results[2]["error"]
    assert "JSON" in results[3]["error"]


def test_analyze_command_reports_a_missing_model(monkeypatch, capsys, tmp_path):
    status, _, err = run_cli(monkeypatch, capsys, ["analyze", "--model", str(tmp_path / "none.gz")], b"x\n")
    assert status == 1 and "no such model file" in err


def test_train_command_writes_a_model_that_analyze_loads(monkeypatch, capsys, tmp_path):
    good = ["好吃", "很快", "满意", "推荐", "新鲜", "喜欢"]
    bad = ["难吃", "太慢", "失望", "变质", "垃圾", "冷漠"]
    rows = ["label,review"]
    for i in range(80):
        rows.append(f"1,第{i}次点这家{good[i % 6]}，{good[(i + 2) % 6]}")
        rows.append(f"0,第{i}次点这家{bad[i % 6]}，{bad[(i + 3) % 6]}")
    data = tmp_path / "mine.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "mine.gz"
    status, printed, _ = run_cli(
        monkeypatch, capsys, ["nlp", "train", "--data", str(data), "--out", str(out)]
    )
    assert status == 0 and out.exists() and "留出集" in printed
    mine = Analyzer(out)
    assert mine.analyze("新鲜，喜欢").sentiment > 0.7
    assert mine.analyze("变质，失望").sentiment < 0.3


def test_train_command_rejects_a_bad_file(monkeypatch, capsys, tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text("text\nhello\n", encoding="utf-8")
    status, _, err = run_cli(monkeypatch, capsys, ["nlp", "train", "--data", str(data)])
    assert status == 1 and "label" in err
