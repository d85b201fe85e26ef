from datetime import datetime, timedelta

import pytest

from crawler.parsers import ParseError
from tests.fixtures.sites import NOW, SHANGHAI, fixture, run_parser

SEARCH_URL = (
    "https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D1%26q%3D%E9%9D%92%E7%A6%BE&page=1"
)


def search(path: str = "weibo/search_page1.json"):
    return run_parser("weibo-search", path, SEARCH_URL)


def test_search_reads_posts_from_both_plain_and_grouped_cards():
    ids = [m.external_id for m in search()]
    assert ids == ["5201314000000001", "5201314000000002", "5201314000000003"]


def test_search_post_fields_dates_regions_and_links():
    first = search()[0]
    assert first.url == "https://m.weibo.cn/detail/5201314000000001"
    assert first.published_at == datetime(2026, 11, 21, 20, 15, 7, tzinfo=SHANGHAI)
    assert first.region == "北京"
    assert first.author == "厨房里的小周"
    assert first.extra["is_long_text"] is True
    assert first.extra["bid"] == "Pq3xYz1Ab"


def test_search_text_is_stripped_of_html_keeps_emoticons_and_drops_the_full_text_link():
    text = search()[0].text
    assert "<" not in text and "全文" not in text
    assert "#青禾空气炸锅#用了三天就冒烟了[怒]" in text
    assert "\n客服一直说在处理，@青禾官方旗舰店" in text


def test_follower_and_engagement_counts_accept_strings_with_chinese_units():
    first, second, third = search()
    assert first.author_followers == 71_648_000  # "7164.8万"
    assert first.reposts == 1_000_000  # "100万+"
    assert (first.comments, first.likes) == (2381, 15022)
    assert second.author_followers == 36201
    assert second.comments == 12_000  # "1.2万"
    assert third.author_followers == 362_000  # "36.2万"


def test_verified_media_accounts_are_flagged():
    first, second, third = search()
    assert (first.author_verified, first.is_media) == (True, False)
    assert (second.author_verified, second.is_media) == (True, True)
    assert (third.author_verified, third.is_media) == (False, False)


def test_relative_created_at_is_counted_back_from_now():
    assert search()[2].published_at == NOW - timedelta(minutes=5)


def test_retweeted_original_is_kept_in_extra():
    retweeted = search()[1].extra["retweeted"]
    assert retweeted == {
        "id": "5201314000000009",
        "author": "阿杰爱下厨",
        "text": "青禾空气炸锅 第二次出问题了",
    }


def test_nothing_found_is_an_empty_page_not_an_error():
    assert search("weibo/search_empty.json") == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("weibo/search_truncated.json", "truncated JSON"),
        ("weibo/search_captcha.html", "expected JSON, got HTML"),
        ("weibo/search_login_required.json", "ok=-100"),
    ],
)
def test_malformed_or_refused_search_pages_raise_a_clear_parse_error(path, message):
    with pytest.raises(ParseError, match=message):
        search(path)


def test_search_without_data_envelope_is_a_parse_error():
    from crawler.sites.weibo.parser import PARSERS

    with pytest.raises(ParseError, match="missing data"):
        PARSERS["weibo-search"](b'{"ok": 1}', SEARCH_URL, now=NOW, tz=SHANGHAI)
    with pytest.raises(ParseError, match="envelope"):
        PARSERS["weibo-search"](b"[1, 2]", SEARCH_URL, now=NOW, tz=SHANGHAI)


def test_cards_missing_fields_are_best_effort_not_a_crash():
    from crawler.sites.weibo.parser import PARSERS

    body = (
        b'{"ok":1,"data":{"cards":[{"card_type":9,"mblog":{"id":"1","user":null,"reposts_count":"x"}},'
        b'{"card_type":9,"mblog":{"text":"no id"}},{"card_type":11,"card_group":"oops"},"junk"]}}'
    )
    [only] = PARSERS["weibo-search"](body, SEARCH_URL, now=NOW, tz=SHANGHAI)
    assert (only.external_id, only.text, only.reposts, only.published_at, only.author) == (
        "1",
        "",
        None,
        None,
        None,
    )


def test_detail_page_gives_the_full_long_text_under_the_same_id():
    [post] = run_parser(
        "weibo-detail", "weibo/detail_long_text.html", "https://m.weibo.cn/detail/5201314000000001"
    )
    assert post.external_id == search()[0].external_id
    assert post.text.endswith("我已经准备去找消协了。\n这个价格买到这样的质量，真的很失望。")
    assert post.extra["long_text_fetched"] is True
    assert post.reposts == 1000212
    assert post.region == "北京"


def test_detail_page_without_render_data_or_with_broken_script_is_a_parse_error():
    from crawler.sites.weibo.parser import PARSERS

    with pytest.raises(ParseError, match="no \\$render_data"):
        PARSERS["weibo-detail"](
            fixture("weibo/search_captcha.html"), "https://m.weibo.cn/detail/1", now=NOW, tz=SHANGHAI
        )
    broken = b'<script>var $render_data = [{"status": {"id": "1", "text": "cut</script>'
    with pytest.raises(ParseError, match="not valid JSON"):
        PARSERS["weibo-detail"](broken, "https://m.weibo.cn/detail/1", now=NOW, tz=SHANGHAI)
