"""Hostile input, class "query": what a user types into ``yuqing search``, the search page or ``/api/search``.

Issue 14 items 1 (far-off dates), 2 (deep nesting), 14 (silent caps), 15 (unchecked filters: every filter value,
``brand:`` and ``source:`` against settings and what is stored), 16 (simplified and
traditional), on both backends, and through the command line. Each case asserts what the user sees: one line
naming the problem and a non-zero exit, or the results they asked for.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.config import Config

from search.index import sync
from search.service import MAX_PER_PAGE, SearchRequest, search, vocabulary
from storage.db import MIGRATIONS, Database
from tests.hostile import NOW, mention, store_posts
from yuqing.cli import main
from yuqing.config import load_settings

TZ = ZoneInfo("Asia/Shanghai")

FAR_OFF = {
    "since:9999999999d": "太长",
    "until:9999-12-31": "超出范围",
    "since:1899-12-31": "超出范围",
    "until:9999-12-31T23:59:59+14:00": "超出范围",
    "since:2100-01-02": "超出范围",
    "since:99999999999999999999w": "太长",
}
TOO_DEEP = ["-(" * 50 + "青禾" + ")" * 50, "(" * 40 + "青禾" + ")" * 40, "-(-(-(-(-(-(-(青禾)))))))"]
UNKNOWN_FILTERS = {"grade:不存在": "一般", "category:不存在": "产品质量", "region:火星": "广东"}
# Settings name the brands 青禾 (alias QingHe) and 星澜汽车 and the source tieba; the posts are on bbs (imported).
UNKNOWN_NAMES = {"brand:不存在": "青禾、星澜汽车", "source:nosuch": "tieba", 'brand:"QingHe Pro"': "青禾"}
TIEBA = """
[[sources]]
name = "tieba"
kind = "forum"
spider = "feed"
urls = ["http://127.0.0.1:9/feed.xml"]
"""


@pytest.fixture
def stored(database):
    store_posts(database, extra=3)
    return database


def titles(page) -> list[str]:
    return [hit.mention.title for hit in page.hits]


@pytest.mark.parametrize("query", FAR_OFF)
def test_a_far_off_date_is_a_query_error_on_both_backends(stored, query):
    page = search(stored, SearchRequest(q=f"青禾 {query}"), TZ, NOW)
    assert FAR_OFF[query] in page.message and "\n" not in page.message
    assert not page.hits


def test_the_latest_and_earliest_dates_allowed_still_search(stored):
    assert len(search(stored, SearchRequest(q="青禾 since:1900-01-02 until:2099-12-31"), TZ, NOW).hits) == 7


@pytest.mark.parametrize("query", TOO_DEEP)
def test_nesting_beyond_the_limit_is_a_query_error_not_a_parser_overflow(stored, query):
    page = search(stored, SearchRequest(q=query), TZ, NOW)
    assert page.message.startswith("查询太复杂") and not page.hits


def test_the_deepest_nesting_allowed_runs_on_both_backends(stored):
    """Twelve levels, the limit: SQL must take it (six double negations of 青禾 are 青禾 itself)."""
    deepest = "-(" * 6 + "冒烟" + ")" * 6
    page = search(stored, SearchRequest(q=deepest), TZ, NOW)
    assert page.ok and sorted(titles(page)) == sorted(titles(search(stored, SearchRequest(q="冒烟"), TZ, NOW)))
    assert len(page.hits) == 3
    negated = "-(" * 4 + "-冒烟" + ")" * 4  # five negations: without 冒烟
    assert len(search(stored, SearchRequest(q=f"青禾 {negated}"), TZ, NOW).hits) == 4


@pytest.mark.parametrize("query", UNKNOWN_FILTERS)
def test_an_unknown_grade_category_or_region_is_an_error_like_kind_and_sentiment(stored, query):
    page = search(stored, SearchRequest(q=query), TZ, NOW)
    assert page.message.startswith(f"{query} 无效") and UNKNOWN_FILTERS[query] in page.message


def test_known_filter_values_still_filter(stored):
    assert len(search(stored, SearchRequest(q="grade:一般 category:产品质量"), TZ, NOW).hits) == 7
    assert search(stored, SearchRequest(q="region:广东"), TZ, NOW).hits == []


@pytest.fixture
def names(stored, write_settings):
    return vocabulary(stored, load_settings(write_settings(TIEBA, url=stored.url)))


@pytest.mark.parametrize("query", UNKNOWN_NAMES)
def test_an_unknown_brand_or_source_is_an_error_naming_valid_ones_on_both_backends(stored, names, query):
    page = search(stored, SearchRequest(q=f"青禾 {query}"), TZ, NOW, vocabulary=names)
    assert page.message.startswith(f"{query.replace(chr(34), '')} 无效，可选") and "\n" not in page.message
    assert UNKNOWN_NAMES[query] in page.message and not page.hits


def test_a_brand_by_alias_or_traditional_form_and_a_stored_source_still_filter(stored, names):
    def found(query: str) -> int:
        page = search(stored, SearchRequest(q=query), TZ, NOW, vocabulary=names)
        assert page.ok, page.message
        return len(page.hits)

    assert found("brand:青禾") == found("brand:QingHe") == found("brand:qinghe") == 7
    assert found("brand:星瀾汽車") == 0  # 星澜汽车, written in traditional characters: known, and no posts yet
    assert found("source:bbs") == 7  # imported, not configured: what is stored can be searched
    assert found("source:tieba") == 0  # configured, not crawled yet: no error, nothing found
    assert found("category:產品質量") == 7


def test_a_brand_no_longer_configured_still_finds_its_stored_mentions(stored, names):
    with stored.session() as session:
        from storage.repo import get_or_create_source, upsert_mention

        upsert_mention(session, get_or_create_source(session, "bbs", "forum"),
                       mention("old", 1, brand="旧品牌", title="旧品牌的帖子"))
    page = search(stored, SearchRequest(q="brand:旧品牌"), TZ, NOW, vocabulary=names)
    assert [hit.mention.title for hit in page.hits] == ["旧品牌的帖子"]


def test_a_per_page_beyond_the_cap_is_said_not_silently_cut(stored):
    page = search(stored, SearchRequest(q="青禾", per_page=100_000), TZ, NOW)
    assert page.request.per_page == MAX_PER_PAGE and len(page.hits) == 7
    assert any(f"每页最多 {MAX_PER_PAGE} 条" in note for note in page.notes)
    assert search(stored, SearchRequest(q="青禾", per_page=50), TZ, NOW).notes == ()


def test_simplified_finds_traditional_and_back_showing_the_original(stored):
    for query in ("品质", "品質", "电饭煲 品质", "內膽", "内胆 -还行"):
        found = titles(search(stored, SearchRequest(q=query), TZ, NOW))
        assert "青禾電飯煲品質太差" in found, query
    page = search(stored, SearchRequest(q="品质"), TZ, NOW)
    marked = {str(hit.title_html) for hit in page.hits}
    assert marked == {"青禾電飯煲<mark>品質</mark>太差", "青禾电饭煲<mark>品质</mark>一般"}
    assert search(stored, SearchRequest(q="-品质 电饭煲"), TZ, NOW).hits == []


def test_the_fold_migration_reindexes_mentions_stored_before_it(tmp_path):
    """A database indexed before folding existed: after `db upgrade`, 品质 finds the old 品質 post."""
    db = Database(f"sqlite:///{tmp_path}/old.db")
    db.upgrade()
    store_posts(db)
    sync(db.engine)  # indexed, not waiting in search_pending: the migration must re-index what is in the index
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:  # back to the index of unfolded text, as the code before folding wrote it
        config.attributes["connection"] = connection
        command.downgrade(config, "0013_search_grams_fast")
    assert "青禾電飯煲品質太差" not in titles(search(db, SearchRequest(q="品质"), TZ, NOW))
    db.upgrade()
    assert "青禾電飯煲品質太差" in titles(search(db, SearchRequest(q="品质"), TZ, NOW))
    db.dispose()


# ---- the same through the command line -----------------------------------------------------------------------

@pytest.fixture
def settings_path(write_settings, sqlite_database):
    store_posts(sqlite_database, extra=3)
    return str(write_settings(url=sqlite_database.url))


@pytest.mark.parametrize("query", [*FAR_OFF, TOO_DEEP[0], *UNKNOWN_FILTERS, *UNKNOWN_NAMES])
@pytest.mark.parametrize("output", [[], ["--json"], ["--csv", "out.csv"]])
def test_cli_search_with_a_bad_query_is_one_line_and_exit_1(settings_path, capsys, query, output, tmp_path,
                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--settings", settings_path, "search", *output, "--", query]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("yuqing: search: ") and captured.err.count("\n") == 1
    assert captured.out == "" and not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("count", [["--limit", "-5"], ["--limit", "0"], ["--page", "0"], ["--limit", "abc"]])
@pytest.mark.parametrize("output", [[], ["--json"], ["--csv", "out.csv"]])
def test_cli_search_with_a_count_below_one_is_a_usage_error_exit_2(settings_path, capsys, count, output, tmp_path,
                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["--settings", settings_path, "search", *output, *count, "青禾"])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert f"argument {count[0]}" in captured.err and "Traceback" not in captured.err
    assert captured.out == "" and not (tmp_path / "out.csv").exists()


def test_cli_json_beyond_the_cap_says_so_on_stderr(settings_path, capsys):
    assert main(["--settings", settings_path, "search", "青禾", "--json", "--limit", "100000"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 7
    assert f"每页最多 {MAX_PER_PAGE} 条" in captured.err
    assert all(json.loads(line)["url"] is None or json.loads(line)["url"].startswith("https://")
               for line in captured.out.splitlines())
