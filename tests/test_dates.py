from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.dates import parse_chinese_date

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("刚刚", NOW),
        ("45秒前", NOW - timedelta(seconds=45)),
        ("5分钟前", NOW - timedelta(minutes=5)),
        ("5 分钟前", NOW - timedelta(minutes=5)),
        ("半小时前", NOW - timedelta(minutes=30)),
        ("16小时前", NOW - timedelta(hours=16)),
        ("今天 08:05", at(2026, 11, 23, 8, 5)),
        ("昨天 12:30", at(2026, 11, 22, 12, 30)),
        ("昨天\xa018:07", at(2026, 11, 22, 18, 7)),
        ("前天 23:59", at(2026, 11, 21, 23, 59)),
        ("3天前", NOW - timedelta(days=3)),
        ("09:30", at(2026, 11, 23, 9, 30)),
        ("7-6", at(2026, 7, 6)),
        ("06-27", at(2026, 6, 27)),
        ("2018-8-20 18:07", at(2018, 8, 20, 18, 7)),
        ("2023-07", at(2023, 7, 1)),
        ("2024-08-05 16:56", at(2024, 8, 5, 16, 56)),
        ("2024-08-05 16:56:07", at(2024, 8, 5, 16, 56, 7)),
        ("  2024-8-6 22:11 ", at(2024, 8, 6, 22, 11)),
        ("发表于 2018-8-20 18:07", at(2018, 8, 20, 18, 7)),
        ("2018-09-18 14:38:10", at(2018, 9, 18, 14, 38, 10)),
        ("Sat Nov 21 10:00:00 +0800 2026", at(2026, 11, 21, 10, 0)),
        ("Wed, 31 Jan 2018 07:26:05 GMT", at(2018, 1, 31, 15, 26, 5)),
        ("2016-02-01T17:54:50+01:00", at(2016, 2, 2, 0, 54, 50)),
        ("2018-09-19T05:11:22.000Z", at(2018, 9, 19, 13, 11, 22)),
        ("1542340800", at(2018, 11, 16, 12, 0)),
        (1542340800, at(2018, 11, 16, 12, 0)),
        (1542340800.0, at(2018, 11, 16, 12, 0)),
        (1542340800000, at(2018, 11, 16, 12, 0)),
        ("1542340800000", at(2018, 11, 16, 12, 0)),
    ],
)
def test_every_site_date_form_is_read_in_the_configured_zone(text, expected):
    result = parse_chinese_date(text, now=NOW, tz=SHANGHAI)
    assert result == expected
    assert result.tzinfo is not None
    assert result.utcoffset() == timedelta(hours=8)


def test_month_day_still_ahead_this_year_means_last_year():
    assert parse_chinese_date("12-25", now=NOW, tz=SHANGHAI) == at(2025, 12, 25)


def test_month_day_in_january_reads_december_as_last_year():
    january = at(2027, 1, 3, 9, 0)
    assert parse_chinese_date("12-31 22:10", now=january, tz=SHANGHAI) == at(2026, 12, 31, 22, 10)


def test_future_dates_are_clamped_to_now():
    assert parse_chinese_date("2030-01-01 00:00", now=NOW, tz=SHANGHAI) == NOW
    assert parse_chinese_date("23:30", now=NOW, tz=SHANGHAI) == NOW


def test_relative_forms_follow_the_configured_zone_not_the_machine():
    utc_now = datetime(2026, 11, 23, 17, 0, tzinfo=ZoneInfo("UTC"))  # 01:00 on the 24th in Shanghai
    assert parse_chinese_date("昨天 12:30", now=utc_now, tz=SHANGHAI) == at(2026, 11, 23, 12, 30)


def test_naive_now_is_taken_as_configured_zone():
    assert parse_chinese_date("刚刚", now=datetime(2026, 11, 23, 10, 0), tz=SHANGHAI) == NOW


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "明天见",
        "13-45",
        "2026-02-30 10:00",
        "25:99",
        "abc",
        True,
        float("nan"),
        -5,
        "99999999天前",
    ],
)
def test_unreadable_values_are_none(value):
    assert parse_chinese_date(value, now=NOW, tz=SHANGHAI) is None


@given(st.text(max_size=60))
def test_any_text_never_crashes_and_never_lands_after_now(text):
    result = parse_chinese_date(text, now=NOW, tz=SHANGHAI)
    assert result is None or (result.tzinfo is not None and result <= NOW)


@given(st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)))
def test_any_number_never_crashes_and_never_lands_after_now(number):
    result = parse_chinese_date(number, now=NOW, tz=SHANGHAI)
    assert result is None or result <= NOW


@given(
    st.from_regex(
        r"\A(\d{1,4}[-/.年]\d{1,2}[-/.月]\d{1,2}( \d{1,2}:\d{1,2}(:\d{1,2})?)?|\d{1,7}(秒|分钟|小时|天)前"
        r"|(今天|昨天|前天) \d{1,2}:\d{2}|\d{1,2}-\d{1,2}|\d{1,2}:\d{2}|\d{1,15})\Z"
    )
)
def test_date_shaped_text_never_crashes_and_never_lands_after_now(text):
    result = parse_chinese_date(text, now=NOW, tz=SHANGHAI)
    assert result is None or result <= NOW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A period of the day with a 12-hour clock.
        ("2019年6月28日下午3:00", at(2019, 6, 28, 15, 0)),
        ("下午3:30", at(2026, 11, 23, 10, 0)),  # 15:30 today is still ahead of 10:00: clamped to now
        ("上午9:15", at(2026, 11, 23, 9, 15)),
        ("昨天 晚上8:05", at(2026, 11, 22, 20, 5)),
        ("昨天下午3点", at(2026, 11, 22, 15, 0)),
        ("2023年1月5日 中午12:30", at(2023, 1, 5, 12, 30)),
        ("2023年1月5日 中午1点", at(2023, 1, 5, 13, 0)),
        ("2023年1月5日凌晨12:40", at(2023, 1, 5, 0, 40)),
        ("2023年1月5日凌晨3点", at(2023, 1, 5, 3, 0)),
        # 时/点/分/秒 clocks.
        ("2016年06月30日09时30分", at(2016, 6, 30, 9, 30)),
        ("2016年06月30日 09时30分15秒", at(2016, 6, 30, 9, 30, 15)),
        ("10点05", at(2026, 11, 23, 10, 0)),  # 10:05 today, five minutes ahead: clamped
        ("昨天 10点05分", at(2026, 11, 22, 10, 5)),
        ("2016-06-30 9点", at(2016, 6, 30, 9, 0)),
        # 号 for 日.
        ("2019年6月28号", at(2019, 6, 28)),
        ("6月28号 14:00", at(2026, 6, 28, 14, 0)),
        # Years, months and weeks ago; traditional characters.
        ("2年前", at(2024, 11, 23, 10, 0)),
        ("3个月前", at(2026, 8, 23, 10, 0)),
        ("1个月前", at(2026, 10, 23, 10, 0)),
        ("2星期前", NOW - timedelta(weeks=2)),
        ("2个星期前", NOW - timedelta(weeks=2)),
        ("5分鐘前", NOW - timedelta(minutes=5)),
        ("3小時前", NOW - timedelta(hours=3)),
        ("3個小時前", NOW - timedelta(hours=3)),
        ("10秒鐘前", NOW - timedelta(seconds=10)),
        # A weekday in front (or in parentheses after).
        ("星期日 2015年04月08日 10:05", at(2015, 4, 8, 10, 5)),
        ("周六 2013年04月08日", at(2013, 4, 8)),
        ("2013年04月08日（周一）", at(2013, 4, 8)),
        ("2013-04-08 星期一 下午2:10", at(2013, 4, 8, 14, 10)),
        # Full-width digits and colons, prefixes, 约 and a 来自 tail.
        ("10：13", at(2026, 11, 23, 10, 0)),  # 10:13 today: clamped
        ("09：13", at(2026, 11, 23, 9, 13)),
        ("发布于：2023/2/20", at(2023, 2, 20)),
        ("发布于: 2023/2/20 08:30", at(2023, 2, 20, 8, 30)),
        ("２０２３年２月２０日 ０８：３０", at(2023, 2, 20, 8, 30)),
        ("约3小时前", NOW - timedelta(hours=3)),
        ("大约 5 分钟前", NOW - timedelta(minutes=5)),
        ("2023-02-20 10:13 来自iPhone客户端", at(2023, 2, 20, 10, 13)),
        ("昨天 18:07 来自 微博 weibo.com", at(2026, 11, 22, 18, 7)),
    ],
)
def test_chinese_forms_peers_read_are_read_too(text, expected):
    assert parse_chinese_date(text, now=NOW, tz=SHANGHAI) == expected


def test_months_ago_lands_on_the_last_day_of_a_shorter_month():
    end_of_may = datetime(2026, 5, 31, 12, 0, tzinfo=SHANGHAI)
    assert parse_chinese_date("3个月前", now=end_of_may, tz=SHANGHAI) == datetime(2026, 2, 28, 12, 0, tzinfo=SHANGHAI)
    leap = datetime(2024, 2, 29, 12, 0, tzinfo=SHANGHAI)
    assert parse_chinese_date("1年前", now=leap, tz=SHANGHAI) == datetime(2023, 2, 28, 12, 0, tzinfo=SHANGHAI)


@given(
    st.from_regex(
        r"\A(约|大约|发布于：)?(星期[一二三四五六日] |周[一二三四五六日] )?"
        r"(\d{1,4}年\d{1,2}月\d{1,2}[日号]|\d{1,2}月\d{1,2}号|昨天|今天)?\s?"
        r"(上午|下午|晚上|中午|凌晨)?\d{1,2}([:：]\d{1,2}|[时点]\d{0,2}分?)( 来自\w{0,8})?\Z"
    )
)
def test_period_and_hanzi_clock_forms_never_crash_and_never_land_after_now(text):
    result = parse_chinese_date(text, now=NOW, tz=SHANGHAI)
    assert result is None or (result.tzinfo is not None and result <= NOW)
