"""Search finds exactly what a scan of every row finds, on SQLite (FTS5) and a real PostgreSQL (GIN)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, delete, func, insert, select, text, update

from search import index as search_index
from search.service import SearchRequest, iter_matches, parse, search
from storage.models import Mention
from storage.repo import get_or_create_source, upsert_mention
from tests.conftest import require_service

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
# A small alphabet so that words collide inside longer words, as 小米 does inside 小米汽车.
CHARS = "小米汽车青禾电饭煲内胆脱落退款投诉客服售后质量问题好差的了"
LATIN = ("SU7", "su7", "App", "OTA", "5G")


def _text(rng: random.Random, length: int) -> str:
    pieces = []
    while sum(map(len, pieces)) < length:
        roll = rng.random()
        if roll < 0.06:
            pieces.append(rng.choice(LATIN))
        elif roll < 0.12:
            pieces.append(rng.choice("，。！ ?*\"()-"))
        else:
            pieces.append(rng.choice(CHARS))
    return "".join(pieces)


def _corpus(seed: int = 7, size: int = 240) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for number in range(size):
        rows.append({
            "source_kind": "forum", "external_id": f"p{number}", "url": f"https://bbs.example.cn/p{number}",
            "title": _text(rng, rng.randint(0, 12)), "text": _text(rng, rng.randint(5, 60)),
            "published_at": NOW - timedelta(seconds=number * 37 + rng.randint(0, 30)), "fetched_at": NOW,
            "stored_at": NOW, "brand": rng.choice(("青禾", "星澜汽车")), "sentiment": rng.random(),
            "label": rng.choice(("negative", "neutral", "positive")), "grade": "一般", "extra": {},
            "reasons": [],
            "keywords": [], "tokens": "", "is_media": False, "cluster_id": rng.choice((None, 1, 2, 3)),
        })
    return rows


def _contains(row, word: str) -> bool:
    lowered = word.lower()
    return lowered in row.title.lower() or lowered in row.text.lower()


def _store(db, rows: list[dict]) -> None:
    with db.session() as session:
        source = get_or_create_source(session, "bbs", "forum")
        for values in rows[: len(rows) // 2]:
            upsert_mention(session, source, values)
        # The other half as a bulk insert that no ORM event sees: the index must catch every writer.
        session.execute(insert(Mention), [{**v, "source_id": source.id} for v in rows[len(rows) // 2:]])


def _words(rows: list[dict], rng: random.Random) -> list[str]:
    """Substrings of 1-4 characters cut from the corpus, Latin in other cases, and words never present."""
    words = set(CHARS[:10]) | {"su7", "SU7", "app", "OTA", "5g", "电饭煲内胆", "不存在的词", "zz", "!", "*"}
    for row in rng.sample(rows, 60):
        body = row["title"] + row["text"]
        start = rng.randrange(len(body))
        words.add(body[start:start + rng.randint(1, 4)].strip() or "小")
    return sorted(words)


def _matches(db, query_text: str) -> set[int]:
    return {m.id for m in iter_matches(db, parse(query_text, TZ, NOW))}


CAR = {"external_id": "car", "url": "https://x.cn/car", "title": "小米汽车发布会", "text": "新车"}


@pytest.fixture
def corpus(database):
    _store(database, _corpus())
    return database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request, tmp_path_factory):
    """One indexed corpus per backend for the tests that only read it (a PostgreSQL database takes secs)."""
    from storage.db import Database

    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('search')}/shared.db", None
    else:
        server = require_service("YUQING_TEST_POSTGRES_URL", "PostgreSQL")
        name = f"yuqing_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url, drop = f"{server.rpartition('/')[0]}/{name}", (admin, name)
    db = Database(url)
    db.upgrade()
    _store(db, _corpus() + [_corpus(size=1)[0] | CAR])
    search_index.sync(db.engine)
    yield db
    db.dispose()
    if drop:
        admin, name = drop
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _all_rows(db):
    with db.session() as session:
        rows = session.scalars(select(Mention)).all()
        session.expunge_all()
    return rows


def test_every_word_finds_exactly_what_a_scan_finds(shared):
    _every_word_agrees_with_a_scan(shared)


def test_mentions_not_yet_in_the_index_are_found_too(sqlite_database, monkeypatch):
    monkeypatch.setattr(search_index, "sync", lambda *a, **k: 0)
    _store(sqlite_database, _corpus(seed=11, size=120))
    with sqlite_database.engine.connect() as connection:
        assert search_index.pending_count(connection) == 120
    _every_word_agrees_with_a_scan(sqlite_database)


def _every_word_agrees_with_a_scan(corpus) -> None:
    rows = _all_rows(corpus)
    words = _words([{"title": r.title, "text": r.text} for r in rows], random.Random(3))
    for word in (w for w in words if '"' not in w):
        # Quoted, the word is taken as it is even when it holds a space, a parenthesis or OR.
        assert _matches(corpus, f'"{word}"') == {r.id for r in rows if _contains(r, word)}, word
    for word in ("小米", "su7", "OTA", "客服售后"):
        assert _matches(corpus, word) == {r.id for r in rows if _contains(r, word)}, word


def test_two_character_word_is_found_inside_longer_words(shared):
    with shared.session() as session:
        car = session.scalar(select(Mention.id).where(Mention.external_id == "car"))
    assert car in _matches(shared, "小米")
    assert car in _matches(shared, "米汽")
    assert car in _matches(shared, "会")


def test_boolean_queries_agree_with_a_scan(shared):
    rows = _all_rows(shared)
    cases = {
        "小米 汽车": lambda r: _contains(r, "小米") and _contains(r, "汽车"),
        "退款 OR 投诉": lambda r: _contains(r, "退款") or _contains(r, "投诉"),
        "客服 -售后": lambda r: _contains(r, "客服") and not _contains(r, "售后"),
        "(青禾 OR 电饭) -内胆 su7": lambda r: (_contains(r, "青禾") or _contains(r, "电饭"))
        and not _contains(r, "内胆") and _contains(r, "su7"),
        "好 brand:青禾 sentiment:neg": lambda r: _contains(r, "好") and r.brand == "青禾"
        and r.label == "negative",
        "-的": lambda r: not _contains(r, "的"),
        '"小米 "': lambda r: _contains(r, "小米 "),
    }
    for query_text, predicate in cases.items():
        assert _matches(shared, query_text) == {r.id for r in rows if predicate(r)}, query_text


def test_first_pages_are_the_newest_matches_in_order(shared):
    rows = sorted(_all_rows(shared), key=lambda r: (r.published_at, r.id), reverse=True)
    expected = [r.id for r in rows if _contains(r, "米")]
    seen = []
    for number in (1, 2, 3):
        page = search(shared, SearchRequest(q="米", page=number, per_page=10), TZ, NOW)
        seen += [hit.mention.id for hit in page.hits]
        assert page.has_next == (len(expected) > number * 10)
    assert seen == expected[:30]


def test_dedupe_keeps_one_result_per_story(shared):
    page = search(shared, SearchRequest(q="小", dedupe=True, per_page=200), TZ, NOW)
    clusters = [hit.mention.cluster_id for hit in page.hits if hit.mention.cluster_id is not None]
    assert clusters and len(clusters) == len(set(clusters))
    every = _matches(shared, "小")
    unclustered = {m.id for m in iter_matches(shared, parse("小", TZ, NOW)) if m.cluster_id is None}
    assert {h.mention.id for h in page.hits if h.mention.cluster_id is None} == unclustered <= every


def test_relevance_puts_title_matches_first_then_newest(shared):
    page = search(shared, SearchRequest(q="米", sort="relevance", per_page=200), TZ, NOW)
    ranked = [("米" not in hit.mention.title, -hit.mention.published_at.timestamp()) for hit in page.hits]
    assert ranked == sorted(ranked) and ranked[0][0] is False
    assert {h.mention.id for h in page.hits} == _matches(shared, "米")


def test_edits_and_deletes_keep_the_index_in_step(corpus):
    search_index.sync(corpus.engine)
    with corpus.session() as session:
        victim, edited = session.scalars(select(Mention.id).order_by(Mention.id).limit(2)).all()
        session.execute(update(Mention).where(Mention.id == edited)
                        .values(title="独一无二的标题", text="改过的正文"))
        session.execute(delete(Mention).where(Mention.id == victim))
    for synced in (False, True):
        if synced:
            assert search_index.sync(corpus.engine) > 0 or corpus.dialect == "postgresql"
        rows = _all_rows(corpus)
        assert _matches(corpus, "独一无二") == {edited}
        for word in ("小", "米", "的", "好", "退款"):
            assert _matches(corpus, word) == {r.id for r in rows if _contains(r, word)}, (synced, word)


def test_mentions_stored_before_the_migration_are_indexed_by_it(tmp_path):
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.db import MIGRATIONS, Database

    db = Database(f"sqlite:///{tmp_path}/old.db")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Every branch but the search index's applied, so the rows are stored through today's model (a column added
    # to mentions by another branch is there); only the search index comes after them.
    script = ScriptDirectory.from_config(config)
    others = [head for head in script.get_heads()
              if "0003_search" not in {r.revision for r in script.iterate_revisions(head, "base")}]
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        for head in others:
            command.upgrade(config, head)
    _store(db, _corpus(size=50))
    db.upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM search_pending")).scalar() == 0
        indexed = connection.execute(
            text("SELECT count(*) FROM mentions_fts WHERE mentions_fts MATCH '\"小\"*'"))
        assert indexed.scalar() > 0
    rows = _all_rows(db)
    assert _matches(db, "小米") == {r.id for r in rows if _contains(r, "小米")}
    db.dispose()


def test_postgres_search_uses_the_gram_index(postgres_url):
    from search.service import GRAMS_EXPRESSION
    from storage.db import Database

    db = Database(postgres_url)
    db.upgrade()
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(
            f"EXPLAIN SELECT id FROM mentions WHERE {GRAMS_EXPRESSION}"
            " @> yuqing_search_word_grams(yuqing_fold('小米'))")))
        assert "ix_mentions_search_grams" in plan
        count = connection.execute(select(func.count()).select_from(Mention)).scalar()
        assert count == 0
    db.dispose()


@pytest.mark.parametrize("shared", ["postgresql"], indirect=True)
@pytest.mark.parametrize("walk", [True, False], ids=["walk by time", "through the index"])
def test_both_postgres_plans_give_the_pages_a_scan_gives(shared, monkeypatch, walk):
    from search import postgres

    # A walk cut short after a few rows must hand over to the index and still give the same pages.
    monkeypatch.setattr(postgres, "WALK_ROWS", 3)
    monkeypatch.setattr(postgres, "walk_first", lambda *_: walk)
    queries = ("米", "小米", "客服售后", "退款 OR 投诉", "客服 -售后", "好 brand:青禾 sentiment:neg", "su7",
               f"米 since:{(NOW - timedelta(hours=1)).isoformat()}")
    for query_text in queries:
        for sort, dedupe in (("time", False), ("relevance", False), ("time", True)):
            for number in (1, 2):
                request = SearchRequest(q=query_text, sort=sort, dedupe=dedupe, page=number, per_page=7)
                found = search(shared, request, TZ, NOW)
                scanned = search(shared, request, TZ, NOW, use_index=False)
                assert [h.mention.id for h in found.hits] == [h.mention.id for h in scanned.hits], request
                assert found.has_next == scanned.has_next, request


def test_postgres_fold_is_the_python_fold_for_every_traditional_character(postgres_url):
    from search.fold import fold, simplified_pairs
    from storage.db import Database

    db = Database(postgres_url)
    db.upgrade()
    traditional, _ = simplified_pairs()
    # Texts with no traditional character take the function's short way, the others its translation.
    samples = [traditional, traditional[::-1] + " SU7 小米", "品質問題，退款SU7", "没有繁体字的句子 OTA", "",
               "乾隆 顯著 著名"]
    with db.engine.connect() as connection:
        for sample in samples:
            assert connection.execute(select(func.yuqing_fold(sample))).scalar() == fold(sample), sample[:20]
    db.dispose()


def test_a_phrase_with_a_line_break_is_not_found_across_title_and_text(database):
    # PostgreSQL's exact test reads one stored fold of title, a line break and text; a phrase holding the line
    # break would find the seam there, where no title or text holds it.
    with database.session() as session:
        source = get_or_create_source(session, "bbs", "forum")
        upsert_mention(session, source, _corpus(size=1)[0] | {"title": "内胆", "text": "脱落了"})
        upsert_mention(session, source, _corpus(size=1)[0] | {"external_id": "x2", "url": "https://x.cn/2",
                                                               "title": "新闻", "text": "内胆\n脱落了"})
    search_index.sync(database.engine)
    with database.session() as session:
        inside = session.scalar(select(Mention.id).where(Mention.external_id == "x2"))
    assert _matches(database, '"内胆\n脱落"') == {inside}


def test_the_folded_column_migration_keeps_the_mentions_stored_before_it_and_follows_edits(postgres_url):
    from alembic import command
    from alembic.config import Config

    from storage.db import MIGRATIONS, Database

    db = Database(postgres_url)
    db.upgrade()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015_search_fast_fold")
    rows = _corpus(size=40)
    rows[0] |= {"title": "品質問題", "text": "電池鼓包 SU7"}
    _store(db, rows)
    db.upgrade()
    folded = "yuqing_fold(title || chr(10) || text)"
    with db.engine.begin() as connection:
        stale = f"SELECT count(*) FROM mentions WHERE search_body IS DISTINCT FROM {folded}"
        assert connection.execute(text(stale)).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM mentions")).scalar() == 40
        # Search plans from the index's statistics, which a new index has only once the table is analysed.
        statistics = "SELECT count(*) FROM pg_stats WHERE tablename = 'ix_mentions_search_grams'"
        assert connection.execute(text(statistics)).scalar() == 1
        connection.execute(update(Mention).where(Mention.external_id == rows[1]["external_id"])
                           .values(text="後來電池也鼓包了"))
        assert connection.execute(text(stale)).scalar() == 0
    with db.session() as session:
        ids = set(session.scalars(select(Mention.id).where(Mention.external_id.in_(
            [rows[0]["external_id"], rows[1]["external_id"]]))))
    assert _matches(db, "电池鼓包") == {min(ids)} and _matches(db, "电池") >= ids
    assert _matches(db, "品质问题 su7") == {min(ids)}
    db.dispose()
