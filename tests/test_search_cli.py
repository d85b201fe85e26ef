"""``yuqing search``: the same search as the web page, as lines, JSON lines or a CSV file Excel opens."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import Database
from storage.repo import get_or_create_source, upsert_mention
from yuqing.cli import main

NOW = datetime.now(UTC)


@pytest.fixture
def settings_path(write_settings, tmp_path):
    path = write_settings()
    db = Database(f"sqlite:///{tmp_path}/yuqing.db")
    db.upgrade()
    with db.session() as session:
        source = get_or_create_source(session, "tieba", "forum")
        titles = (("小米汽车刹车失灵", "negative"), ("=HYPERLINK(\"http://x\")", "neutral"),
                  ("青禾电饭煲很好用", "positive"), ("小米售后太慢", "negative"))
        for number, (title, label) in enumerate(titles):
            upsert_mention(session, source, {
                "source_kind": "forum", "external_id": str(number), "url": f"https://tieba.example.cn/p/{number}",
                "title": title, "text": "用户反馈：小米", "author": f"网友{number}",
                "published_at": NOW - timedelta(hours=number), "fetched_at": NOW, "stored_at": NOW,
                "brand": "青禾",
                "sentiment": 0.2, "label": label, "grade": "一般", "extra": {}, "reasons": [], "keywords": [],
                "tokens": "", "is_media": False, "cluster_id": 9 if number in (0, 3) else None})
    db.dispose()
    return str(path)


def test_json_lines_carry_highlights_and_fields(settings_path, capsys):
    assert main(["--settings", settings_path, "search", "小米", "sentiment:neg", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["title"] for r in rows] == ["小米汽车刹车失灵", "小米售后太慢"]
    assert rows[0]["highlight"]["title"] == "<mark>小米</mark>汽车刹车失灵"
    assert rows[0]["source"] == "tieba" and rows[0]["label"] == "negative"


def test_pages_and_story_dedupe(settings_path, capsys):
    assert main(["--settings", settings_path, "search", "小米", "--limit", "1", "--page", "2"]) == 0
    captured = capsys.readouterr()
    assert "=HYPERLINK" in captured.out and "--page 3" in captured.err
    assert main(["--settings", settings_path, "search", "小米", "--dedupe", "--json"]) == 0
    titles = [json.loads(line)["title"] for line in capsys.readouterr().out.splitlines()]
    assert "小米售后太慢" not in titles and len(titles) == 3


def test_csv_is_utf8_with_bom_and_defuses_formulas(settings_path, tmp_path, capsys):
    target = tmp_path / "out.csv"
    assert main(["--settings", settings_path, "search", "小米", "--csv", str(target)]) == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["时间", "品牌", "来源"] and len(rows) == 5
    assert "'=HYPERLINK(\"http://x\")" in [row[4] for row in rows]
    assert "已导出 4 条" in capsys.readouterr().err


def test_a_bad_filter_is_one_line_on_stderr(settings_path, capsys):
    assert main(["--settings", settings_path, "search", "since:昨天"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("yuqing: search: 时间 '昨天' 无效") and err.count("\n") == 1
