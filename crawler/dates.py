"""Every date form the target sites print, turned into one timezone-aware ``datetime``.

Sites mix relative forms (``5分钟前``, ``昨天 18:07``, ``3个月前``, traditional ``5分鐘前``), partial ones
(``7-6`` this year, ``2023-07`` on Tieba lists), local wall-clock times without a zone, 12-hour clocks with a
period of the day (``2019年6月28日下午3:00``), 时/点/分 clocks (``09时30分``, ``10点05``), 号 for 日, a weekday
in front (``星期日 2015年04月08日 10:05``), full-width digits and colons (``10：13``), ``约``/``大约`` in front and
a ``来自…`` tail, Weibo's ``Sat Nov 21 10:00:00 +0800 2026``, feed dates (RFC 822 / RFC 3339) and unix timestamps.
Everything is first rewritten to a few canonical shapes (:func:`_canonical`), which the fast path then reads
with a handful of anchored regular expressions. Wall-clock forms are read in the configured zone;
relative forms count back from ``now``. A date after ``now`` is clock skew or a misread partial date, so it
is clamped to ``now``; anything unreadable is
``None`` rather than an exception, because one odd date must never cost the rest of the page.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

__all__ = ["parse_chinese_date"]

_PREFIXES = re.compile(r"^(?:(?:发表于|发布于|发布时间|编辑于|更新于|发表时间|时间)\s*:?\s*|约\s*|大约\s*)+")
_TAIL = re.compile(r"\s*(?:来自|來自).*$")
_WEEKDAY = re.compile(r"[(（]?(?:星期|周|礼拜)[一二三四五六日天][)）]?")
_TRADITIONAL = str.maketrans({"鐘": "钟", "時": "时", "個": "个", "週": "周", "號": "号", "禮": "礼",
                              "點": "点", "淩": "凌"})
_PERIOD = re.compile(r"(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜间|晚间)")
_AFTERNOON = {"下午", "傍晚", "晚上", "夜里", "夜间", "晚间"}
_HANZI_CLOCK = re.compile(r"(\d{1,2})\s*[时点]\s*(?:(\d{1,2})\s*分?\s*(?:(\d{1,2})\s*秒)?)?")
_RELATIVE_UNITS = {
    "秒": "seconds",
    "秒钟": "seconds",
    "分钟": "minutes",
    "分": "minutes",
    "小时": "hours",
    "个小时": "hours",
    "天": "days",
    "周": "weeks",
    "星期": "weeks",
    "个星期": "weeks",
    "个礼拜": "weeks",
    "礼拜": "weeks",
}
_RELATIVE = re.compile(r"^(\d{1,6})\s*(秒钟?|分钟|分|个?小时|天|周|个?星期|个?礼拜|个?月|年)\s*[以之]?前$")
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_DAY_WORD_TIME = re.compile(r"^(今天|昨天|前天)\s*(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_CLOCK = r"(?:\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
_TIME_ONLY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?" + _CLOCK + "$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*[日号]?" + _CLOCK + "$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/年]\s*(\d{1,2})\s*月?$")
_UNIX = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_WEIBO_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def parse_chinese_date(value: str | int | float | None, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """``value`` as an aware date in ``tz``, relative to ``now``, never after it; ``None`` if unreadable."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=tz)
    try:
        moment = _parse(value, now.astimezone(tz), tz)
    except (ValueError, OverflowError, OSError, TypeError):
        return None
    if moment is None:
        return None
    return min(moment.astimezone(tz), now.astimezone(tz))


def _parse(value: str | int | float | None, now: datetime, tz: ZoneInfo) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_unix(float(value), tz)
    if not isinstance(value, str):
        return None
    text, period = _canonical(value)
    if not text:
        return None
    moment = _read(text, now, tz)
    return _in_period(moment, period) if moment is not None and period else moment


def _canonical(value: str) -> tuple[str, str | None]:
    """The text in canonical form (ASCII digits and colons, ``HH:MM`` clocks, no prefix, weekday or tail), and the
    period of the day (下午, 凌晨…) it named, if any."""
    text = " ".join(value.split())
    if text.isascii():  # the machine forms (ISO, RFC 822, Weibo's, digits): nothing below applies to them
        return text, None
    text = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL)
    text = _PREFIXES.sub("", text)
    if "来" in text or "來" in text:
        text = _TAIL.sub("", text)
    text = _WEEKDAY.sub(" ", text)
    period = None
    if match := _PERIOD.search(text):
        period = match.group(1)
        text = text[: match.start()] + " " + text[match.end():]
    if "时" in text or "点" in text:
        text = _HANZI_CLOCK.sub(_clock, text)
    return " ".join(text.split()), period


def _clock(match: re.Match[str]) -> str:
    hour, minute, second = match.groups()
    return f" {hour}:{minute or '00'}" + (f":{second}" if second else "")


def _in_period(moment: datetime, period: str) -> datetime:
    """A 12-hour clock read in its period: 下午3:00 is 15:00, 凌晨12:30 is 00:30, 中午1点 is 13:00."""
    hour = moment.hour
    if period in _AFTERNOON and hour < 12 or period == "中午" and hour < 11:
        hour += 12
    elif period in ("凌晨", "早上", "早晨", "上午") and hour == 12:
        hour = 0
    return moment.replace(hour=hour)


def _read(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    if text == "刚刚":
        return now
    if text in ("半小时前", "半个小时前"):
        return now - timedelta(minutes=30)
    if match := _RELATIVE.match(text):
        return _ago(now, int(match.group(1)), match.group(2))
    if match := _DAY_WORD_TIME.match(text):
        day = now - timedelta(days=_DAY_WORDS[match.group(1)])
        return _at(day, *match.group(2, 3, 4))
    if text in _DAY_WORDS:
        return _at(now - timedelta(days=_DAY_WORDS[text]), "0", "0", None)
    if match := _TIME_ONLY.match(text):
        return _at(now, *match.groups())
    if _UNIX.match(text):
        return _from_unix(float(text), tz)
    if match := _FULL_DATE.match(text):
        year, month, day, hour, minute, second = match.groups()
        return _local(tz, int(year), int(month), int(day), hour, minute, second)
    if match := _MONTH_DAY.match(text):
        return _month_day(match.groups(), now, tz)
    if match := _YEAR_MONTH.match(text):
        return datetime(int(match.group(1)), int(match.group(2)), 1, tzinfo=tz)
    return _machine_format(text, tz)


def _ago(now: datetime, count: int, unit: str) -> datetime:
    """``count`` units before ``now``; months and years by the calendar (3个月前 on 5-31 is 2-28 or 2-29)."""
    if unit.endswith("月") or unit == "年":
        months = count * (12 if unit == "年" else 1)
        year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
        day = min(now.day, _days_in_month(year, month + 1))
        return now.replace(year=year, month=month + 1, day=day)
    return now - timedelta(**{_RELATIVE_UNITS[unit]: count})


def _days_in_month(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _from_unix(seconds: float, tz: ZoneInfo) -> datetime | None:
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    if seconds > 1e11:  # milliseconds: 1e11 seconds would be the year 5138
        seconds /= 1000
    return datetime.fromtimestamp(seconds, tz)


def _at(day: datetime, hour: str, minute: str, second: str | None) -> datetime:
    return day.replace(hour=int(hour), minute=int(minute), second=int(second or 0), microsecond=0)


def _local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: str | None, minute: str | None, second: str | None
) -> datetime:
    return datetime(year, month, day, int(hour or 0), int(minute or 0), int(second or 0), tzinfo=tz)


def _month_day(parts: tuple[str | None, ...], now: datetime, tz: ZoneInfo) -> datetime:
    """``7-6`` means this year unless that is still ahead of us: then it was last year (seen in January)."""
    month, day, hour, minute, second = parts
    moment = _local(tz, now.year, int(month), int(day), hour, minute, second)
    if moment > now + timedelta(days=1):
        moment = _local(tz, now.year - 1, int(month), int(day), hour, minute, second)
    return moment


def _machine_format(text: str, tz: ZoneInfo) -> datetime | None:
    """Weibo's ctime-like form, ISO 8601 / RFC 3339 and RFC 822; a zoneless value is local time in ``tz``."""
    moment = _first_reading(text)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def _first_reading(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, _WEIBO_FORMAT)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
