"""Dates, times and numbers in the user's language and time zone, through Babel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone_location
from babel.numbers import format_decimal


def to_local(timestamp: int | float, time_zone: str) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC).astimezone(ZoneInfo(time_zone))


def format_date(timestamp: int | float, time_zone: str, locale: str) -> str:
    """E.g. '25 December 2026', '25 декабря 2026 г.', '2026 ж. 25 желтоқсан'."""
    return babel_format_date(to_local(timestamp, time_zone), "long", locale=locale)


def format_day(day: date, locale: str) -> str:
    """A calendar day the user picked (no time, no zone), e.g. 'December 25, 2026'."""
    return babel_format_date(day, "long", locale=locale)


def format_datetime(timestamp: int | float, time_zone: str, locale: str) -> str:
    """Date and time without seconds, in the user's zone: what a person reads on a clock."""
    local = to_local(timestamp, time_zone)
    return babel_format_datetime(local, "d MMMM y, HH:mm", tzinfo=local.tzinfo, locale=locale)


def format_short_datetime(timestamp: int | float, time_zone: str, locale: str) -> str:
    """Compact, for buttons: '25 Dec, 09:30' / '25 дек., 09:30'."""
    local = to_local(timestamp, time_zone)
    return babel_format_datetime(local, "d MMM, HH:mm", tzinfo=local.tzinfo, locale=locale)


def format_number(value: int | float, locale: str) -> str:
    """E.g. '15,000' in English, '15 000' in Russian and Kazakh."""
    return format_decimal(value, locale=locale)


@lru_cache(maxsize=256)
def _city(time_zone: str, locale: str) -> str:
    """Babel's lookup is slow (~250 µs) and never changes while the bot runs."""
    return str(get_timezone_location(time_zone, locale=locale, return_city=True))


def format_time_zone(time_zone: str, locale: str, at: float) -> str:
    """City and current offset, e.g. 'Сеул (UTC+9)': clearer to people than an IANA name."""
    city = _city(time_zone, locale)
    offset = to_local(at, time_zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{city} (UTC{sign}{hours}{f':{rest:02d}' if rest else ''})"
