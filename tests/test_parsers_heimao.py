from datetime import datetime

import pytest

from crawler.parsers import ParseError
from crawler.sites.heimao.parser import PARSERS
from tests.fixtures.sites import NOW, SHANGHAI, fixture, run_parser

SEARCH_URL = "https://tousu.sina.com.cn/api/index/s?keywords=%E9%9D%92%E7%A6%BE&page_size=10&page=1"
DETAIL_URL = "https://tousu.sina.com.cn/complaint/view/17390000001/"


def test_search_lists_complaints_with_company_appeal_status_and_counts():
    first, second = run_parser("heimao", "heimao/search.json", SEARCH_URL)
    assert first.external_id == "17390000001"
    assert first.url == DETAIL_URL
    assert first.title == "青禾空气炸锅使用一周冒烟，商家拒绝退款"  # highlight <span> stripped
    assert "<span" not in first.text and first.text.startswith("11月14日")
    assert first.author == "黑猫用户Q7"
    assert first.extra["company"] == "青禾电器官方旗舰店"
    assert first.extra["appeal"] == "退款,赔偿"
    assert first.extra["issue"] == "产品质量问题,拒绝退款"
    assert (first.extra["status_code"], first.extra["status"]) == (4, "处理中")
    assert (second.extra["status_code"], second.extra["status"]) == (7, "已完成")
    assert (first.likes, first.reposts, first.comments) == (37, 5, 12)


def test_string_and_integer_timestamps_are_unix_seconds_in_shanghai():
    first, second = run_parser("heimao", "heimao/search.json", SEARCH_URL)
    assert first.published_at == datetime(2026, 11, 22, 10, 30, tzinfo=SHANGHAI)
    assert second.published_at == datetime(2026, 11, 1, 20, 26, 40, tzinfo=SHANGHAI)


def test_company_pages_use_the_complaints_list():
    [complaint] = run_parser(
        "heimao", "heimao/company.json", "https://tousu.sina.com.cn/api/company/received_complaints"
    )
    assert complaint.extra["status"] == "待分配"
    assert complaint.extra["company"] == "星澜汽车"


def test_jsonp_wrapped_answers_are_unwrapped():
    [complaint] = run_parser("heimao", "heimao/jsonp.js", SEARCH_URL + "&callback=jQuery1124_1763800000")
    assert complaint.extra["status"] == "已回复"


def test_past_the_last_page_is_empty_and_login_required_is_an_error():
    assert run_parser("heimao", "heimao/page_does_not_exist.json", SEARCH_URL) == []
    with pytest.raises(ParseError, match="10017"):
        run_parser("heimao", "heimao/login_required.json", SEARCH_URL)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"result": {"data": {}}}', "missing result.status"),
        (b'{"result": {"status": {"code": 0}, "data": {"pager": {}}}}', "neither lists nor complaints"),
        (b'{"result": {"status": {"code": 0}, "data": {"lists": [', "truncated JSON"),
        (b"", "empty body"),
    ],
)
def test_broken_envelopes_raise_parse_errors(body, message):
    with pytest.raises(ParseError, match=message):
        PARSERS["heimao"](body, SEARCH_URL, now=NOW, tz=SHANGHAI)


def test_detail_page_reads_the_question_list_and_timeline():
    [complaint] = run_parser("heimao-detail", "heimao/detail.html", DETAIL_URL)
    assert complaint.external_id == "17390000001"
    assert complaint.title == "青禾空气炸锅使用一周冒烟，商家拒绝退款"
    assert complaint.published_at == datetime(2026, 11, 22, 10, 30, tzinfo=SHANGHAI)
    assert complaint.extra["company"] == "青禾电器官方旗舰店"
    assert complaint.extra["status"] == "处理中"
    assert complaint.extra["cost"] == "399元"
    assert complaint.text.endswith("客服以“已过七天无理由”为由拒绝。")
    assert complaint.extra["timeline"][1] == {"at": "2026-11-22T16:02:45+08:00", "text": "投诉已分配给商家"}


def test_deleted_complaint_has_no_items_and_other_pages_are_errors():
    assert run_parser("heimao-detail", "heimao/detail_deleted.html", DETAIL_URL) == []
    with pytest.raises(ParseError, match="not a complaint page"):
        PARSERS["heimao-detail"](fixture("tieba/thread.html"), DETAIL_URL, now=NOW, tz=SHANGHAI)
