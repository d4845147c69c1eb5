"""Planning a voluntary departure around the flight: pure functions, no Telegram, no database.

The procedure (facts sheet §8.1 and §8.3, fact "departure.procedure"): the voluntary-departure
report is made **between 15 and 3 days before the flight**, the 3-day minimum **excluding public
holidays**, and on the day the traveller is at the departure airport's immigration office **at
least 4 hours before the flight**. The three numbers come from the fact's value, so staff can
change them without a deploy; `ProcedureRules` holds them.

Decisions, written down because the sources leave room:

* **Only Korean public holidays are skipped, weekends count.** The sources say "public holidays
  excluded" and nothing about weekends, and the online report (HiKorea) works every day. The
  calendar is `holidays.country_holidays("KR")`, the maintained one (Seollal, Chuseok,
  alternative holidays, election days), never a hand-written list.
* **Counting the minimum:** the last reporting day is found by walking back from the flight day
  and counting days that are not public holidays, until `report_min_days` are counted. With no
  holidays that is simply the flight day minus 3; each holiday on the way moves it a day
  earlier, and the last day itself is never a holiday.
* **The 15-day maximum is plain calendar days**: the sources apply the holiday rule to the
  minimum only.
* **Everything is in Korea time.** The flight leaves Korea and the immigration offices are in
  Korea, so the flight date and time the user types, and every date derived here, are Korean
  wall-clock dates whatever the user's own time zone.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from bot.content.parsing import InputError, InputProblem
from bot.content.profile import SEOUL
from bot.formatting import to_local
from bot.reminders.rules import local_to_utc

KOREA_ZONE = SEOUL
MAX_DAYS_AHEAD = 365  # "within a year": a flight further out is almost surely a typo

# Item keys the plan cares about (the items themselves live in bot/departure/checklist.py).
REPORT_ITEM = "report"
INSURANCE_ITEM = "insurance"


class Track(StrEnum):
    """The user's situation, chosen on the 🛫 section's first screen (stored with the plan).

    LEGAL: leaving at the end of the contract or with a valid visa; no voluntary-departure
    report, and a reminder about the return cost insurance a month before the flight.
    IRREGULAR: the stay has become irregular; the voluntary-departure report and its window.
    """

    LEGAL = "legal"
    IRREGULAR = "irregular"

    @classmethod
    def of(cls, value: str | None) -> Track | None:
        """A stored value as a track; None (not chosen) for anything else."""
        try:
            return cls(value) if value else None
        except ValueError:
            return None


# Reminder kinds (registered with the engine in bot/departure/reminders.py).
KIND_WINDOW_OPENS = "departure.window_opens"
KIND_REPORT_DEADLINE = "departure.report_deadline"
KIND_OPEN_ITEMS = "departure.open_items"
KIND_FLIGHT_DAY = "departure.flight_day"
KIND_RETURN_INSURANCE = "departure.return_insurance"  # legal track only
KINDS = (
    KIND_WINDOW_OPENS,
    KIND_REPORT_DEADLINE,
    KIND_OPEN_ITEMS,
    KIND_FLIGHT_DAY,
    KIND_RETURN_INSURANCE,
)

# Korea-time clock times at which the reminders are due.
MORNING = time(9, 0)  # window opens, deadline, open items: a working-day morning
FLIGHT_DAY_MORNING = time(8, 0)
EVENING_BEFORE = time(20, 0)
# The flight-day message comes at 08:00 on the day when the airport time leaves at least three
# hours after it; for an earlier airport time (or none known) it comes at 20:00 the evening
# before, so nobody learns at 08:00 that they had to be at the airport at 06:00.
LATEST_MORNING_AIRPORT_TIME = time(11, 0)
OPEN_ITEMS_DAYS_BEFORE = 2


@dataclass(frozen=True, slots=True)
class ProcedureRules:
    """The numbers of the procedure, from the fact "departure.procedure"."""

    report_min_days: int = 3
    report_max_days: int = 15
    airport_hours: int = 4

    @classmethod
    def from_fact(cls, value: Mapping[str, Any]) -> ProcedureRules:
        """Staff-edited values win; a missing or broken number falls back to the sources'."""
        default = cls()

        def number(key: str, fallback: int) -> int:
            raw = value.get(key, fallback)
            return (
                raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else fallback
            )

        min_days = number("report_min_days", default.report_min_days)
        max_days = number("report_max_days", default.report_max_days)
        if max_days < min_days:
            min_days, max_days = default.report_min_days, default.report_max_days
        return cls(min_days, max_days, number("airport_hours", default.airport_hours))


class WindowState(StrEnum):
    NOT_YET = "not_yet"  # the reporting window opens later
    OPEN = "open"  # today is a legal reporting day
    CLOSED = "closed"  # no legal reporting day is left before this flight


@cache
def _korean_calendar() -> holidays.HolidayBase:
    # expand=True (the default) adds each year on first lookup, so one object serves all dates.
    return holidays.country_holidays("KR")


def is_korean_public_holiday(day: date) -> bool:
    return day in _korean_calendar()


HolidayCheck = Callable[[date], bool]


def last_report_day(
    flight_day: date, min_days: int, is_holiday: HolidayCheck = is_korean_public_holiday
) -> tuple[date, tuple[date, ...]]:
    """The last day the report can be made, and the holidays skipped while counting back."""
    day, counted, skipped = flight_day, 0, []
    while counted < min_days:
        day -= timedelta(days=1)
        if is_holiday(day):
            skipped.append(day)
        else:
            counted += 1
    return day, tuple(sorted(skipped))


@dataclass(frozen=True, slots=True)
class DeparturePlan:
    flight_day: date
    flight_time: time | None
    opens: date  # first day the report can be made
    closes: date  # last day the report can be made
    skipped_holidays: tuple[date, ...]  # public holidays not counted towards the minimum
    rules: ProcedureRules

    @property
    def flight_at(self) -> datetime | None:
        """The departure as an aware Korea-time moment, when the time is known."""
        if self.flight_time is None:
            return None
        return datetime.combine(self.flight_day, self.flight_time, tzinfo=ZoneInfo(KOREA_ZONE))

    @property
    def airport_by(self) -> datetime | None:
        """When to be at the airport immigration office at the latest (Korea time)."""
        flight_at = self.flight_at
        return None if flight_at is None else flight_at - timedelta(hours=self.rules.airport_hours)

    def window_state(self, today: date) -> WindowState:
        if today > self.closes or self.opens > self.closes:
            return WindowState.CLOSED
        if today < self.opens:
            return WindowState.NOT_YET
        return WindowState.OPEN

    def has_passed(self, now: float) -> bool:
        """The flight is over: its time has passed, or (time unknown) its day has."""
        flight_at = self.flight_at
        if flight_at is not None:
            return flight_at.timestamp() <= now
        return self.flight_day < korea_today(now)


def plan_departure(
    flight_day: date,
    flight_time: time | None,
    rules: ProcedureRules,
    is_holiday: HolidayCheck = is_korean_public_holiday,
) -> DeparturePlan:
    closes, skipped = last_report_day(flight_day, rules.report_min_days, is_holiday)
    return DeparturePlan(
        flight_day=flight_day,
        flight_time=flight_time,
        opens=flight_day - timedelta(days=rules.report_max_days),
        closes=closes,
        skipped_holidays=skipped,
        rules=rules,
    )


def korea_today(now: float) -> date:
    """The calendar day in Korea at `now` (Unix seconds): flights, reports and programme
    windows are all Korean dates, whatever the reader's own time zone."""
    return to_local(now, KOREA_ZONE).date()


def latest_flight_day(today: date) -> date:
    return today + timedelta(days=MAX_DAYS_AHEAD)


def check_flight_day(day: date, today: date) -> date:
    """A flight date must not be past and at most a year ahead (Korea's `today`)."""
    if day < today:
        raise InputError(InputProblem.DATE_PAST)
    if day > latest_flight_day(today):
        raise InputError(InputProblem.DATE_TOO_FAR)
    return day


def check_flight_time(day: date, at: time, now: float) -> time:
    """The flight moment (Korea time) must still be ahead."""
    if local_to_utc(day, at, KOREA_ZONE) <= now:
        raise InputError(InputProblem.TIME_PAST)
    return at


# -- reminders ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """A reminder the plan wants: its kind, when it is due (Unix seconds), and the latest
    moment it is still useful (quiet hours may move it, but not past that)."""

    kind: str
    due_at: int
    urgent: bool = False  # the plan's reminders never are: quiet hours apply to all of them
    latest: int | None = None


def _korea_moment(day: date, at: time) -> int:
    return local_to_utc(day, at, KOREA_ZONE)


def flight_day_reminder_time(plan: DeparturePlan) -> tuple[int, bool]:
    """(due_at, evening_before) for the flight-day message; see LATEST_MORNING_AIRPORT_TIME."""
    airport_by = plan.airport_by
    if (
        airport_by is not None
        and airport_by.date() == plan.flight_day
        and airport_by.time() >= LATEST_MORNING_AIRPORT_TIME
    ):
        return _korea_moment(plan.flight_day, FLIGHT_DAY_MORNING), False
    return _korea_moment(plan.flight_day - timedelta(days=1), EVENING_BEFORE), True


def month_before(day: date) -> date:
    """The same day a calendar month earlier (the month's last day when it has no such day):
    when the return cost insurance's Departure Schedule Confirmation is due (facts §9.1)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def planned_reminders(
    plan: DeparturePlan,
    done: Collection[str],
    all_items: Collection[str],
    now: float,
    track: Track = Track.IRREGULAR,
) -> list[PlannedReminder]:
    """What to remind of, given what is already ticked; only moments still ahead of `now`.

    The legal track has no report, so no report reminders; instead, unless the insurance item
    is ticked, 09:00 a month before the flight about the return cost insurance's Departure
    Schedule Confirmation (only when that moment is still ahead).

    * window opens: 09:00 on the first reporting day, unless the report is ticked;
    * report deadline: 09:00 the day before the last reporting day (the last day itself when
      that has passed), unless the report is ticked;
    * open items: 09:00 two days before the flight, unless every item is ticked;
    * flight day: the airport time (see `flight_day_reminder_time`), always. Quiet hours in the
      reader's zone move it like the others, but never past the time to be at the airport:
      then it comes the evening before instead (`plan_fire_time`'s `latest`).
    """
    wanted: list[PlannedReminder] = []
    report_open = track is Track.IRREGULAR and REPORT_ITEM not in done
    state_today = korea_today(now)
    if report_open and plan.window_state(state_today) is not WindowState.CLOSED:
        opens_at = _korea_moment(plan.opens, MORNING)
        if opens_at > now:
            wanted.append(PlannedReminder(KIND_WINDOW_OPENS, opens_at))
        for day in (max(plan.closes - timedelta(days=1), plan.opens), plan.closes):
            deadline_at = _korea_moment(day, MORNING)
            if deadline_at > now:
                if deadline_at != opens_at:
                    wanted.append(PlannedReminder(KIND_REPORT_DEADLINE, deadline_at))
                break
    if track is Track.LEGAL and INSURANCE_ITEM not in done:
        insurance_at = _korea_moment(month_before(plan.flight_day), MORNING)
        if insurance_at > now:
            wanted.append(PlannedReminder(KIND_RETURN_INSURANCE, insurance_at))
    if any(item not in done for item in all_items):
        items_at = _korea_moment(plan.flight_day - timedelta(days=OPEN_ITEMS_DAYS_BEFORE), MORNING)
        if items_at > now:
            wanted.append(PlannedReminder(KIND_OPEN_ITEMS, items_at))
    flight_at, _evening = flight_day_reminder_time(plan)
    if flight_at > now:
        airport_by = plan.airport_by
        latest = int(airport_by.timestamp()) if airport_by else None
        wanted.append(PlannedReminder(KIND_FLIGHT_DAY, flight_at, latest=latest))
    return wanted
