"""Parsing what people type: dates and times, once, at the edge.

Each parser returns a typed value or raises `InputError` carrying a reason code; the handler
turns the code into a localized sentence that says what was expected.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from enum import StrEnum

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext


class InputProblem(StrEnum):
    DATE_FORMAT = "date_format"
    NO_SUCH_DATE = "no_such_date"
    DATE_PAST = "date_past"
    DATE_TOO_FAR = "date_too_far"
    TIME_FORMAT = "time_format"
    TIME_PAST = "time_past"
    TEXT_EMPTY = "text_empty"
    TEXT_TOO_LONG = "text_too_long"


class InputError(ValueError):
    def __init__(self, problem: InputProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


# Words for today / tomorrow in the languages we speak (lower case).
_TODAY = {"today", "сегодня", "бүгін"}
_TOMORROW = {"tomorrow", "завтра", "ертең"}

_ISO = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-./](\d{1,2})(?:[-./](\d{2}|\d{4}))?$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.\s](\d{2}))?$")


def parse_date(text: str, today: date) -> date:
    """25.12.2026, 25/12/2026, 25-12-26, 2026-12-25, 25.12 or 25/12 (the next such day),
    'today' / 'tomorrow' in kk, ru, en."""
    cleaned = text.strip().lower().rstrip(".")
    if cleaned in _TODAY:
        return today
    if cleaned in _TOMORROW:
        return today + timedelta(days=1)
    if match := _ISO.match(cleaned):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        return _make_date(year, month, day)
    if match := _DAY_FIRST.match(cleaned):
        day, month = int(match[1]), int(match[2])
        if match[3] is None:
            candidate = _make_date(today.year, month, day, allow_feb29=True)
            if candidate < today:
                candidate = _make_date(today.year + 1, month, day)
            return candidate
        year = int(match[3])
        if year < 100:
            year += 2000
        return _make_date(year, month, day)
    raise InputError(InputProblem.DATE_FORMAT)


def _make_date(year: int, month: int, day: int, *, allow_feb29: bool = False) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        if allow_feb29 and month == 2 and day == 29:
            # 29/02 without a year: the next leap year's.
            for offset in range(1, 8):
                try:
                    return date(year + offset, 2, 29)
                except ValueError:
                    continue
        raise InputError(InputProblem.NO_SUCH_DATE) from None


def parse_time(text: str) -> time:
    """9, 09, 9:30, 09:30, 9.30, '9 30'."""
    match = _TIME.match(text.strip())
    if not match:
        raise InputError(InputProblem.TIME_FORMAT)
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        raise InputError(InputProblem.TIME_FORMAT)
    return time(hour, minute)


def parse_reminder_text(text: str | None, max_length: int) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise InputError(InputProblem.TEXT_EMPTY)
    if len(cleaned) > max_length:
        raise InputError(InputProblem.TEXT_TOO_LONG)
    return cleaned


def input_problem_text(problem: InputProblem, **values: object) -> str:
    """What was wrong with a typed value and what is expected instead, in the reader's language.

    One sentence per problem for every dialogue that parses dates, times or short texts; the
    caller shows it above the question (`Screen.with_problem`). `values` fill the placeholders:
    `date` for DATE_TOO_FAR, `length` and `limit` for TEXT_TOO_LONG.
    """
    texts = {
        InputProblem.DATE_FORMAT: _(
            "I could not read that date. Please send it like 25.12.2026, 2026-12-25 or 25/12."
        ),
        InputProblem.NO_SUCH_DATE: _(
            "There is no such date in the calendar. Please check the day and the month."
        ),
        InputProblem.DATE_PAST: _(
            "That date has already passed. Please choose today or a later date."
        ),
        InputProblem.DATE_TOO_FAR: _(
            "That is too far ahead: I can remind you until {date} at the latest."
        ),
        InputProblem.TIME_FORMAT: _(
            "I could not read that time. Please send it like 09:00 or 18:30."
        ),
        InputProblem.TIME_PAST: _(
            "That time has already passed. Please choose a later time, or go back and pick "
            "another date."
        ),
        InputProblem.TEXT_EMPTY: _("Please send the reminder as a text message."),
        InputProblem.TEXT_TOO_LONG: ngettext(
            "That is {length} character; please keep it to {limit}.",
            "That is {length} characters; please keep it to {limit}.",
            int(str(values.get("length", 0))),
        ),
    }
    return texts[problem].format(**values)
