"""Every date form the target sites print, turned into one timezone-aware ``datetime``.

Sites mix relative forms (``5分钟前``, ``昨天 18:07``), partial ones (``7-6`` this year, ``2023-07``
on Tieba lists), local wall-clock times without a zone, Weibo's ``Sat Nov 21 10:00:00 +0800 2026``,
feed dates (RFC 822 / RFC 3339) and unix timestamps. Wall-clock forms are read in the configured zone;
relative forms count back from ``now``. A date after ``now`` is clock skew or a misread partial date, so it
is clamped to ``now``; anything unreadable is
``None`` rather than an exception, because one odd date must never cost the rest of the page.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

__all__ = ["parse_chinese_date"]

_PREFIXES = ("发表于", "发布于", "发布时间：", "发布时间:", "编辑于", "更新于")
_RELATIVE_UNITS = {
    "秒": "seconds",
    "分钟": "minutes",
    "分": "minutes",
    "小时": "hours",
    "天": "days",
    "周": "weeks",
}
_RELATIVE = re.compile(r"^(\d{1,6})\s*(秒|分钟|分|小时|天|周)\s*前$")
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_DAY_WORD_TIME = re.compile(r"^(今天|昨天|前天)\s*(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_CLOCK = r"(?:\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
_TIME_ONLY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _CLOCK + "$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?" + _CLOCK + "$")
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
    text = " ".join(value.replace("\u3000", " ").split())
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix).strip()
    if not text:
        return None
    if text == "刚刚":
        return now
    if text == "半小时前":
        return now - timedelta(minutes=30)
    if match := _RELATIVE.match(text):
        return now - timedelta(**{_RELATIVE_UNITS[match.group(2)]: int(match.group(1))})
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
