"""The query language: what users type parses, literally; only unusable filter values are (clear) errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from search.highlight import highlight, snippet
from search.index import document_grams, term_match
from search.query import And, Filter, Not, Or, QueryError, Term, parse_query
from search.service import SearchRequest, fts_match, search
from storage.repo import get_or_create_source, upsert_mention

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)

HOSTILE = [
    '"', '""', '"""', "'", "*", "**", "NEAR(", "NEAR(小米 投诉, 3)", "OR", "OR OR", "AND", "-", "--",
    "- -", "(", ")", "()", "(()", "())", "((小米)", "小米 OR", "OR 小米", "-(", "NOT 小米", "小米^2",
    "title:小米", "{小米}", "[小米]",
    "'; DROP TABLE mentions; --", "1' OR '1'='1", "小米' OR 1=1 --", "%", "_", "\\", "%_%", "小米%", "\x00",
    "mentions_fts MATCH '*'", '"小米" NEAR/2 "投诉"', "brand:", "brand:\"", "sentiment:bad", "kind:tv",
    "since:yesterday", "until:2026-13-45", "since:-7d", "a" * 600, "小米 " * 60, "😀", "𠮷", "\u200b",
    "<script>", "&lt;", "{{7*7}}", "${jndi:ldap://x}", "brand:青禾 OR", "(brand:青禾", "-brand:青禾",
    "since:7d until:30d",
    "“小米", "小米）", "（小米）", "sentiment：neg", "kind:投诉", "grade:严重 region:广东", "source:\"a b\"",
]


def parse(text: str):
    return parse_query(text, TZ, NOW).node


def test_words_or_exclusion_phrases_and_groups():
    assert parse("小米 汽车") == And((Term("小米"), Term("汽车")))
    assert parse("退款 OR 投诉") == Or((Term("退款"), Term("投诉")))
    assert parse("售后 -客服") == And((Term("售后"), Not(Term("客服"))))
    assert parse('"内胆 脱落"') == Term("内胆 脱落")
    assert parse("(退款 OR 投诉) 内胆") == And((Or((Term("退款"), Term("投诉"))), Term("内胆")))
    assert parse("-(a b)") == Not(And((Term("a"), Term("b"))))


def test_filters_are_checked_and_normalised():
    node = parse("brand:青禾 kind:论坛 sentiment:neg grade:严重 region:广东 since:7d until:2026-11-20")
    assert node == And((Filter("brand", "青禾"), Filter("kind", "forum"), Filter("sentiment", "negative"),
                        Filter("grade", "严重"), Filter("region", "广东"),
                        Filter("since", NOW - timedelta(days=7)),
                        Filter("until", datetime(2026, 11, 21, tzinfo=TZ))))
    assert parse('brand:"星澜 汽车"') == Filter("brand", "星澜 汽车")
    assert parse("since：2026-11-01") == Filter("since", datetime(2026, 11, 1, tzinfo=TZ))
    for bad, message in (("sentiment:bad", "neg"), ("kind:tv", "forum"), ("since:yesterday", "7d"),
                         ("brand:", "brand:青禾")):
        with pytest.raises(QueryError, match=message):
            parse(bad)


def test_what_is_not_syntax_is_text():
    assert parse("NEAR(") == Term("NEAR(")
    assert parse("OR OR") == And((Term("OR"), Term("OR")))
    assert parse('小米 "投诉') == And((Term("小米"), Term("投诉")))
    assert parse("http://example.cn/a") == Term("http://example.cn/a")
    assert parse("foo:bar") == Term("foo:bar")
    assert parse("小米）") == Term("小米）")
    assert parse("") is None and parse("   ") is None


def test_fts_queries_are_built_only_from_quoted_grams():
    assert term_match("小米汽车") == '"小米" AND "米汽" AND "汽车"'
    assert term_match("米") == '"米"*'
    assert term_match('NEAR("x') == '"ne" AND "ea" AND "ar" AND "x"*'
    assert term_match("*") is None
    assert fts_match(parse("售后 -客服")) == '("售后")'
    assert fts_match(parse("小米 OR -客服")) is None
    assert document_grams("小米SU7", "好") == "7 su u7 好 小米 米s"


def test_highlights_escape_crawled_text_before_marking():
    assert highlight("<b>小米</b>&", ["小米"]) == "&lt;b&gt;<mark>小米</mark>&lt;/b&gt;&amp;"
    assert highlight("<mark>x</mark>", ["mark"]) == "&lt;<mark>mark</mark>&gt;x&lt;/<mark>mark</mark>&gt;"
    assert highlight("Su7 su7", ["SU7"]) == "<mark>Su7</mark> <mark>su7</mark>"
    long = "前" * 200 + "小米" + "后" * 200
    assert snippet(long, ["小米"]).count("<mark>小米</mark>") == 1


@pytest.fixture
def stored(database):
    with database.session() as session:
        source = get_or_create_source(session, "bbs", "forum")
        titles = ("小米汽车 OR 投诉", "NEAR(小米", "<script>alert(1)</script>", "100% 真实")
        for number, title in enumerate(titles):
            upsert_mention(session, source, {
                "source_kind": "forum", "external_id": str(number), "url": f"https://x.cn/{number}",
                "title": title,
                "text": "'; DROP TABLE mentions; --", "published_at": NOW - timedelta(hours=number),
                "fetched_at": NOW, "stored_at": NOW, "brand": "青禾", "sentiment": 0.2, "label": "negative",
                "grade": "一般", "extra": {}, "reasons": [], "keywords": [], "tokens": "", "is_media": False})
    return database


def test_hostile_queries_give_results_or_a_message_never_an_exception(stored):
    for text in HOSTILE:
        for sort in ("time", "relevance"):
            page = search(stored, SearchRequest(q=text, sort=sort, dedupe=sort == "relevance"), TZ, NOW)
            assert page.message is None or (page.message and not page.hits), text
            json.dumps([h.mention.title for h in page.hits], ensure_ascii=False)
    assert [h.mention.title for h in search(stored, SearchRequest(q="NEAR("), TZ, NOW).hits] == ["NEAR(小米"]
    assert [h.mention.title for h in search(stored, SearchRequest(q="100%"), TZ, NOW).hits] == ["100% 真实"]
    assert len(search(stored, SearchRequest(q="'; DROP TABLE mentions; --"), TZ, NOW).hits) == 4
    assert search(stored, SearchRequest(q="sentiment:bad"), TZ, NOW).message.startswith("sentiment:bad 无效")
