"""Parsing dates, times and texts as people type them."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.content.parsing import (
    InputError,
    InputProblem,
    parse_date,
    parse_reminder_text,
    parse_time,
)

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25.12.2026", date(2026, 12, 25)),
        ("25.12.26", date(2026, 12, 25)),
        ("5.1.2027", date(2027, 1, 5)),
        ("2026-12-25", date(2026, 12, 25)),
        ("2026.12.25", date(2026, 12, 25)),
        ("25/12", date(2026, 12, 25)),
        ("25/12/2026", date(2026, 12, 25)),
        ("25-12-2026", date(2026, 12, 25)),
        ("25.12", date(2026, 12, 25)),
        ("15/01", date(2027, 1, 15)),  # already past this year: the next one
        ("21.11", date(2026, 11, 21)),  # today is not in the past
        (" 25.12.2026. ", date(2026, 12, 25)),
        ("29/02", date(2028, 2, 29)),
        ("сегодня", TODAY),
        ("Завтра", date(2026, 11, 22)),
        ("бүгін", TODAY),
        ("ертең", date(2026, 11, 22)),
        ("tomorrow", date(2026, 11, 22)),
    ],
)
def test_dates_people_type(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("next friday", InputProblem.DATE_FORMAT),
        ("25 декабря", InputProblem.DATE_FORMAT),
        ("", InputProblem.DATE_FORMAT),
        ("12345", InputProblem.DATE_FORMAT),
        ("31.02.2027", InputProblem.NO_SUCH_DATE),
        ("2026-13-01", InputProblem.NO_SUCH_DATE),
        ("00/12", InputProblem.NO_SUCH_DATE),
    ],
)
def test_dates_that_are_refused(text: str, problem: InputProblem) -> None:
    with pytest.raises(InputError) as error:
        parse_date(text, TODAY)
    assert error.value.problem is problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", time(9)),
        ("09", time(9)),
        ("9:30", time(9, 30)),
        ("09:30", time(9, 30)),
        ("9.30", time(9, 30)),
        ("9 30", time(9, 30)),
        ("23:59", time(23, 59)),
        ("0:00", time(0)),
    ],
)
def test_times_people_type(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9:60", "noon", "9:5", "", "930"])
def test_times_that_are_refused(text: str) -> None:
    with pytest.raises(InputError) as error:
        parse_time(text)
    assert error.value.problem is InputProblem.TIME_FORMAT


def test_reminder_text_limits() -> None:
    assert parse_reminder_text("  Купить билет  ", 200) == "Купить билет"
    with pytest.raises(InputError) as empty:
        parse_reminder_text("   ", 200)
    assert empty.value.problem is InputProblem.TEXT_EMPTY
    with pytest.raises(InputError) as none:
        parse_reminder_text(None, 200)
    assert none.value.problem is InputProblem.TEXT_EMPTY
    with pytest.raises(InputError) as long:
        parse_reminder_text("x" * 201, 200)
    assert long.value.problem is InputProblem.TEXT_TOO_LONG
