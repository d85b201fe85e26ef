from datetime import datetime

import pytest

from crawler.parsers import ParseError
from crawler.sites.discuz.parser import PARSERS
from tests.fixtures.sites import NOW, SHANGHAI, fixture, run_parser

LIST_URL = "https://bbs.example.cn/forum.php?mod=forumdisplay&fid=36"
THREAD_URL = "https://bbs.example.cn/forum.php?mod=viewthread&tid=4321"


def test_gbk_forum_page_yields_threads_and_skips_stickied_ones():
    assert b"charset=gbk" in fixture("discuz/forumdisplay.html")
    threads = run_parser("discuz-list", "discuz/forumdisplay.html", LIST_URL)
    assert [t.external_id for t in threads] == ["t4321", "t4318"]
    first = threads[0]
    assert first.title == "青禾破壁机噪音测试，附分贝数据"
    assert first.url == "https://bbs.example.cn/forum.php?mod=viewthread&tid=4321&extra=page%3D1"
    assert first.author == "厨房小白"
    assert (first.comments, first.extra["views"]) == (28, 1533)
    assert first.extra["forum"] == "厨电讨论"


def test_relative_dates_prefer_the_title_attribute_with_the_shown_time():
    recent, older = run_parser("discuz-list", "discuz/forumdisplay.html", LIST_URL)
    assert recent.published_at == datetime(
        2026, 11, 22, 18, 7, tzinfo=SHANGHAI
    )  # title="2026-11-22" + 昨天 18:07
    assert recent.extra["last_reply_at"] == "2026-11-23T09:31:00+08:00"  # title beats 半小时前
    assert older.published_at == datetime(2026, 11, 3, tzinfo=SHANGHAI)  # unpadded 2026-11-3


def test_thread_posts_drop_quotes_edit_notes_and_anti_copy_noise():
    first, reply = run_parser("discuz-thread", "discuz/viewthread.html", THREAD_URL)
    assert (
        first.text
        == "用分贝仪测了青禾破壁机：\n低速 72 分贝，高速 86 分贝，比宣传的高不少。\n夜里打豆浆基本不可能。"
    )
    assert reply.text == "同感，我家那台也吵，不过打得确实细。"


def test_thread_first_floor_is_the_list_entry_and_replies_are_posts():
    first, reply = run_parser("discuz-thread", "discuz/viewthread.html", THREAD_URL)
    assert (first.external_id, reply.external_id) == ("t4321", "p98002")
    assert first.title == "青禾破壁机噪音测试，附分贝数据"
    assert reply.title == "回复：青禾破壁机噪音测试，附分贝数据"
    assert (first.extra["floor"], reply.extra["floor"]) == (1, 2)
    assert (first.author, reply.author) == ("厨房小白", "老王")
    assert reply.url == "https://bbs.example.cn/forum.php?mod=redirect&goto=findpost&ptid=4321&pid=98002"


def test_post_dates_from_title_attribute_and_from_posted_on_text():
    first, reply = run_parser("discuz-thread", "discuz/viewthread.html", THREAD_URL)
    assert first.published_at == datetime(2026, 11, 22, 18, 7, 12, tzinfo=SHANGHAI)
    assert reply.published_at == datetime(2026, 11, 23, 9, 31, tzinfo=SHANGHAI)


@pytest.mark.parametrize("name", ["discuz-list", "discuz-thread"])
def test_permission_page_is_a_parse_error(name):
    with pytest.raises(ParseError, match="not a"):
        PARSERS[name](fixture("discuz/no_permission.html"), LIST_URL, now=NOW, tz=SHANGHAI)


def test_page_declared_gbk_but_sent_as_utf8_still_reads_correctly():
    threads = run_parser("discuz-list", "discuz/forumdisplay.utf8.html", LIST_URL)
    assert threads[0].title == "青禾破壁机噪音测试，附分贝数据"


def test_truncated_thread_page_keeps_the_posts_it_has():
    body = fixture("discuz/viewthread.html")
    cut = body[: body.index(b"post_98002") + 200]
    posts = PARSERS["discuz-thread"](cut, THREAD_URL, now=NOW, tz=SHANGHAI)
    assert posts[0].external_id == "t4321"
