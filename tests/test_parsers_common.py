"""Decoding, counts and JSON envelopes shared by every parser, and that no parser crashes on garbage."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.parsers import ParseError
from crawler.parsers.common import declared_encoding, decode_body, html_to_text, load_json, to_count
from crawler.sites import parsers
from tests.fixtures.sites import NOW, SHANGHAI, fixture
from tests.fixtures.sites.build_gbk import gbk_pairs

PARSERS = parsers()

REVIEW_SELECTORS = {"item": "li", "title": "h3", "text": "p"}


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'<?xml version="1.0" encoding="gb2312"?><rss/>', "gb18030"),
        (b'<meta charset="GBK">', "gb18030"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=gbk" />', "gb18030"),
        (b"<meta charset='utf-8'>", "utf-8"),
        (b'<meta charset="no-such-codec">', None),
        (b"<html>", None),
    ],
)
def test_declared_encoding_from_xml_declaration_and_meta(head, expected):
    assert declared_encoding(head) == expected


def test_undeclared_bytes_are_told_apart_between_utf8_and_gb18030():
    text = "青禾空气炸锅冒烟"
    assert decode_body(text.encode("utf-8")) == text
    assert decode_body(text.encode("gbk")) == text


def test_page_declaring_utf8_but_sent_in_gbk_still_decodes():
    body = '<meta charset="utf-8"><p>青禾电饭煲</p>'.encode("gbk")
    assert "青禾电饭煲" in decode_body(body)


def test_undecodable_bytes_are_replaced_not_raised():
    assert decode_body(b"\xff\xfe\xfa\x81") is not None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (63357736, 63357736),
        ("7164.8万", 71_648_000),
        ("36.2万", 362_000),
        ("100万+", 1_000_000),
        ("1.2亿", 120_000_000),
        ("1,024", 1024),
        ("3", 3),
        (" 5 ", 5),
        (2.0, 2),
        ("转发", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_counts_with_chinese_units(value, expected):
    assert to_count(value) == expected


def test_html_to_text_keeps_breaks_and_emoticons_and_drops_scripts():
    fragment = '好<br/>用<img alt="[赞]" src="x.png"><script>alert(1)</script>&amp;<!-- c -->便宜'
    assert html_to_text(fragment) == "好\n用[赞]&便宜"


def test_jsonp_and_try_catch_wrapped_jsonp_are_unwrapped():
    assert load_json(b'cb({"a": 1});', "t") == {"a": 1}
    assert load_json(b'try{cb({"a": 1});}catch(e){};', "t") == {"a": 1}


def test_html_where_json_was_expected_names_the_page_title():
    with pytest.raises(ParseError, match="expected JSON, got HTML.*百度安全验证"):
        load_json(fixture("tieba/security_check.html"), "t")


def test_gbk_fixtures_are_built_from_their_utf8_sources():
    pairs = gbk_pairs()
    assert pairs
    for source, target in pairs:
        assert target.read_bytes() == source.read_text(encoding="utf-8").encode("gbk"), (
            f"rebuild {target.name}"
        )


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_a_huge_body_is_handled_without_crashing(name):
    body = b"<html><body>" + b"<p>" + b"x" * (20 * 1024 * 1024) + b"</p></body></html>"
    try:
        PARSERS[name](body, "https://example.cn/", now=NOW, tz=SHANGHAI, selectors=REVIEW_SELECTORS)
    except ParseError:
        pass


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda s: s.encode("utf-8"))))
def test_any_bytes_give_mentions_or_a_parse_error_never_another_exception(name, body):
    try:
        result = PARSERS[name](body, "https://example.cn/x", now=NOW, tz=SHANGHAI, selectors=REVIEW_SELECTORS)
    except ParseError:
        return
    assert isinstance(result, list)


STRUCTURED = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "ok",
                    "data",
                    "cards",
                    "card_type",
                    "card_group",
                    "mblog",
                    "id",
                    "user",
                    "result",
                    "status",
                    "code",
                    "lists",
                    "main",
                    "sn",
                    "object",
                    "type",
                    "question",
                    "error",
                    "followers_count",
                ]
            ),
            children,
            max_size=4,
        ),
    ),
    max_leaves=20,
)


@pytest.mark.parametrize("name", ["weibo-search", "heimao", "zhihu"])
@settings(max_examples=80, deadline=None)
@given(payload=STRUCTURED)
def test_json_parsers_survive_any_shape_of_json(name, payload):
    import json

    try:
        result = PARSERS[name](json.dumps(payload).encode(), "https://example.cn/x", now=NOW, tz=SHANGHAI)
    except ParseError:
        return
    assert isinstance(result, list)
