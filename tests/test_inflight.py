"""Sends in flight follow the Bot API's round trip (issue 16): the one `TelegramSender` measures
each call, and the reminders engine and the announcement runner keep as many sends going as the
pace needs at that round trip (a fixed 4 gave 13 msg/s instead of 20 at 300 ms).

Round-trip arithmetic runs on a manual clock that each fake call moves (exact, no waiting);
concurrency runs in real time against the fake Bot API with a latency, at a raised pace so each
test takes well under a second. Nothing here asserts a duration: only what the fake observed
(calls at once) and the sender's own target, plus the pace as an upper bound.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod

from bot.announcements.delivery import AnnouncementEngine
from bot.app import build_bot, build_dispatcher
from bot.clock import ManualClock
from bot.config import Settings
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession
from bot.reminders.rules import QuietHours
from bot.reminders.sender import (
    MAX_IN_FLIGHT,
    MIN_IN_FLIGHT,
    InFlightLimiter,
    RoundTrip,
    SendOutcome,
    TelegramSender,
)
from storage.announcements import AnnouncementRepository
from storage.db import Database
from storage.reminders import NewReminder
from storage.users import UserRepository
from tests.announce_helpers import STAFF_ID, ClockSleep, draft


@dataclass
class SteppingSession(FakeTelegramSession):
    """Each call takes `rtt` seconds of the manual clock, and no real time."""

    rtt: float = 0.0
    manual: ManualClock | None = None

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        assert self.manual is not None
        self.manual.advance(self.rtt)
        return await super().make_request(bot, method, timeout)


@dataclass
class CountingSession(FakeTelegramSession):
    """The fake Bot API with real latency, counting the calls under way at once and noting when
    each message arrived (monotonic) and the sender's target at that moment."""

    now_in_flight: int = 0
    peak: int = 0
    arrivals: list[float] = field(default_factory=list)
    targets: list[int] = field(default_factory=list)
    sender: TelegramSender | None = None

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        self.now_in_flight += 1
        self.peak = max(self.peak, self.now_in_flight)
        if isinstance(method, SendMessage):
            self.arrivals.append(time.monotonic())
        if self.sender is not None:
            self.targets.append(self.sender.in_flight_target())
        try:
            return await super().make_request(bot, method, timeout)
        finally:
            self.now_in_flight -= 1


def stepping_sender(
    clock: ManualClock, rtt: float, per_second: float = 25.0
) -> tuple[TelegramSender, SteppingSession]:
    session = SteppingSession(clock=clock.now, rtt=rtt, manual=clock)
    sender = TelegramSender(
        build_bot(FAKE_TOKEN, session=session),
        per_second=per_second,
        clock=clock.now,
        sleep=ClockSleep(clock),
    )
    return sender, session


def announcement_engine(db: Database, clock: ManualClock, slots: int | None) -> AnnouncementEngine:
    return AnnouncementEngine(
        AnnouncementRepository(db),
        UserRepository(db),
        clock,
        default_locale="kk",
        quiet_hours=QuietHours(),
        slots=slots,
    )


def rate(arrivals: list[float]) -> float:
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])


# -- the round trip and the target ------------------------------------------------------------


def test_round_trip_settles_on_a_steady_latency_and_follows_a_change() -> None:
    trip = RoundTrip()
    assert trip.estimate == 0.0
    trip.add(0.3)
    assert trip.estimate == pytest.approx(0.45)  # starts cautious: mean + half of it
    for _ in range(60):
        trip.add(0.3)
    assert trip.estimate == pytest.approx(0.3, abs=0.001)
    for _ in range(60):
        trip.add(0.05)
    assert trip.estimate == pytest.approx(0.05, abs=0.001)


def test_round_trip_with_jitter_plans_above_the_mean() -> None:
    trip = RoundTrip()
    for n in range(400):
        trip.add(0.03 + 0.27 * ((n * 37) % 100) / 99)  # 30-300 ms spread evenly
    assert trip.mean is not None and 0.12 < trip.mean < 0.21
    assert trip.mean + 0.03 < trip.estimate < 0.3


@pytest.mark.parametrize(
    ("rtt", "target"),
    [
        (0.0, MIN_IN_FLIGHT),  # instant answers: the floor
        (0.03, MIN_IN_FLIGHT),  # ceil(25 x 0.03 x 1.25) + 2 = 3, raised to the floor
        (0.1, 6),  # ceil(3.125) + 2
        (0.3, 12),  # ceil(9.375) + 2: what the pace needs at 300 ms round trips
        (1.0, 34),  # ceil(31.25) + 2
        (3.0, MAX_IN_FLIGHT),  # 96 wanted, capped: a kill -9 loses at most this many
    ],
)
async def test_in_flight_target_follows_the_measured_round_trip(
    clock: ManualClock, rtt: float, target: int
) -> None:
    sender, _ = stepping_sender(clock, rtt)
    assert sender.in_flight_target() == MIN_IN_FLIGHT  # nothing measured yet
    for n in range(60):
        assert (await sender.send_message(n + 1, "hi")).outcome is SendOutcome.SENT
    assert sender.round_trip.samples == 60
    assert sender.in_flight_target() == target


async def test_pace_waits_and_429_holds_are_not_round_trips(clock: ManualClock) -> None:
    sender, session = stepping_sender(clock, 0.1, per_second=1.0)  # a slot every second
    session.fail("sendMessage", 429, retry_after=5)
    started = clock.now()
    for n in range(5):
        assert (await sender.send_message(n + 1, "hi")).outcome is SendOutcome.SENT
    assert clock.now() - started > 9  # 5 s of 429 hold and 4 s of pace went by ...
    assert sender.round_trip.samples == 6  # ... the 429 answer is a round trip too ...
    assert sender.round_trip.mean == pytest.approx(0.1)  # ... but no wait is in one
    assert sender.in_flight_target() == MIN_IN_FLIGHT


async def test_network_failures_are_no_sample(clock: ManualClock) -> None:
    sender, session = stepping_sender(clock, 0.2)
    session.fail("sendMessage", 0, times=2)  # no answer: could be a 60 s timeout
    assert (await sender.send_message(1, "hi")).outcome is SendOutcome.SENT
    assert sender.round_trip.samples == 1
    assert sender.round_trip.mean == pytest.approx(0.2)
    assert sender.in_flight == 0


async def test_target_grows_with_a_real_round_trip() -> None:
    """Real time: 60 sends at once through one sender at 200/s, at 50 ms and then 200 ms."""
    targets = {}
    for latency in (0.05, 0.2):
        session = CountingSession(latency=latency, record_calls=False)
        sender = TelegramSender(build_bot(FAKE_TOKEN, session=session), per_second=200)
        results = await asyncio.gather(*(sender.send_message(n + 1, "hi") for n in range(60)))
        assert all(result.outcome is SendOutcome.SENT for result in results)
        assert sender.round_trip.mean is not None and sender.round_trip.mean >= latency
        targets[latency] = sender.in_flight_target()
        assert rate(session.arrivals) <= 200 * 1.05  # the pace is never exceeded
    # ceil(200 x 0.05 x 1.25) + 2 = 15 and ceil(200 x 0.2 x 1.25) + 2 = 52, plus event-loop lag
    assert 12 <= targets[0.05] < targets[0.2]
    assert targets[0.2] >= 45


# -- the limiter -----------------------------------------------------------------------------


async def test_limiter_reads_its_limit_each_time_and_serves_in_order() -> None:
    limit = 2
    limiter = InFlightLimiter(lambda: limit)
    gates = [asyncio.Event() for _ in range(6)]
    entered: list[int] = []
    peak = 0

    async def hold(n: int) -> None:
        nonlocal peak
        async with limiter:
            entered.append(n)
            peak = max(peak, limiter.busy)
            await gates[n].wait()

    tasks = [asyncio.create_task(hold(n)) for n in range(6)]
    await asyncio.sleep(0)
    assert entered == [0, 1] and limiter.busy == 2
    limit = 4  # the round trip grew: the next release lets the queue catch up
    gates[0].set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert entered == [0, 1, 2, 3, 4] and limiter.busy == 4
    limit = 1  # it shrank: nobody is interrupted, nobody new enters until below it
    tasks[5].cancel()  # a waiter given up on leaves no trace
    for n in (1, 2, 3):
        gates[n].set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert limiter.busy == 1
    gates[4].set()
    await asyncio.gather(*tasks[:5])
    assert entered == [0, 1, 2, 3, 4] and limiter.busy == 0 and peak == 4


# -- the engines ------------------------------------------------------------------------------


async def test_reminders_keep_more_in_flight_at_a_long_round_trip(
    tmp_path: Path, clock: ManualClock
) -> None:
    """120 reminders due at once, 100 ms round trips, pace 200/s: 4 in flight would allow only
    40/s; the engine keeps what the pace needs (about 20 in calls), never more than the target."""
    db = await Database.open(tmp_path / "inflight.sqlite3")
    try:
        session = CountingSession(clock=clock.now, latency=0.1, record_calls=False)
        bot = build_bot(FAKE_TOKEN, session=session)
        settings = Settings(bot_token=None, database_path=db.path, default_locale="en")
        # The manual clock stands still: only the reminders' own bookkeeping reads it.
        app = build_dispatcher(settings, db, clock=clock, run_timer=False)
        sender = TelegramSender(bot, per_second=200)  # real time: it measures real round trips
        session.sender = sender
        await app.start(bot, run_timer=False, sender=sender)
        users = UserRepository(db)
        now = int(clock.now())
        for user_id in range(1, 121):
            await users.register(user_id, now=now)
        await app.reminders.schedule_many(
            [NewReminder(n, "custom", {"text": f"R{n}"}, now, now, True) for n in range(1, 121)]
        )
        due = app.reminders.store.pop_due(clock.now())
        statuses = await asyncio.gather(*(app.reminders.deliver(rid) for rid, _ in due))
        assert [status.value for status in statuses if status] == ["sent"] * 120
        assert len(session.arrivals) == 120
        assert session.peak > MIN_IN_FLIGHT  # it followed the round trip up
        assert session.peak <= max(session.targets)  # and never past its target
        assert rate(session.arrivals) <= 200 * 1.05
    finally:
        await db.close()


async def test_announcement_claims_never_exceed_the_current_slot_count(
    db: Database, clock: ManualClock
) -> None:
    """The background runner, slots following the sender (no fixed `slots`): after every claim
    the rows in 'sending' (what a kill -9 would lose) are at most the slot count of that
    moment, and the slot count grew past 4 with 100 ms round trips."""
    session = CountingSession(clock=clock.now, latency=0.1, record_calls=False)
    bot = build_bot(FAKE_TOKEN, session=session)
    users = UserRepository(db)
    now = int(clock.now())
    for user_id in range(1, 151):
        await users.register(user_id, now=now)
        await users.set_language(user_id, "ru")
    engine = announcement_engine(db, clock, None)
    sender = TelegramSender(bot, per_second=200)
    session.sender = sender
    checks: list[tuple[int, int]] = []  # (rows in 'sending' after a claim, slots then)
    claim = engine.repo.claim

    async def watched_claim(*args: Any, **kwargs: Any) -> Any:
        slots = engine.slots
        batch = await claim(*args, **kwargs)
        row = await db.fetch_one(
            "SELECT COUNT(*) FROM announcement_recipients WHERE status = 'sending'"
        )
        checks.append((int(row[0]), slots))
        return batch

    engine.repo.claim = watched_claim  # type: ignore[method-assign]
    await engine.start(sender, run_timer=True)
    try:
        created = await engine.create(draft(urgent=True), by=STAFF_ID)
        assert created.counts.total == 150
        for _ in range(200):
            got = await engine.get(created.id)
            if got is not None and got.counts.sent == 150:
                break
            await asyncio.sleep(0.05)
    finally:
        await engine.shutdown()
    done = await engine.get(created.id)
    assert done is not None and done.counts.sent == 150
    assert len(session.arrivals) == 150
    assert checks and all(sending <= slots for sending, slots in checks), checks
    assert max(slots for _, slots in checks) > MIN_IN_FLIGHT
    assert session.peak > MIN_IN_FLIGHT
    assert rate(session.arrivals) <= 200 * 1.05


async def test_a_fixed_slot_count_stays_fixed(db: Database, clock: ManualClock) -> None:
    """A benchmark's explicit `slots` (96 for the ceiling run) is an override, whatever the
    round trip; without one the engine starts from the floor."""
    fixed = announcement_engine(db, clock, 96)
    adaptive = announcement_engine(db, clock, None)
    sender, _ = stepping_sender(clock, 1.0)
    for n in range(30):
        await sender.send_message(n + 1, "hi")
    assert adaptive.slots == MIN_IN_FLIGHT  # no sender yet
    await fixed.start(sender, run_timer=False)
    await adaptive.start(sender, run_timer=False)
    assert fixed.slots == 96
    assert adaptive.slots == sender.in_flight_target() == 34
