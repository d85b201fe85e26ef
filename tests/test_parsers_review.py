from datetime import datetime

import pytest

from crawler.parsers import ParseError
from crawler.sites.review.parser import check_selectors
from tests.fixtures.sites import SHANGHAI, run_parser

URL = "https://koubei.example.cn/p/qinghe"
SELECTORS = {
    "item": "article.review",
    "title": ".review-title",
    "text": ".review-body",
    "author": ".reviewer",
    "date": "time",
    "link": ".review-title a",
    "rating": ".stars, .score",
    "id": "::attr(data-review-id)",
    "region": ".loc",
}


def test_selectors_drive_every_field():
    first, second = run_parser("review", "review/reviews.html", URL, selectors=SELECTORS)
    assert first.external_id == "r-1001"
    assert first.url == "https://koubei.example.cn/review/1001.html"
    assert first.title == "冒烟了，退货难"
    assert first.text == "用了三天就冒烟，\n客服推来推去。"
    assert (first.author, first.region) == ("李女士", "上海")
    assert first.published_at == datetime(2026, 11, 21, 20, 0, tzinfo=SHANGHAI)  # datetime attribute wins
    assert second.published_at == datetime(2026, 11, 22, 10, 15, tzinfo=SHANGHAI)  # 昨天 10:15
    assert (first.rating, second.rating) == (1.0, 4.5)  # ★☆☆☆☆ and 4.5分


def test_items_without_title_or_text_are_skipped_and_ids_fall_back_to_the_link():
    selectors = {k: v for k, v in SELECTORS.items() if k != "id"}
    items = run_parser("review", "review/reviews.html", URL, selectors=selectors)
    assert [i.external_id for i in items] == ["/review/1001.html", "/review/1002.html"]


@pytest.mark.parametrize(
    ("selectors", "message"),
    [
        (None, "needs selectors"),
        ({"title": "h3"}, "needs selectors"),
        ({"item": "li", "body": "p"}, "unknown selector"),
        ({"item": "li[[["}, "not valid CSS"),
    ],
)
def test_unusable_selectors_are_a_clear_error(selectors, message):
    with pytest.raises(ParseError, match=message):
        check_selectors(selectors)
