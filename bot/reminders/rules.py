"""Reminder planning rules: pure functions, no Telegram, no database.

Times are Unix seconds (UTC) everywhere inside; local wall-clock time exists only at the edges
(what the user typed, what the user reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUIET_START = time(22, 0)
QUIET_END = time(8, 0)
MAX_HORIZON_DAYS = 730  # two years: covers a contract term, keeps typos like 2062 out
MAX_TEXT_LENGTH = 200
MAX_PENDING_PER_USER = 30


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: time = QUIET_START
    end: time = QUIET_END

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # spans midnight


def local_to_utc(day: date, at: time, zone: str) -> int:
    """The instant a wall clock in `zone` shows `day` `at`.

    A wall time that does not exist (a DST gap) is moved forward by the gap, as people do; an
    ambiguous one (DST overlap) takes the first occurrence. Seoul and Kazakhstan have no DST
    today, but zones are data, and users abroad may pick others later.
    """
    # PEP 495 with fold=0 does exactly that: a gap time is read with the offset before the
    # gap (so 02:30 becomes 03:30), an overlap time as its first occurrence.
    first = datetime.combine(day, at).replace(tzinfo=ZoneInfo(zone), fold=0)
    return int(first.astimezone(UTC).timestamp())


# A reminder that cannot wait for the morning comes this long before the reader's quiet hours.
EVENING_MARGIN = timedelta(hours=1)


def plan_fire_time(
    due_at: int,
    zone: str,
    *,
    urgent: bool,
    quiet: QuietHours | None = None,
    latest: int | None = None,
) -> int:
    """When to actually send a reminder due at `due_at` to a reader living in `zone`.

    `urgent` is for a time the person typed themselves: sent then, night or not. Everything
    the bot plans respects quiet hours in the reader's own zone: moved to the morning, or, when
    the morning would be later than `latest` (the airport time for a flight-day reminder), to
    the evening before the quiet hours began. A family member in Kazakhstan, four hours behind
    Korea, is then not woken at 04:00 by a reminder planned for 08:00 Korea time.
    """
    if urgent:
        return due_at
    quiet = quiet or QuietHours()
    tz = ZoneInfo(zone)
    local = datetime.fromtimestamp(due_at, tz=UTC).astimezone(tz)
    if not quiet.contains(local.time()):
        return due_at
    morning_day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    morning = local_to_utc(morning_day, quiet.end, zone)
    if latest is None or morning <= latest:
        return morning
    # The quiet period that holds `due_at` began on the evening before its morning.
    began_day = morning_day - timedelta(days=1) if quiet.start > quiet.end else morning_day
    evening = datetime.combine(began_day, quiet.start) - EVENING_MARGIN
    return local_to_utc(evening.date(), evening.time(), zone)


def horizon_end(today: date) -> date:
    return today + timedelta(days=MAX_HORIZON_DAYS)
