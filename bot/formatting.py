"""Dates, times and numbers in the user's language and time zone, through Babel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_skeleton, get_timezone_location
from babel.numbers import format_decimal


def to_local(timestamp: int | float, time_zone: str) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC).astimezone(ZoneInfo(time_zone))


# One date pattern per language on every screen, Babel's own "long" date of each:
#   kk «2026 ж. 25 желтоқсан, 10:00» · ru «25 декабря 2026 г., 10:00» · en «25 December 2026, 10:00»
# English is written the British way throughout (the texts spell "programme"), so its dates
# are too: Babel's plain "en" would say "December 25, 2026".
_BABEL_LOCALE = {"en": "en_GB"}


def _babel(locale: str) -> str:
    return _BABEL_LOCALE.get(locale, locale)


def format_day(day: date, locale: str) -> str:
    """A calendar day: '25 December 2026', '25 декабря 2026 г.', '2026 ж. 25 желтоқсан'."""
    return babel_format_date(day, "long", locale=_babel(locale))


def format_month(day: date, locale: str) -> str:
    """A month of a year: 'August 2004', 'август 2004 г.', '2004 ж. тамыз'."""
    return format_skeleton("yMMMM", day, locale=_babel(locale))


def format_day_month(day: date, locale: str) -> str:
    """A day whose year is said nearby: '25 December', '25 декабря', '25 желтоқсан'."""
    return format_skeleton("MMMMd", day, locale=_babel(locale))


def format_date(timestamp: int | float, time_zone: str, locale: str) -> str:
    """The calendar day of an instant in the user's zone, as `format_day` writes it."""
    return format_day(to_local(timestamp, time_zone).date(), locale)


def format_datetime(timestamp: int | float, time_zone: str, locale: str) -> str:
    """Date and time without seconds, in the user's zone: what a person reads on a clock."""
    local = to_local(timestamp, time_zone)
    return f"{format_day(local.date(), locale)}, {local:%H:%M}"


def format_short_datetime(timestamp: int | float, time_zone: str, locale: str) -> str:
    """Compact, for buttons: '25 Dec, 09:30' / '25 дек., 09:30' / '25 жел., 09:30'."""
    local = to_local(timestamp, time_zone)
    return babel_format_datetime(local, "d MMM, HH:mm", tzinfo=local.tzinfo, locale=_babel(locale))


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
