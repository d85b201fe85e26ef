"""Grades with their reasons, and regions from a site's field or the text."""

from __future__ import annotations

import pytest

from nlp.grade import GradeConfig, WordSignal, format_count, grade
from nlp.region import normalize_region, region_from_text


def test_a_plain_complaint_is_general():
    assert grade("外卖送晚了，汤也洒了", 0.3) == ("一般", [])


def test_safety_word_with_reach_is_major_and_says_why():
    level, reasons = grade("刚买的车在路上自燃了，车主受伤", 0.05, followers=1_200_000)
    assert level == "重大"
    assert "安全事件: 自燃、受伤" in reasons and "粉丝 120万" in reasons and "强烈负面 0.05" in reasons


def test_legal_and_media_words_make_a_complaint_serious():
    level, reasons = grade("已经找律师准备起诉，还联系了记者", 0.3)
    assert level == "严重"
    assert reasons == ["法律/监管: 律师、起诉", "媒体: 记者"]


def test_negated_crisis_word_does_not_count():
    assert grade("还好没有起火，也没受伤", 0.4) == ("一般", [])


def test_crisis_words_in_praise_do_not_count():
    assert grade("灭火器质量很好，防止起火，点赞", 0.95)[0] == "一般"


def test_media_account_and_engagement_add_reasons():
    level, reasons = grade("这家店的服务越来越差", 0.3, engagement=25_000, is_media=True)
    assert level == "严重"
    assert reasons == ["互动 2.5万", "媒体账号"]


def test_custom_config_changes_words_and_thresholds():
    config = GradeConfig(signals=(WordSignal("召回", ("召回",), 5),), major_points=5)
    assert grade("官方宣布召回", 0.4, config=config) == ("重大", ["召回: 召回"])
    assert grade("刹车失灵了", 0.4, config=config) == ("一般", [])


@pytest.mark.parametrize(
    "text",
    ["车子起火了", "律师函已经发出", "多名车主集体维权", "吃完后食物中毒住院"],
)
def test_every_serious_or_major_grade_has_a_reason(text):
    level, reasons = grade(text, 0.05, followers=200_000)
    assert level in ("严重", "重大") and reasons


def test_format_count():
    assert [format_count(n) for n in (950, 12_000, 1_200_000, 350_000_000)] == [
        "950",
        "1.2万",
        "120万",
        "3.5亿",
    ]


@pytest.mark.parametrize(
    ("value", "province"),
    [
        ("IP属地:广东", "广东"),
        ("IP属地：北京", "北京"),
        ("发布于 上海", "上海"),
        ("广东省", "广东"),
        ("新疆维吾尔自治区", "新疆"),
        ("内蒙古自治区", "内蒙古"),
        ("深圳", "广东"),
        ("来自 杭州市", "浙江"),
        ("香港特别行政区", "香港"),
        ("美国", None),
        ("", None),
    ],
)
def test_normalize_region_reads_site_fields(value, province):
    assert normalize_region(value) == province


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("在成都买的手机坏了", "四川"),
        ("浙江西湖边的门店态度很差", "浙江"),
        ("上海南京路的旗舰店", "上海"),
        ("乌鲁木齐的快递一周没到", "新疆"),
        ("开封后发现里面有虫子", None),
        ("大同小异，都不好用", None),
    ],
)
def test_region_from_text_maps_cities_and_avoids_common_words(text, province):
    assert region_from_text(text) == province
