"""Planning rules: wall-clock to UTC, and quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.reminders.rules import QuietHours, local_to_utc, plan_fire_time


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_wall_clock_in_each_zone() -> None:
    assert local_to_utc(date(2026, 12, 25), time(9, 0), "Asia/Seoul") == utc(2026, 12, 25, 0, 0)
    assert local_to_utc(date(2026, 12, 25), time(9, 0), "Asia/Almaty") == utc(2026, 12, 25, 4, 0)


def test_nonexistent_wall_time_moves_forward() -> None:
    # 02:30 on 29 Mar 2026 does not exist in Berlin (clocks jump 02:00 -> 03:00).
    assert local_to_utc(date(2026, 3, 29), time(2, 30), "Europe/Berlin") == utc(2026, 3, 29, 1, 30)


def test_urgent_reminders_ignore_quiet_hours() -> None:
    late = utc(2026, 12, 25, 14, 0)  # 23:00 in Seoul
    assert plan_fire_time(late, "Asia/Seoul", urgent=True) == late


def test_late_evening_moves_to_next_morning() -> None:
    late = utc(2026, 12, 25, 14, 0)  # 23:00 Seoul
    assert plan_fire_time(late, "Asia/Seoul", urgent=False) == utc(2026, 12, 25, 23, 0)  # 08:00


def test_early_morning_moves_to_the_same_morning() -> None:
    early = utc(2026, 12, 24, 20, 30)  # 05:30 Seoul on the 25th
    assert plan_fire_time(early, "Asia/Seoul", urgent=False) == utc(2026, 12, 24, 23, 0)


def test_daytime_is_untouched_and_edges_are_exact() -> None:
    noon = utc(2026, 12, 25, 3, 0)  # 12:00 Seoul
    assert plan_fire_time(noon, "Asia/Seoul", urgent=False) == noon
    eight = utc(2026, 12, 24, 23, 0)  # 08:00 Seoul: quiet hours are over
    assert plan_fire_time(eight, "Asia/Seoul", urgent=False) == eight
    ten_pm = utc(2026, 12, 25, 13, 0)  # 22:00 Seoul: quiet hours begin
    assert plan_fire_time(ten_pm, "Asia/Seoul", urgent=False) == utc(2026, 12, 25, 23, 0)


def test_quiet_hours_follow_the_zone() -> None:
    moment = utc(2026, 12, 25, 14, 0)  # 23:00 in Seoul but 19:00 in Almaty
    assert plan_fire_time(moment, "Asia/Almaty", urgent=False) == moment


def test_quiet_hours_within_one_day() -> None:
    siesta = QuietHours(start=time(13, 0), end=time(15, 0))
    assert siesta.contains(time(14, 0)) and not siesta.contains(time(15, 0))


def test_a_reminder_that_cannot_wait_for_the_morning_comes_the_evening_before() -> None:
    # Due 08:00 Seoul = 04:00 Almaty (quiet). The morning there, 08:00 Almaty = 12:00 Seoul,
    # would be after the airport time (11:00 Seoul): it comes at 21:00 Almaty the evening before.
    due = utc(2026, 12, 11, 23, 0)
    airport = utc(2026, 12, 12, 2, 0)
    assert plan_fire_time(due, "Asia/Almaty", urgent=False, latest=airport) == utc(
        2026, 12, 11, 16, 0
    )
    # With time to spare, the morning is better than the evening before.
    late_airport = utc(2026, 12, 12, 5, 0)  # 14:00 Seoul
    assert plan_fire_time(due, "Asia/Almaty", urgent=False, latest=late_airport) == utc(
        2026, 12, 12, 3, 0
    )
    # Outside the reader's night, nothing moves.
    assert plan_fire_time(due, "Asia/Seoul", urgent=False, latest=airport) == due
