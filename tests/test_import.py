"""``yuqing import``: every good line stored, every bad line reported by number, nothing lost, reruns change nothing.

The cases are the ones a real import met: values the database refuses (a count past BIGINT, a NUL byte, a region
longer than its column, ``"yes"`` for a boolean, an integer id), lines no column can take (a title that is a list),
names settings would refuse, and a database that refuses everything (read-only).
"""

from __future__ import annotations

import json
import os
import re

import pytest
from sqlalchemy import select, text

from storage.db import Database
from storage.models import DeadLetter, Mention
from tests.conftest import run_cli

SOURCE = '\n[[sources]]\nname = "tieba-qinghe"\nkind = "forum"\nspider = "tieba"\nforums = ["青禾"]\n'


def line(n: int, **fields) -> dict:
    base = {"external_id": f"p{n}", "url": f"https://tieba.baidu.com/p/{n}", "title": f"青禾电饭煲第{n}个问题",
            "text": f"青禾电饭煲用了{n}个月内胆涂层脱落，客服推诿", "published_at": "2026-11-20T09:30:00+08:00",
            "source": "tieba-qinghe", "source_kind": "forum"}
    base.update(fields)
    return base


# Point 4 of the issue: each of these used to be lost at the store step. They must all be stored now.
STORABLE = [
    line(1),
    line(2, external_id=4_300_000_002),
    line(3, author_verified="yes"),
    line(4, likes=10**30, reposts=-5),
    line(5, region="内蒙古自治区呼和浩特市赛罕区大学西街某某小区"),
    line(6, text="青禾电饭煲\u0000冒烟\u0007了\u001b[31m红字\u202e反转"),
    line(7, title="青禾\u202e电饭煲", author="网友\u0000甲"),
    # Half an emoji, as a post cut short inside a JSON \ud83d escape carries it: no database can store it raw.
    line(8, text="青禾电饭煲\ud83d冒烟了"),
]
# Lines no column can take, and lines settings would refuse: each reported by its number.
BAD = [
    (line(20, title=12345), "'title' must be text, got int"),
    (line(21, title=["青禾", "电饭煲"]), "'title' must be text, got list"),
    (line(22, source="evil<script>"), "source 'evil<script>'"),
    (line(23, source="../../etc/x"), "source '../../etc/x'"),
    (line(24, source_kind="social"), "contradicts source 'tieba-qinghe', which is 'forum'"),
    (line(25, colour="red"), "unknown field 'colour'"),
    (line(26, published_at="yesterday"), "is not an ISO 8601 date"),
    (line(27, likes="很多"), "likes: expected a count"),
    (line(28, author_verified="maybe"), "author_verified: expected true or false"),
]


def _json(data: dict) -> str:
    """One import line: Chinese as UTF-8, as exports write it; a lone surrogate only fits as its escape."""
    try:
        return json.dumps(data, ensure_ascii=False).encode("utf-8").decode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data)


def _write_import(tmp_path) -> tuple:
    """A file of good and bad lines mixed; returns it, {line number: expected reason} and the good lines' ids."""
    rows, expected, good = [], {}, []
    storable = iter(STORABLE)
    for data, reason in BAD:
        good.append(next(storable, line(90 + len(rows))))
        rows.append(_json(good[-1]))
        rows.append(_json(data))
        expected[len(rows)] = reason
    rows.append("{broken")
    expected[len(rows)] = "not valid JSON"
    path = tmp_path / "mentions.jsonl"
    path.write_bytes(("\n".join(rows) + "\n").encode("utf-8") + b"\xff\xfe not utf-8\n")
    expected[len(rows) + 1] = "not UTF-8 text"
    return path, expected, sorted(str(d["external_id"]) for d in good)


def _table(url: str) -> list[tuple]:
    database = Database(url)
    with database.session() as session:
        rows = session.execute(select(Mention).order_by(Mention.external_id)).scalars().all()
        dump = [(r.external_id, r.title, r.text, r.author, r.region, r.author_verified, r.reposts, r.likes,
                 r.fetched_at, r.extra.get("coerced")) for r in rows]
    database.dispose()
    return dump


def _summary(stdout: str) -> dict[str, int]:
    read = int(re.search(r"读取 (\d+) 行", stdout).group(1))
    names = r"(新增|更新|未变|未匹配品牌|丢弃（无内容）|坏行|入库失败)"
    counts = {name: int(n) for name, n in re.findall(names + r" (\d+)", stdout)}
    return {"read": read, **counts}


def test_import_of_good_and_bad_lines_stores_every_good_one_and_names_every_bad_one(
    database_url, write_settings, tmp_path
):
    settings = write_settings(SOURCE, url=database_url)
    path, expected, good_ids = _write_import(tmp_path)
    good = len(good_ids)
    done = run_cli("--settings", str(settings), "import", str(path))
    assert done.returncode == 1, done.stdout + done.stderr
    reported = {int(m.group(1)): m.group(2) for m in re.finditer(rf"{re.escape(str(path))}:(\d+): (.*)", done.stderr)}
    assert sorted(reported) == sorted(expected), done.stderr
    for number, reason in expected.items():
        assert reason in reported[number], (number, reported[number])
    summary = _summary(done.stdout)
    assert summary["read"] == good + len(expected) == sum(v for k, v in summary.items() if k != "read")
    assert summary["新增"] == good and summary["坏行"] == len(expected) and summary["入库失败"] == 0

    stored = {row[0]: row for row in _table(database_url)}
    assert sorted(stored) == good_ids
    assert stored["4300000002"][1] == "青禾电饭煲第2个问题"
    assert stored["p3"][5] is True
    assert stored["p4"][7] == 2**63 - 1 and stored["p4"][6] == 0 and "likes" in " ".join(stored["p4"][9])
    assert len(stored["p5"][4]) <= 20 and "region: cut from 22 to 20" in " ".join(stored["p5"][9])
    assert stored["p6"][2] == "青禾电饭煲冒烟了[31m红字反转"
    assert stored["p7"][1] == "青禾电饭煲" and stored["p7"][3] == "网友甲"
    assert stored["p8"][2] == "青禾电饭煲\ufffd冒烟了"

    again = run_cli("--settings", str(settings), "import", str(path))
    assert again.returncode == 1
    summary = _summary(again.stdout)
    assert summary["新增"] == 0 and summary["未变"] == good, again.stdout
    assert _table(database_url) == list(stored.values())


def _read_only_postgres(url: str, on: bool) -> None:
    from sqlalchemy import create_engine, make_url

    name = make_url(url).database
    server = os.environ["YUQING_TEST_POSTGRES_URL"]  # the server's own database: the test one is read-only now
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}'))
    admin.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_database_refusing_every_write_loses_nothing_and_retry_failed_stores_it_later(
    backend, write_settings, tmp_path, monkeypatch, request
):
    from crawler.ingest import import_file, retry_failed
    from yuqing.config import load_settings

    monkeypatch.chdir(tmp_path)
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else f"sqlite:///{tmp_path}/yuqing.db"
    settings = load_settings(write_settings(SOURCE, url=url))
    database = Database(url)
    database.upgrade()
    database.dispose()
    path = tmp_path / "good.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in STORABLE[:4]), encoding="utf-8")

    if backend == "postgresql":
        _read_only_postgres(url, True)
        readonly = Database(url)
    else:  # opened read-only, as from a read-only mount (root ignores file modes, so chmod proves nothing)
        readonly = Database(f"sqlite:///file:{tmp_path}/yuqing.db?mode=ro&uri=true")
    report = import_file(settings, readonly, path)
    readonly.dispose()
    assert report.outcomes["failed"] == 4 and report.failed and report.adds_up()
    assert all("database refused the batch" in error for error in report.errors) and len(report.errors) == 4
    assert {error.split(": ")[0] for error in report.errors} == {f"{path}:{n}" for n in range(1, 5)}
    if backend == "postgresql":
        _read_only_postgres(url, False)

    writable = Database(url)
    report = retry_failed(settings, writable)
    assert report.outcomes["new"] == 4 and not report.failed and report.adds_up(), report
    with writable.session() as session:
        assert len(session.scalars(select(Mention)).all()) == 4
    again = retry_failed(settings, writable)
    assert again.lines == 0
    writable.dispose()


def test_a_dead_letter_in_the_table_is_shown_by_sources_and_status_and_replayed(sqlite_database, write_settings):
    from datetime import UTC, datetime

    settings = write_settings(SOURCE, url=sqlite_database.url)
    with sqlite_database.session() as session:
        session.add(DeadLetter(source="tieba-qinghe", reason="OperationalError: database is locked",
                               item=line(40), origin="crawl", created_at=datetime.now(UTC), attempts=1))
    listed = run_cli("--settings", str(settings), "sources", env={"COLUMNS": "200"})
    assert listed.returncode == 0 and re.search(r"tieba-qinghe.*│\s*1\s*│", listed.stdout), listed.stdout
    status = run_cli("--settings", str(settings), "status")
    assert "入库失败：1 条" in status.stdout, status.stdout
    retried = run_cli("--settings", str(settings), "import", "--retry-failed")
    assert retried.returncode == 0 and "新增 1" in retried.stdout, retried.stdout + retried.stderr
    with sqlite_database.session() as session:
        assert session.scalar(select(DeadLetter)) is None
        assert session.scalar(select(Mention.external_id)) == "p40"


def test_an_item_no_column_can_take_from_a_crawl_becomes_a_dead_letter_not_a_silent_drop(
    sqlite_database, write_settings
):
    from crawler.items import MentionItem
    from crawler.pipelines import run_pipeline
    from yuqing.config import load_settings

    settings = load_settings(write_settings(SOURCE, url=sqlite_database.url))
    broken = MentionItem(external_id="x1", url="https://tieba.baidu.com/p/1", title=["青禾"], text="青禾电饭煲坏了",
                         source="tieba-qinghe", source_kind="forum")
    report = run_pipeline(settings, sqlite_database, [broken], replay=False)
    assert report.outcomes["failed"] == 1 and "title: expected text" in report.failures[0][1]
    with sqlite_database.session() as session:
        letter = session.scalar(select(DeadLetter))
    assert letter.source == "tieba-qinghe" and "title" in letter.reason and letter.item["title"] == ["青禾"]


def test_a_post_another_crawler_stored_a_moment_ago_is_updated_not_lost(database, write_settings, monkeypatch):
    from crawler.items import MentionItem
    from crawler.pipelines import run_pipeline
    from storage import repo
    from yuqing.config import load_settings

    settings = load_settings(write_settings(SOURCE, url=database.url))
    first = MentionItem(external_id="p1", url="https://tieba.baidu.com/p/1", title="青禾电饭煲",
                        text="青禾电饭煲内胆脱落", likes=1, source="tieba-qinghe", source_kind="forum")
    assert run_pipeline(settings, database, [first]).outcomes["new"] == 1
    real_find, calls = repo._find, []

    def not_yet_visible(*args):  # the other crawler's row is committed after our lookup
        calls.append(args)
        return None if len(calls) == 1 else real_find(*args)

    monkeypatch.setattr(repo, "_find", not_yet_visible)
    again = MentionItem(external_id="p1", url="https://tieba.baidu.com/p/1", title="青禾电饭煲",
                        text="青禾电饭煲内胆脱落", likes=7, source="tieba-qinghe", source_kind="forum")
    report = run_pipeline(settings, database, [again], replay=False)
    assert report.outcomes["updated"] == 1 and not report.failures and len(calls) == 2
    with database.session() as session:
        assert session.scalar(select(Mention.likes)) == 7
        assert session.scalar(select(DeadLetter)) is None


def test_three_reviews_on_a_page_without_per_review_links_are_stored_as_three_mentions(database, write_settings):
    from crawler.pipelines import run_pipeline
    from crawler.sites.review.parser import PARSERS
    from tests.fixtures.sites import NOW, SHANGHAI
    from yuqing.config import load_settings

    settings = load_settings(write_settings(
        '\n[[sources]]\nname = "koubei"\nkind = "review"\nspider = "review"\nurls = ["https://k.example.cn/p/1"]\n'
        '[sources.selectors]\nitem = "li.r"\ntext = "p"\n', url=database.url))
    page = ("<ul>" + "".join(f'<li class="r"><p>{text}</p></li>' for text in (
        "青禾空气炸锅炸鸡翅很香，推荐", "青禾空气炸锅冒烟起火，吓坏了，要求退货", "青禾空气炸锅噪音有点大")) + "</ul>")
    items = PARSERS["review"](page.encode(), "https://k.example.cn/p/1", now=NOW, tz=SHANGHAI,
                              selectors=dict(settings.sources[0].selectors))
    for item in items:
        item.source, item.source_kind = "koubei", "review"
    assert {item.url for item in items} == {"https://k.example.cn/p/1"}
    report = run_pipeline(settings, database, items, replay=False)
    assert report.outcomes["new"] == 3
    with database.session() as session:
        texts = sorted(session.scalars(select(Mention.text)))
    assert len(texts) == 3 and "青禾空气炸锅冒烟起火，吓坏了，要求退货" in texts
