from datetime import datetime

import pytest

from crawler.parsers import ParseError
from crawler.sites.tieba.parser import PARSERS
from tests.fixtures.sites import NOW, SHANGHAI, fixture, run_parser

LIST_URL = "https://tieba.baidu.com/f?kw=%E9%9D%92%E7%A6%BE&ie=utf-8&pn=0"
THREAD_URL = "https://tieba.baidu.com/p/9300000002"
SEARCH_URL = "https://tieba.baidu.com/f/search/res?isnew=1&qw=%C7%E0%BA%CC&rn=10&pn=1&sm=1&only_thread=0"


def test_forum_list_hidden_in_html_comment_is_read():
    threads = run_parser("tieba-list", "tieba/forum_list.html", LIST_URL)
    assert [t.extra["tid"] for t in threads] == ["9300000001", "9300000002", "9300000003"]
    assert [t.title for t in threads][1] == "青禾空气炸锅用了一周，说说优缺点"
    assert threads[1].url == "https://tieba.baidu.com/p/9300000002"
    assert threads[1].text == "炸薯条很快，就是清洗篮子有点麻烦，噪音比想象中大。"
    assert threads[1].author == "小周不下厨"
    assert threads[1].comments == 37
    assert threads[1].extra["forum"] == "青禾"


def test_forum_list_dates_today_month_day_and_year_month():
    pinned, today, this_year = run_parser("tieba-list", "tieba/forum_list.html", LIST_URL)
    assert today.published_at == datetime(2026, 11, 23, 8, 12, tzinfo=SHANGHAI)
    assert this_year.published_at == datetime(2026, 7, 6, tzinfo=SHANGHAI)
    assert pinned.published_at == datetime(2023, 7, 1, tzinfo=SHANGHAI)
    assert today.extra["last_reply_at"] == "2026-11-23T09:47:00+08:00"


def test_pinned_threads_are_flagged_and_list_entry_id_is_the_first_post():
    pinned, today, _ = run_parser("tieba-list", "tieba/forum_list.html", LIST_URL)
    assert pinned.extra["is_top"] is True and today.extra["is_top"] is False
    assert today.external_id == "151000000101"


def test_thread_posts_have_floors_regions_and_dates_and_skip_ads():
    posts = run_parser("tieba-thread", "tieba/thread.html", THREAD_URL)
    assert [p.external_id for p in posts] == ["151000000101", "151000000102"]
    first, reply = posts
    assert (first.region, reply.region) == ("广东", "四川")
    assert first.published_at == datetime(2026, 11, 23, 8, 12, tzinfo=SHANGHAI)
    assert (first.extra["floor"], reply.extra["floor"]) == (1, 2)
    assert first.text == "炸薯条很快，十五分钟搞定。\n缺点：清洗篮子有点麻烦，噪音比想象中大。"
    assert reply.title == "回复：青禾空气炸锅用了一周，说说优缺点"
    assert reply.url == "https://tieba.baidu.com/p/9300000002?pid=151000000102#151000000102"
    assert all("优惠券" not in p.text for p in posts)


def test_thread_first_floor_and_list_entry_are_the_same_mention():
    listed = run_parser("tieba-list", "tieba/forum_list.html", LIST_URL)[1]
    first_floor = run_parser("tieba-thread", "tieba/thread.html", THREAD_URL)[0]
    assert listed.external_id == first_floor.external_id


def test_gbk_search_page_yields_hits_with_forum_author_and_date():
    body = fixture("tieba/search.html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    hits = run_parser("tieba-search", "tieba/search.html", SEARCH_URL)
    assert [h.external_id for h in hits] == ["151000000102", "151000007701"]
    assert hits[1].title == "求推荐破壁机，青禾的怎么样"
    assert hits[1].extra == {"tid": "9300000077", "forum": "厨房"}
    assert hits[1].author == "小米粥"
    assert hits[1].published_at == datetime(2026, 11, 20, 21, 3, tzinfo=SHANGHAI)
    assert hits[0].url == "https://tieba.baidu.com/p/9300000002?pid=151000000102&cid=0#151000000102"


@pytest.mark.parametrize("name", ["tieba-list", "tieba-thread", "tieba-search"])
def test_security_check_page_is_a_parse_error_not_an_empty_page(name):
    with pytest.raises(ParseError, match="not a"):
        PARSERS[name](fixture("tieba/security_check.html"), LIST_URL, now=NOW, tz=SHANGHAI)


def test_broken_data_field_json_and_truncated_html_are_best_effort():
    html = fixture("tieba/forum_list.html").replace(b"&quot;first_post_id&quot;", b"&quot;first_post_id", 1)
    threads = PARSERS["tieba-list"](html[: len(html) * 2 // 3], LIST_URL, now=NOW, tz=SHANGHAI)
    assert threads[0].external_id == "9300000001"  # data-field unreadable: falls back to the thread id
    assert len(threads) >= 2
