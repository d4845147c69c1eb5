"""Departure planning against fixed dates and the maintained Korean holiday calendar: the
15-to-3-day reporting window, holidays skipped in the 3-day minimum (weekends count), the
airport time, input checks, and which reminders a plan wants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content.parsing import InputError, InputProblem
from bot.departure.checklist import ITEM_KEYS
from bot.departure.plan import (
    KIND_FLIGHT_DAY,
    KIND_OPEN_ITEMS,
    KIND_REPORT_DEADLINE,
    KIND_WINDOW_OPENS,
    ProcedureRules,
    WindowState,
    check_flight_day,
    check_flight_time,
    is_korean_public_holiday,
    korea_today,
    last_report_day,
    plan_departure,
    planned_reminders,
)

RULES = ProcedureRules()  # 3 / 15 / 4, as in the facts sheet
SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC).timestamp()  # Saturday, 19:00 in Seoul
TODAY = date(2026, 11, 21)


def kst(day: date, hour: int, minute: int = 0) -> int:
    return int(datetime.combine(day, time(hour, minute), tzinfo=SEOUL).timestamp())


def test_the_calendar_is_the_maintained_one() -> None:
    assert is_korean_public_holiday(date(2026, 9, 25))  # Chuseok 2026
    assert is_korean_public_holiday(date(2027, 2, 8))  # Seollal 2027, second day
    assert is_korean_public_holiday(date(2027, 2, 9))  # its alternative holiday
    assert is_korean_public_holiday(date(2026, 12, 25))
    assert not is_korean_public_holiday(date(2026, 11, 22))  # an ordinary Sunday
    assert not is_korean_public_holiday(date(2026, 11, 28))  # an ordinary Saturday


def test_plain_window_without_holidays() -> None:
    plan = plan_departure(date(2026, 12, 12), time(14, 30), RULES)
    assert plan.opens == date(2026, 11, 27)  # 15 calendar days before
    assert plan.closes == date(2026, 12, 9)  # 3 days before
    assert plan.skipped_holidays == ()
    assert plan.window_state(TODAY) is WindowState.NOT_YET
    assert plan.window_state(date(2026, 12, 1)) is WindowState.OPEN
    assert plan.window_state(date(2026, 12, 10)) is WindowState.CLOSED


def test_weekends_count_only_holidays_are_skipped() -> None:
    plan = plan_departure(date(2026, 11, 30), None, RULES)  # a Monday
    assert plan.closes == date(2026, 11, 27)  # Sunday and Saturday both counted
    assert plan.skipped_holidays == ()


def test_christmas_moves_the_last_day() -> None:
    plan = plan_departure(date(2026, 12, 28), None, RULES)
    assert plan.closes == date(2026, 12, 24)  # 27, 26 and (25 is skipped) 24
    assert plan.skipped_holidays == (date(2026, 12, 25),)


def test_chuseok_2026_inside_the_window() -> None:
    plan = plan_departure(date(2026, 9, 28), time(10, 0), RULES)
    assert plan.skipped_holidays == (date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26))
    assert plan.closes == date(2026, 9, 22)
    assert plan.opens == date(2026, 9, 13)
    assert not is_korean_public_holiday(plan.closes)


def test_seollal_2027_with_its_alternative_holiday() -> None:
    plan = plan_departure(date(2027, 2, 10), None, RULES)
    assert plan.skipped_holidays == tuple(date(2027, 2, d) for d in (6, 7, 8, 9))
    assert plan.closes == date(2027, 2, 3)


def test_chuseok_2027() -> None:
    plan = plan_departure(date(2027, 9, 17), None, RULES)
    assert plan.closes == date(2027, 9, 11)
    assert plan.skipped_holidays == (date(2027, 9, 14), date(2027, 9, 15), date(2027, 9, 16))


@pytest.mark.parametrize(
    ("flight", "state"),
    [
        (TODAY, WindowState.CLOSED),
        (TODAY + timedelta(days=1), WindowState.CLOSED),  # tomorrow: no legal reporting day
        (TODAY + timedelta(days=2), WindowState.CLOSED),
        (TODAY + timedelta(days=3), WindowState.OPEN),  # exactly 3 days: today is the last day
        (TODAY + timedelta(days=15), WindowState.OPEN),  # today is the first day
        (TODAY + timedelta(days=16), WindowState.NOT_YET),
    ],
)
def test_window_relative_to_today(flight: date, state: WindowState) -> None:
    assert plan_departure(flight, None, RULES).window_state(TODAY) is state


def test_exactly_three_non_holiday_days_around_christmas() -> None:
    plan = plan_departure(date(2026, 12, 26), None, RULES)
    assert plan.closes == date(2026, 12, 22)  # 25th skipped: 24, 23, 22
    assert plan.window_state(date(2026, 12, 22)) is WindowState.OPEN
    assert plan.window_state(date(2026, 12, 23)) is WindowState.CLOSED


def test_airport_time_is_hours_before_the_flight_in_korea_time() -> None:
    plan = plan_departure(date(2026, 12, 12), time(14, 30), RULES)
    assert plan.airport_by == datetime(2026, 12, 12, 10, 30, tzinfo=SEOUL)
    night = plan_departure(date(2026, 12, 12), time(2, 0), RULES)
    assert night.airport_by == datetime(2026, 12, 11, 22, 0, tzinfo=SEOUL)
    assert plan_departure(date(2026, 12, 12), None, RULES).airport_by is None  # time optional


def test_rules_come_from_the_fact() -> None:
    rules = ProcedureRules.from_fact(
        {"report_min_days": 5, "report_max_days": 20, "airport_hours": 3}
    )
    plan = plan_departure(date(2026, 12, 12), time(14, 30), rules)
    assert (plan.opens, plan.closes) == (date(2026, 11, 22), date(2026, 12, 7))
    assert plan.airport_by == datetime(2026, 12, 12, 11, 30, tzinfo=SEOUL)
    assert ProcedureRules.from_fact({"report_min_days": "x", "airport_hours": True}) == RULES
    assert ProcedureRules.from_fact({"report_min_days": 30, "report_max_days": 15}) == RULES


def test_flight_day_checks() -> None:
    assert check_flight_day(TODAY, TODAY) == TODAY
    assert check_flight_day(TODAY + timedelta(days=365), TODAY)
    with pytest.raises(InputError) as past:
        check_flight_day(TODAY - timedelta(days=1), TODAY)
    assert past.value.problem is InputProblem.DATE_PAST
    with pytest.raises(InputError) as far:
        check_flight_day(TODAY + timedelta(days=366), TODAY)
    assert far.value.problem is InputProblem.DATE_TOO_FAR


def test_flight_time_must_be_ahead_in_korea_time() -> None:
    assert korea_today(NOW) == TODAY  # 19:00 in Seoul
    with pytest.raises(InputError) as past:
        check_flight_time(TODAY, time(18, 0), NOW)
    assert past.value.problem is InputProblem.TIME_PAST
    assert check_flight_time(TODAY, time(23, 0), NOW) == time(23, 0)


def kinds(planned: list) -> dict[str, int]:
    return {p.kind: p.due_at for p in planned}


def test_reminders_for_a_plan_far_enough_ahead() -> None:
    plan = plan_departure(date(2026, 12, 12), time(16, 0), RULES)  # airport by 12:00
    planned = planned_reminders(plan, set(), ITEM_KEYS, NOW)
    assert kinds(planned) == {
        KIND_WINDOW_OPENS: kst(date(2026, 11, 27), 9),
        KIND_REPORT_DEADLINE: kst(date(2026, 12, 8), 9),  # the day before the last day
        KIND_OPEN_ITEMS: kst(date(2026, 12, 10), 9),
        KIND_FLIGHT_DAY: kst(date(2026, 12, 12), 8),
    }
    assert [p.urgent for p in planned] == [False] * 4  # quiet hours apply to all of them


def test_early_airport_time_or_unknown_time_reminds_the_evening_before() -> None:
    early = plan_departure(date(2026, 12, 12), time(14, 30), RULES)  # airport by 10:30
    unknown = plan_departure(date(2026, 12, 12), None, RULES)
    for plan in (early, unknown):
        due = kinds(planned_reminders(plan, set(), ITEM_KEYS, NOW))[KIND_FLIGHT_DAY]
        assert due == kst(date(2026, 12, 11), 20)


def test_ticked_items_remove_their_reminders() -> None:
    plan = plan_departure(date(2026, 12, 12), time(16, 0), RULES)
    assert set(kinds(planned_reminders(plan, {"report"}, ITEM_KEYS, NOW))) == {
        KIND_OPEN_ITEMS,
        KIND_FLIGHT_DAY,
    }
    assert set(kinds(planned_reminders(plan, set(ITEM_KEYS), ITEM_KEYS, NOW))) == {KIND_FLIGHT_DAY}


def test_flight_tomorrow_has_no_report_reminders() -> None:
    plan = plan_departure(TODAY + timedelta(days=1), None, RULES)
    assert kinds(planned_reminders(plan, set(), ITEM_KEYS, NOW)) == {
        KIND_FLIGHT_DAY: kst(TODAY, 20)  # 20:00 tonight, an hour from now
    }


def test_window_already_open_reminds_only_of_the_deadline() -> None:
    plan = plan_departure(TODAY + timedelta(days=5), None, RULES)  # last day 23 November
    due = kinds(planned_reminders(plan, set(), ITEM_KEYS, NOW))
    assert KIND_WINDOW_OPENS not in due
    assert due[KIND_REPORT_DEADLINE] == kst(date(2026, 11, 22), 9)


def test_last_day_deadline_when_the_day_before_has_passed() -> None:
    plan = plan_departure(TODAY + timedelta(days=4), None, RULES)  # last day 22 November
    due = kinds(planned_reminders(plan, set(), ITEM_KEYS, NOW))
    assert due[KIND_REPORT_DEADLINE] == kst(date(2026, 11, 22), 9)


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)))
def test_the_last_day_leaves_the_minimum_of_non_holidays(flight: date) -> None:
    closes, skipped = last_report_day(flight, 3)
    assert not is_korean_public_holiday(closes)
    between = [closes + timedelta(days=n) for n in range(1, (flight - closes).days)]
    assert sum(1 for day in between if not is_korean_public_holiday(day)) == 2
    assert set(skipped) == {day for day in between if is_korean_public_holiday(day)}
