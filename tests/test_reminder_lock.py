"""A locked database never loses a reminder and never sends one twice.

Another process's writer (a second bot during a deploy, a manual `sqlite3` session, a restore)
is played by a real second sqlite3 connection holding `BEGIN IMMEDIATE` on the same file past
the bot's busy_timeout. The bot's claim (or finish) then fails with "database is locked"; the
reminder must be tried again once the lock is gone, and claim stays the at-most-once gate.
busy_timeout is shortened for these tests so that they take seconds, not minutes; the retry
delays are the production ones.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod

import storage.db
from bot.app import build_bot, build_dispatcher
from bot.clock import ManualClock, SystemClock
from bot.config import Settings
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession
from bot.reminders.engine import RETRY_CAP_S, RETRY_FIRST_S, retry_delay
from bot.reminders.sender import TelegramSender
from storage.db import Database
from storage.reminders import NewReminder, ReminderStatus
from tests.conftest import START

BUSY_TIMEOUT_MS = 300
USERS = 10
REMINDERS = 30


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)


class WriteLock:
    """A second connection to the same file that takes SQLite's write lock and holds it."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)
        self.held = False

    def take(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self._conn.execute("ROLLBACK")
            self.held = False

    def close(self) -> None:
        self.release()
        self._conn.close()


@contextmanager
def second_connection(path: Path) -> Iterator[WriteLock]:
    lock = WriteLock(path)
    try:
        yield lock
    finally:
        lock.close()


def statuses(path: Path) -> Counter[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT status, COUNT(*) FROM reminders GROUP BY status").fetchall()
    conn.close()
    return Counter(dict(rows))


def texts_sent(session: FakeTelegramSession) -> Counter[str]:
    return Counter(call.text.rsplit("\n", 1)[-1] for call in session.calls_of(SendMessage))


def reminder(user_id: int, at: float, text: str) -> NewReminder:
    return NewReminder(
        user_id=user_id,
        kind="custom",
        payload={"text": text},
        due_at=int(at),
        fire_at=int(at),
        urgent=True,
    )


async def wait_for(condition: Callable[[], bool], limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit_s:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)


def test_backoff_is_bounded_and_never_zero() -> None:
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [RETRY_FIRST_S, 2 * RETRY_FIRST_S, 4 * RETRY_FIRST_S, 8 * RETRY_FIRST_S]
    assert all(RETRY_FIRST_S <= d <= RETRY_CAP_S for d in delays)
    assert delays == sorted(delays) and delays[-1] == RETRY_CAP_S


async def test_a_locked_claim_rearms_and_the_reminder_is_sent_once_later(
    short_busy_timeout: None, settings: Settings, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Controlled clock: the failed claim puts the reminder back in the timer, a little later."""
    db = await Database.open(db_path)
    clock = ManualClock(START)
    session = FakeTelegramSession(clock=clock.now)
    bot = build_bot(FAKE_TOKEN, session=session)
    app = build_dispatcher(settings, db, clock=clock, run_timer=False)
    await app.users.register(501, now=int(START))
    sender = TelegramSender(bot, clock=clock.now)
    await app.reminders.start(bot, run_timer=False, sender=sender)
    engine = app.reminders
    try:
        due = await engine.schedule(reminder(501, START + 60, "Flight"))
        clock.advance(60)
        with second_connection(db_path) as other, caplog.at_level(logging.WARNING):
            other.take()
            assert await engine.run_due() == 1  # fired, could not claim
            assert (await engine.repo.get(due.id)).status is ReminderStatus.PENDING
            assert engine.store.get_next_run_time().timestamp() == START + 60 + RETRY_FIRST_S
            assert "cannot claim" in caplog.text
            clock.advance(RETRY_FIRST_S)
            assert await engine.run_due() == 1  # still locked: armed again, further away
            assert engine.store.get_next_run_time().timestamp() == clock.now() + 2 * RETRY_FIRST_S
            assert texts_sent(session) == Counter()
        clock.advance(2 * RETRY_FIRST_S)
        assert await engine.run_due() == 1
        assert texts_sent(session) == Counter({"Flight": 1})
        stored = await engine.repo.get(due.id)
        assert stored.status is ReminderStatus.SENT and stored.attempts == 1
        clock.advance(3600)
        assert await engine.run_due() == 0
        assert texts_sent(session) == Counter({"Flight": 1})
    finally:
        await engine.shutdown()
        await db.close()


class SlowSession(FakeTelegramSession):
    """Calls `on_send` when the first message goes out: the lock arrives mid-delivery."""

    def __init__(self, on_first_send: Callable[[], None]) -> None:
        super().__init__()
        self._on_first_send: Callable[[], None] | None = on_first_send

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> Any:
        if isinstance(method, SendMessage) and self._on_first_send is not None:
            hook, self._on_first_send = self._on_first_send, None
            hook()
        return await super().make_request(bot, method, timeout)


async def run_with_lock(
    db_path: Path,
    settings: Settings,
    *,
    lock_at_first_send: bool,
    hold_s: float,
) -> tuple[Counter[str], Counter[str], float]:
    """The production timer (APScheduler, wall clock) delivers REMINDERS reminders due in a
    second or two while a second connection holds the write lock for `hold_s`; returns the
    texts sent, the final statuses and how long the lock was held."""
    db = await Database.open(db_path)
    held: dict[str, float] = {}
    other = WriteLock(db_path)
    loop = asyncio.get_running_loop()

    def take() -> None:
        other.take()
        held["from"] = time.monotonic()

        def release() -> None:
            held["to"] = time.monotonic()
            held["sent_while_held"] = sum(texts_sent(session).values())
            other.release()

        loop.call_later(hold_s, release)

    session = SlowSession(take if lock_at_first_send else lambda: None)
    bot = build_bot(FAKE_TOKEN, session=session)
    app = build_dispatcher(settings, db, clock=SystemClock(), run_timer=True)
    now = time.time()
    for user_id in range(1, USERS + 1):
        await app.users.register(user_id, now=int(now))
    await app.reminders.start(bot)
    try:
        due = int(time.time()) + 2  # at least a second ahead
        for n in range(REMINDERS):
            await app.reminders.schedule(reminder(1 + n % USERS, due, f"R{n}"))
        if not lock_at_first_send:
            assert time.time() < due
            take()  # held before anything falls due, and until well after
        await wait_for(lambda: "to" in held, hold_s + 10, "the lock to be released")
        await wait_for(
            lambda: statuses(db_path).get("sent", 0) == REMINDERS,
            60,
            f"{REMINDERS} reminders sent after the lock was released",
        )
        await asyncio.sleep(0.2)
        assert len(app.reminders.store) == 0  # nothing left armed to fire again
    finally:
        await app.reminders.shutdown()
        other.close()
        await db.close()
    if not lock_at_first_send:
        assert held["sent_while_held"] == 0  # claims failed; nothing went out under the lock
    return texts_sent(session), statuses(db_path), held["to"] - held["from"]


async def test_lock_held_as_reminders_fall_due_loses_none_and_repeats_none(
    short_busy_timeout: None, settings: Settings, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hold_s = 4 * BUSY_TIMEOUT_MS / 1000 + 1.5
    with caplog.at_level(logging.WARNING, logger="bot.reminders.engine"):
        sent, final, held_s = await run_with_lock(
            db_path, settings, lock_at_first_send=False, hold_s=hold_s
        )
    assert held_s > BUSY_TIMEOUT_MS / 1000
    assert "cannot claim" in caplog.text  # the lock really got in the way
    assert sent == Counter({f"R{n}": 1 for n in range(REMINDERS)})
    assert final == Counter({"sent": REMINDERS})


async def test_lock_taken_mid_delivery_records_the_outcome_once_released(
    short_busy_timeout: None, settings: Settings, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The lock arrives while the first messages are on the wire: their `finish` waits it out
    (never "interrupted", never re-sent), and the claims behind them are re-armed."""
    hold_s = 4 * BUSY_TIMEOUT_MS / 1000 + 1.5
    with caplog.at_level(logging.WARNING, logger="bot.reminders.engine"):
        sent, final, _ = await run_with_lock(
            db_path, settings, lock_at_first_send=True, hold_s=hold_s
        )
    assert "cannot record sent" in caplog.text
    assert sent == Counter({f"R{n}": 1 for n in range(REMINDERS)})
    assert final == Counter({"sent": REMINDERS})
