"""Dates, numbers and zones formatted by Babel in each language."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.formatting import (
    format_date,
    format_datetime,
    format_day,
    format_day_month,
    format_number,
    format_time_zone,
)

# 25 Dec 2026 00:30 UTC is already 09:30 in Seoul and 05:30 in Almaty.
MOMENT = datetime(2026, 12, 25, 0, 30, tzinfo=UTC).timestamp()


def spaces(text: str) -> str:
    """Babel uses (narrow) no-break spaces where a person sees a space."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_dates_in_each_language() -> None:
    assert format_date(MOMENT, "Asia/Seoul", "en") == "25 December 2026"
    assert spaces(format_date(MOMENT, "Asia/Seoul", "ru")) == "25 декабря 2026 г."
    assert "желтоқсан" in format_date(MOMENT, "Asia/Seoul", "kk")


def test_date_and_time_are_shown_in_the_users_zone() -> None:
    assert format_datetime(MOMENT, "Asia/Seoul", "en") == "25 December 2026, 09:30"
    assert format_datetime(MOMENT, "Asia/Almaty", "ru") == "25 декабря 2026\u202fг., 05:30"
    assert format_datetime(MOMENT, "Asia/Almaty", "kk") == "2026\u202fж. 25 желтоқсан, 05:30"


def test_numbers_use_local_grouping() -> None:
    assert format_number(15000, "en") == "15,000"
    assert spaces(format_number(15000, "ru")) == "15 000"
    assert spaces(format_number(15000, "kk")) == "15 000"


def test_time_zone_shows_city_and_offset() -> None:
    assert format_time_zone("Asia/Seoul", "en", MOMENT) == "Seoul (UTC+9)"
    assert format_time_zone("Asia/Almaty", "ru", MOMENT) == "Алматы (UTC+5)"
    assert format_time_zone("Asia/Seoul", "kk", MOMENT) == "Сеул (UTC+9)"


def test_one_date_pattern_per_language() -> None:
    """Every screen writes a day and a day with its time the same way in each language."""
    day = datetime(2026, 12, 25, tzinfo=UTC).date()
    ten = datetime(2026, 12, 25, 1, 0, tzinfo=UTC).timestamp()  # 10:00 in Seoul
    expected = {
        "kk": ("2026 ж. 25 желтоқсан", "2026 ж. 25 желтоқсан, 10:00", "25 желтоқсан"),
        "ru": ("25 декабря 2026 г.", "25 декабря 2026 г., 10:00", "25 декабря"),
        "en": ("25 December 2026", "25 December 2026, 10:00", "25 December"),
    }
    for locale, (only_day, with_time, without_year) in expected.items():
        assert spaces(format_day(day, locale)) == only_day
        assert spaces(format_datetime(ten, "Asia/Seoul", locale)) == with_time
        assert spaces(format_date(ten, "Asia/Seoul", locale)) == only_day
        assert format_day_month(day, locale) == without_year
