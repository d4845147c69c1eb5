"""Announcements when Telegram or the process misbehave: 429 storms, users who blocked the bot,
network errors, personal reminders during a long announcement, and kill -9 mid-announcement."""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage

from bot.announcements.model import Counts, RecipientStatus, Status
from bot.clock import ManualClock
from bot.offline.fakeapi import FakeTelegramSession
from bot.reminders.sender import SendOutcome, TelegramSender
from storage.announcements import INTERRUPTED
from storage.db import Database
from storage.reminders import NewReminder, ReminderRepository
from storage.users import UserRepository
from tests.announce_helpers import (
    STAFF_ID,
    ClockSleep,
    add_user,
    deliveries,
    draft,
    make_engine,
    make_sender,
    text_version,
)

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "tests" / "announce_worker.py"


@pytest.fixture
def users(db: Database) -> UserRepository:
    return UserRepository(db)


async def seed(users: UserRepository, count: int, now: int) -> None:
    for user_id in range(1, count + 1):
        await add_user(users, user_id, now=now)


async def test_429_storm_holds_every_send_then_delivers_each_once(
    db: Database, users: UserRepository, bot: Bot, session: FakeTelegramSession, clock
) -> None:
    await seed(users, 20, int(clock.now()))
    engine = make_engine(db, clock)
    sender = make_sender(bot, clock)
    await engine.start(sender, run_timer=False)
    created = await engine.create(draft(), by=STAFF_ID)
    session.fail("sendMessage", 429, retry_after=4, times=3)
    start = clock.now()
    assert await engine.run_due() == 20
    assert clock.now() - start >= 12  # three global holds of 4 s, then the pace
    assert all(len(texts) == 1 for texts in deliveries(session).values())
    assert len(deliveries(session)) == 20
    done = await engine.get(created.id)
    assert done is not None and done.counts == Counts(total=20, sent=20)


async def test_a_429_holds_personal_sends_too(
    bot: Bot, session: FakeTelegramSession, clock: ManualClock
) -> None:
    """The limit is global: after an announcement's 429 a reminder waits out the same hold."""
    sender = make_sender(bot, clock)
    session.fail("sendMessage", 429, retry_after=5)
    start = clock.now()
    first = await sender.send_version(1, text_version("ru", "bulk"))
    personal = await sender.send_message(2, "reminder")
    assert first.outcome is personal.outcome is SendOutcome.SENT
    assert clock.now() - start >= 5


async def test_endless_429_records_failed_not_sent(
    db: Database, users: UserRepository, bot: Bot, session: FakeTelegramSession, clock
) -> None:
    await seed(users, 3, int(clock.now()))
    engine = make_engine(db, clock)
    await engine.start(make_sender(bot, clock), run_timer=False)
    created = await engine.create(draft(), by=STAFF_ID)
    session.fail("sendMessage", 429, retry_after=1, chat_id=2, times=100)
    await engine.run_due()
    assert await engine.repo.recipient_status(created.id, 2) is RecipientStatus.FAILED
    done = await engine.get(created.id)
    assert done is not None and done.counts == Counts(total=3, sent=2, failed=1)


async def test_403_marks_the_user_blocked_cancels_their_reminders_and_is_counted(
    db: Database, users: UserRepository, bot: Bot, session: FakeTelegramSession, clock
) -> None:
    now = int(clock.now())
    await seed(users, 5, now)
    reminders = ReminderRepository(db)
    await reminders.create(
        NewReminder(3, "custom", {"text": "x"}, now + 3600, now + 3600, True), now=now
    )
    unreachable: list[int] = []

    async def on_unreachable(user_id: int) -> None:
        unreachable.append(user_id)
        await reminders.cancel_all_for_user(user_id)

    engine = make_engine(db, clock, on_unreachable=on_unreachable)
    await engine.start(make_sender(bot, clock), run_timer=False)
    created = await engine.create(draft(), by=STAFF_ID)
    session.fail("sendMessage", 403, chat_id=3)
    session.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=4)
    assert await engine.run_due() == 5

    done = await engine.get(created.id)
    assert done is not None and done.status is Status.DONE
    assert done.counts == Counts(total=5, sent=3, blocked=2)
    assert unreachable == [3, 4]
    for user_id in (3, 4):
        # Read as the engine wrote it: its own repository (one per process in production)
        # keeps the record it wrote; this test's `users` is a second one, with older copies.
        record = await UserRepository(db).get(user_id)
        assert record is not None and record.blocked_at is not None
    assert await reminders.count_pending_for_user(3) == 0
    # The next announcement leaves them out.
    assert (await engine.create(draft(), by=STAFF_ID)).counts.total == 3


async def test_network_errors_are_retried_or_recorded_failed(
    db: Database, users: UserRepository, bot: Bot, session: FakeTelegramSession, clock
) -> None:
    await seed(users, 4, int(clock.now()))
    engine = make_engine(db, clock)
    sleep = ClockSleep(clock)
    sender = make_sender(bot, clock)
    sender._sleep = sleep  # watch the backoff
    await engine.start(sender, run_timer=False)
    created = await engine.create(draft(), by=STAFF_ID)
    session.fail("sendMessage", 0, chat_id=1, times=2)  # recovers on the third try
    session.fail("sendMessage", 500, chat_id=2)  # a 5xx, once
    session.fail("sendMessage", 0, chat_id=3, times=50)  # never recovers
    assert await engine.run_due() == 4
    assert await engine.repo.recipient_status(created.id, 1) is RecipientStatus.SENT
    assert await engine.repo.recipient_status(created.id, 2) is RecipientStatus.SENT
    assert await engine.repo.recipient_status(created.id, 3) is RecipientStatus.FAILED
    done = await engine.get(created.id)
    assert done is not None and done.counts == Counts(total=4, sent=3, failed=1)
    assert [s for s in sleep.sleeps if s >= 1][:2] == [1, 2]
    assert all(len(texts) == 1 for texts in deliveries(session).values())


async def test_a_personal_reminder_takes_the_next_slot_ahead_of_queued_bulk_sends(
    bot: Bot, session: FakeTelegramSession, clock: ManualClock
) -> None:
    """Real time here: the releaser must actually wait between slots for the test to mean
    anything."""
    sender = TelegramSender(bot, per_second=200)
    bulk = [
        asyncio.create_task(sender.send_version(100 + n, text_version("ru", "bulk")))
        for n in range(30)
    ]
    await asyncio.sleep(0)  # every bulk send is queued now (one or two went straight through)
    personal_lane, bulk_lane = sender.pace.waiting
    assert personal_lane == 0 and bulk_lane >= 20  # a real queue of bulk sends
    already = len(session.calls_of(SendMessage))  # on a slow machine a slot or two passed
    personal = asyncio.create_task(sender.send_message(7, "your flight is tomorrow"))
    await asyncio.gather(*bulk, personal)
    order = [int(call.chat_id) for call in session.calls_of(SendMessage)]
    # The next slot after it was queued (or the one after, if a slot was being taken just
    # then): ahead of every bulk send still waiting, not 31st.
    assert order.index(7) <= already + 1, order


async def test_interrupted_sends_are_closed_as_failed_and_the_rest_resumes(
    db: Database, users: UserRepository, bot: Bot, session: FakeTelegramSession, clock
) -> None:
    await seed(users, 6, int(clock.now()))
    engine = make_engine(db, clock)
    created = await engine.create(draft(), by=STAFF_ID)
    # A crash right after claiming two: they stay in 'sending'.
    claimed = await engine.repo.claim(created.id, now=int(clock.now()), limit=2)
    assert len(claimed) == 2

    restarted = make_engine(db, clock)
    await restarted.start(make_sender(bot, clock), run_timer=False)
    assert await restarted.run_due() == 4
    done = await restarted.get(created.id)
    assert done is not None and done.status is Status.DONE
    assert done.counts == Counts(total=6, sent=4, failed=2)
    for row in claimed:
        assert row.user_id not in deliveries(session)
    errors = await db.fetch_all("SELECT error FROM announcement_recipients WHERE status = 'failed'")
    assert {row[0] for row in errors} == {INTERRUPTED}


# -- kill -9 ------------------------------------------------------------------------------------

RECIPIENTS = 400
KILLS = 4
SLOTS = 4


def start_worker(db_path: Path, log_path: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and helper script
        [sys.executable, str(WORKER), str(db_path), str(log_path), "--slots", str(SLOTS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the engine has recovered and started
    assert line.strip() == "ready", process.stderr.read() if process.stderr else line
    return process


def recipient_counts(db_path: Path) -> Counter[str]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT status, COUNT(*) FROM announcement_recipients GROUP BY status")
        return Counter(dict(rows))


@pytest.fixture
async def seeded(tmp_path: Path) -> Path:
    db_path = tmp_path / "announce-crash.sqlite3"
    db = await Database.open(db_path)
    now = int(time.time())
    await db.execute_many(
        "INSERT INTO users (id, language, audience, created_at, last_seen_at)"
        " VALUES (?, 'ru', 'worker', ?, ?)",
        [(user_id, now, now) for user_id in range(1, RECIPIENTS + 1)],
    )
    engine = make_engine(db, ManualClock(now))
    created = await engine.create(draft(urgent=True), by=STAFF_ID)
    assert created.status is Status.RUNNING and created.counts.total == RECIPIENTS
    await db.close()
    return db_path


def test_kill_nine_never_repeats_an_announcement(seeded: Path, tmp_path: Path) -> None:
    log_path = tmp_path / "delivered.log"
    rng = random.Random(20261121)
    for _ in range(KILLS):
        worker = start_worker(seeded, log_path)
        time.sleep(rng.uniform(0.05, 0.2))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

    final = start_worker(seeded, log_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            counts = recipient_counts(seeded)
            if not counts.get("pending") and not counts.get("sending"):
                break
            time.sleep(0.1)
    finally:
        final.send_signal(signal.SIGTERM)
        final.wait(timeout=10)

    delivered = Counter(int(line) for line in log_path.read_text(encoding="utf-8").split())
    repeated = {chat: n for chat, n in delivered.items() if n > 1}
    assert not repeated, f"delivered more than once: {repeated}"

    with sqlite3.connect(seeded) as conn:
        rows = conn.execute("SELECT user_id, status, error FROM announcement_recipients").fetchall()
        status = conn.execute("SELECT status, n_sent, n_failed FROM announcements").fetchone()
    final_counts = Counter(row[1] for row in rows)
    assert set(final_counts) <= {"sent", "failed"}, final_counts
    assert final_counts["sent"] + final_counts["failed"] == RECIPIENTS
    failed = [row for row in rows if row[1] == "failed"]
    assert all(error == INTERRUPTED for _, _, error in failed)
    assert len(failed) <= KILLS * SLOTS  # at most the sends in flight at each kill
    for user_id, row_status, _ in rows:
        if row_status == "sent":
            assert delivered[user_id] == 1, user_id  # recorded as sent: seen exactly once
    assert status == ("done", final_counts["sent"], final_counts["failed"])
