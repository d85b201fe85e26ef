from datetime import datetime

import pytest

from crawler.parsers import ParseError
from crawler.sites.dianping.parser import PARSERS, reveal
from tests.fixtures.sites import NOW, SHANGHAI, fixture, run_parser

SHOP_URL = "https://www.dianping.com/shop/k3mz5QpZ"


def test_shop_page_reviews_have_star_ratings_from_the_class():
    first, second = run_parser("dianping", "dianping/shop.html", SHOP_URL)
    assert (first.rating, second.rating) == (2.0, 4.5)
    assert first.external_id == "700000001"
    assert first.url == "https://www.dianping.com/review/700000001"
    assert first.author == "吃货小林"
    assert first.published_at == datetime(2026, 11, 21, 19, 40, tzinfo=SHANGHAI)
    assert first.likes == 3
    assert first.extra["shop"] == "青禾厨电体验店(万象城店)"


def test_obfuscated_characters_are_marked_and_counted_not_dropped():
    first, second = run_parser("dianping", "dianping/shop.html", SHOP_URL)
    assert first.text == "店员□度一般，演示的空气炸锅□烟了，问□不回答。\n价格也□比网上便宜。"
    assert first.extra["obfuscated_chars"] == 4
    assert second.extra["obfuscated_chars"] == 0


def test_full_review_text_is_preferred_over_the_short_one_without_fold_links():
    first, _ = run_parser("dianping", "dianping/shop.html", SHOP_URL)
    assert "......" not in first.text and "收起" not in first.text


def test_review_all_page_reads_scores_and_the_original_time():
    [review] = run_parser("dianping", "dianping/review_all.html", SHOP_URL + "/review_all/p1")
    assert review.external_id == "700000003"
    assert review.rating == 1.0
    assert review.extra["scores"] == {"效果": 1.0, "环境": 3.0, "服务": 1.5}
    assert review.published_at == datetime(2026, 11, 22, 21, 15, tzinfo=SHANGHAI)
    assert review.likes == 5
    assert review.text == "买回去的电饭煲第二天就□不了机，退货还要自己付运费。□"
    assert review.extra["obfuscated_chars"] == 2


def test_reveal_marks_self_closing_tags_and_private_use_characters():
    assert reveal('好<svgmtsi class="x"/>吃\ue123<svgmtsi class="y"></svgmtsi>') == ("好□吃□□", 3)


def test_verification_page_is_a_parse_error():
    with pytest.raises(ParseError, match="no review list"):
        PARSERS["dianping"](fixture("dianping/verify.html"), SHOP_URL, now=NOW, tz=SHANGHAI)
