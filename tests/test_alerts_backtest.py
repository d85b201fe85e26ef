"""`yuqing alerts backtest` on a scripted crisis, and `yuqing import` of mention files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crawler.ingest import read_items
from demo import synthetic
from storage.models import Mention
from tests.conftest import run_cli

QUIET_START = datetime(2026, 11, 1, tzinfo=UTC)
CRISIS_START = QUIET_START + timedelta(days=4, hours=1)  # 09:00 in Beijing on the fifth day


def settings_file(tmp_path, url: str):
    path = tmp_path / "settings.toml"
    path.write_text(
        f'timezone = "Asia/Shanghai"\n[storage]\nurl = "{url}"\n[[brands]]\nname = "青禾"\n', encoding="utf-8"
    )
    return path


def test_backtest_replays_quiet_days_then_general_serious_major_as_the_complaint_spreads(database, tmp_path):
    synthetic.store(database, synthetic.quiet_days("青禾", QUIET_START, 4))
    rows, phases = synthetic.crisis("青禾", CRISIS_START)
    synthetic.store(database, rows)
    path = settings_file(tmp_path, database.url)
    quiet_replayed = QUIET_START + timedelta(days=2)  # the first days only feed the baseline
    done = run_cli(
        "--settings",
        str(path),
        "alerts",
        "backtest",
        "--from",
        quiet_replayed.isoformat(),
        "--to",
        (CRISIS_START + timedelta(hours=6)).isoformat(),
        "--step",
        "10m",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    replayed = [json.loads(line) for line in done.stdout.splitlines()]
    brand_wide = [r for r in replayed if r["scope"] == "全部"]
    assert [(r["event"], r["level"]) for r in brand_wide] == [
        ("firing", "一般"),
        ("escalated", "严重"),
        ("escalated", "重大"),
    ]
    for event, phase in zip(brand_wide, phases, strict=True):
        assert phase.starts <= datetime.fromisoformat(event["at"]) < phase.ends, (event, phase)
        assert event["reasons"]
    assert all(datetime.fromisoformat(r["at"]) >= CRISIS_START for r in replayed)  # quiet days: silence
    assert all(r["muted"] == "inhibited" for r in replayed if r["scope"] != "全部")


def test_backtest_prints_the_figures_and_sends_nothing(sqlite_database, tmp_path):
    rows, _ = synthetic.crisis("青禾", CRISIS_START)
    synthetic.store(sqlite_database, rows)
    path = settings_file(tmp_path, sqlite_database.url)
    done = run_cli(
        "--settings",
        str(path),
        "alerts",
        "backtest",
        "--from",
        "2026-11-05 08:00",
        "--to",
        "2026-11-05 15:00",
        "--step",
        "10m",
    )
    assert done.returncode == 0, done.stderr
    assert "青禾  触发 一般" in done.stdout and "升级 重大" in done.stdout
    assert "(阈值 10)" in done.stdout and "未发送任何邮件" in done.stderr
    with sqlite_database.session() as session:
        from alerts.models import Alert
        from delivery.models import OutboxMessage

        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert session.scalar(select(func.count()).select_from(Alert)) == 0


def test_import_reads_good_lines_and_names_each_bad_one(tmp_path):
    lines = [
        json.dumps(
            {
                "external_id": "1",
                "url": "https://weibo.example.cn/1",
                "title": "",
                "text": "青禾热水壶漏电",
                "published_at": "2026-11-20T09:30:00+08:00",
                "source": "weibo",
                "source_kind": "social",
                "brand": "青禾",
                "reposts": 3,
            },
            ensure_ascii=False,
        ),
        "{not json",
        json.dumps({"url": "https://x.cn/2", "text": "t", "source": "x", "source_kind": "tv"}),
        json.dumps(
            {
                "url": "https://x.cn/3",
                "text": "t",
                "source": "x",
                "source_kind": "news",
                "published_at": "yesterday",
            }
        ),
        json.dumps({"url": "https://x.cn/4", "text": "t", "source": "x", "source_kind": "news", "colour": 1}),
    ]
    path = tmp_path / "mentions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items, errors = read_items(path, UTC)
    assert [item.external_id for item in items] == ["1"] and items[0].reposts == 3
    assert items[0].published_at == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
    assert errors == [
        f"{path}:2: not valid JSON (Expecting property name enclosed in double quotes)",
        f"{path}:3: source_kind 'tv' is not one of social, forum, complaint, review, news",
        f"{path}:4: published_at 'yesterday' is not an ISO 8601 date",
        f"{path}:5: unknown field 'colour'",
    ]


def test_import_command_runs_the_pipeline_and_keeps_going_past_a_bad_line(sqlite_database, tmp_path):
    database = (
        sqlite_database  # the pipeline's storage is tested on both backends elsewhere; NLP start-up is slow
    )
    pytest.importorskip("nlp.analyze")
    good = {
        "external_id": "a1",
        "url": "https://tieba.example.cn/p/1",
        "title": "青禾电饭煲内胆脱落",
        "text": "用了三个月内胆涂层脱落，客服一直推诿，太差了",
        "published_at": "2026-11-20T09:30:00+08:00",
        "author": "网友",
        "source": "tieba-qinghe",
        "source_kind": "forum",
    }
    path = tmp_path / "mentions.jsonl"
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n{broken\n", encoding="utf-8")
    done = run_cli("--settings", str(settings_file(tmp_path, database.url)), "import", str(path))
    assert done.returncode == 1, done.stderr  # the good line is stored; the bad one makes the exit status say so
    assert f"{path}:2: not valid JSON" in done.stderr and "新增 1" in done.stdout
    with database.session() as session:
        row = session.scalar(select(Mention))
        assert row.brand == "青禾" and row.source.name == "tieba-qinghe" and row.source_kind == "forum"
