from datetime import datetime

import pytest

from crawler.parsers import ParseError
from crawler.sites.zhihu.parser import PARSERS
from tests.fixtures.sites import NOW, SHANGHAI, run_parser

URL = "https://www.zhihu.com/api/v4/search_v3?t=general&q=%E9%9D%92%E7%A6%BE&offset=0&limit=20"


def test_only_answers_articles_and_videos_are_kept():
    results = run_parser("zhihu", "zhihu/search_v3.json", URL)
    assert [r.external_id for r in results] == [
        "answer-3100000001",
        "article-1700000002",
        "zvideo-1500000003",
    ]


def test_answer_and_article_urls_titles_and_counts():
    answer, article, video = run_parser("zhihu", "zhihu/search_v3.json", URL)
    assert answer.url == "https://www.zhihu.com/question/620000001/answer/3100000001"
    assert article.url == "https://zhuanlan.zhihu.com/p/1700000002"
    assert video.url == "https://www.zhihu.com/zvideo/1500000003"
    assert answer.title == "青禾空气炸锅值得买吗？"  # <em> highlight stripped
    assert answer.text == "用了半年，说说青禾空气炸锅的真实体验。\n优点是升温快；缺点是涂层容易刮花。"
    assert (answer.likes, answer.comments) == (1520, 88)
    assert answer.author == "厨电测评君"
    assert answer.extra["author_headline"] == "家电测评博主"


def test_created_time_as_number_or_string_is_unix_seconds():
    answer, article, _ = run_parser("zhihu", "zhihu/search_v3.json", URL)
    assert answer.published_at == datetime(2026, 11, 20, 17, 13, 20, tzinfo=SHANGHAI)
    assert article.published_at == datetime(2026, 11, 19, 5, 6, 40, tzinfo=SHANGHAI)


def test_unusual_traffic_error_is_a_parse_error_with_its_code():
    with pytest.raises(ParseError, match="40352"):
        run_parser("zhihu", "zhihu/need_login.json", URL)


@pytest.mark.parametrize(
    ("body", "message"), [(b'{"paging": {}}', "missing the data list"), (b'{"data": [', "JSON")]
)
def test_malformed_answers_are_parse_errors(body, message):
    with pytest.raises(ParseError, match=message):
        PARSERS["zhihu"](body, URL, now=NOW, tz=SHANGHAI)


def test_answer_without_question_is_skipped():
    body = b'{"data": [{"type": "search_result", "object": {"id": "9", "type": "answer"}}]}'
    assert PARSERS["zhihu"](body, URL, now=NOW, tz=SHANGHAI) == []
