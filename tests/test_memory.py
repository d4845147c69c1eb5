"""Bounded memory (issue 16): the caches follow ACTIVE_USERS_CACHE, the flood-limit buckets of
idle people are forgotten one by one (never by walking all of them), and the memory report says
when the caches are too small."""

from __future__ import annotations

from dataclasses import replace

from bot.app import build_dispatcher
from bot.clock import ManualClock
from bot.config import Settings
from bot.ops.memory import MemoryReport, rss_mb
from bot.telegram.throttling import IDLE_FORGET_S, ThrottlingMiddleware
from storage.db import Database


class Clock:
    def __init__(self) -> None:
        self.t = 1_790_000_000.0

    def now(self) -> float:
        return self.t


def test_idle_buckets_are_forgotten_and_active_ones_kept() -> None:
    clock = Clock()
    throttle = ThrottlingMiddleware(clock, rate=1.0, burst=3)  # type: ignore[arg-type]
    for user_id in range(1, 10_001):
        throttle.allow(user_id)
    assert throttle.tracked == 10_000
    clock.t += IDLE_FORGET_S - 1
    throttle.allow(5)  # still active: moves to the back of the line
    clock.t += 2
    throttle.allow(10_001)  # one update: every idle bucket before the active ones goes
    assert throttle.tracked == 2
    clock.t += 1
    assert throttle.allow(5) == (True, False)


def test_a_forgotten_bucket_is_full_again_and_a_flood_is_still_refused() -> None:
    clock = Clock()
    throttle = ThrottlingMiddleware(clock, rate=1.0, burst=3)  # type: ignore[arg-type]
    assert [throttle.allow(7)[0] for _ in range(4)] == [True, True, True, False]
    assert throttle.allow(7) == (False, False)  # one notice per flood
    clock.t += IDLE_FORGET_S + 1
    assert [throttle.allow(7)[0] for _ in range(4)] == [True, True, True, False]


def test_the_report_names_the_setting_when_the_caches_are_full() -> None:
    roomy = MemoryReport(180.0, (10, 100), (8, 100), 3)
    assert "ACTIVE_USERS_CACHE" not in roomy.line()
    assert "people cached 10 of 100" in roomy.line()
    full = MemoryReport(180.0, (100, 100), (40, 100), 3)
    assert full.full and "raise ACTIVE_USERS_CACHE" in full.line()
    assert 10 < rss_mb() < 4096


async def test_the_caches_follow_the_setting(
    settings: Settings, db: Database, clock: ManualClock
) -> None:
    app = build_dispatcher(
        replace(settings, active_users_cache=150), db, clock=clock, run_timer=False
    )
    assert app.memory.report().people == (0, 150)
    assert app.memory.report().dialogues == (0, 150)
    for user_id in range(1, 201):
        await app.users.register(user_id, now=int(clock.now()))
        assert await app.users.get(user_id) is not None
    report = app.memory.report()
    assert report.people == (150, 150) and report.full
    assert await app.users.get(1) is not None  # evicted, read again from SQLite
