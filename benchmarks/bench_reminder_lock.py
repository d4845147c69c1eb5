"""Reminders under a held write lock: nothing lost, nothing twice (issue: "never lose a
reminder to a lock").

What is measured
    A fresh SQLite file with `--users` users and `--reminders` custom reminders due together two
    seconds after start. The real engine (APScheduler on the wall clock, `TelegramSender`, the
    in-process fake Bot API) runs with the production busy_timeout (5 s) and retry delays. Just
    before they fall due, a second sqlite3 connection to the same file runs `BEGIN IMMEDIATE`
    and holds the write lock for `--hold` seconds, then rolls back.

    Printed: messages sent while the lock was held, claims that failed ("cannot claim" warnings),
    how many reminders reached the fake API once / more than once / never, their final statuses,
    and the seconds from the release until no reminder is pending or sending.

    python benchmarks/bench_reminder_lock.py [--reminders 200] [--users 50] [--hold 12]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram.methods import SendMessage

from bot.app import build_bot, build_dispatcher
from bot.clock import SystemClock
from bot.config import Settings
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession
from storage.db import BUSY_TIMEOUT_MS, Database
from storage.reminders import NewReminder


class CountWarnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.claims = 0
        self.finishes = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.claims += "cannot claim" in message
        self.finishes += "cannot record" in message


def statuses(path: Path) -> Counter[str]:
    conn = sqlite3.connect(path)
    try:
        return Counter(dict(conn.execute("SELECT status, COUNT(*) FROM reminders GROUP BY status")))
    finally:
        conn.close()


async def run(path: Path, reminders: int, users: int, hold: float) -> None:
    counter = CountWarnings()
    logging.getLogger("bot.reminders.engine").addHandler(counter)
    db = await Database.open(path)
    session = FakeTelegramSession()
    bot = build_bot(FAKE_TOKEN, session=session)
    settings = Settings(bot_token=None, database_path=path)
    app = build_dispatcher(settings, db, clock=SystemClock(), run_timer=True)
    for user_id in range(1, users + 1):
        await app.users.register(user_id, now=int(time.time()))
    await app.reminders.start(bot)
    due = int(time.time()) + 2
    await app.reminders.repo.create_many(
        [
            NewReminder(1 + n % users, "custom", {"text": f"R{n}"}, due, due, True)
            for n in range(reminders)
        ],
        now=int(time.time()),
    )
    app.reminders.store.load(await app.reminders.repo.pending_schedule())
    app.reminders._wake()

    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    await asyncio.sleep(hold)
    sent_while_held = len(session.calls_of(SendMessage))
    other.execute("ROLLBACK")
    released = time.monotonic()
    other.close()

    deadline = released + 300
    while (now := statuses(path)).get("pending", 0) + now.get("sending", 0):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    settled = time.monotonic() - released
    await app.reminders.shutdown()
    await db.close()

    delivered = Counter(c.text.rsplit("\n", 1)[-1] for c in session.calls_of(SendMessage))
    once = sum(1 for n in range(reminders) if delivered[f"R{n}"] == 1)
    twice = sum(1 for n in range(reminders) if delivered[f"R{n}"] > 1)
    never = sum(1 for n in range(reminders) if delivered[f"R{n}"] == 0)
    print(f"reminders {reminders}, users {users}, busy_timeout {BUSY_TIMEOUT_MS} ms")
    print(f"write lock held by another connection for {hold:.1f} s from before they fell due")
    print(f"sent while held: {sent_while_held}; failed claims: {counter.claims}")
    print(f"failed finishes: {counter.finishes}")
    print(
        f"delivered once: {once} ({100 * once / reminders:.1f} %), twice+: {twice}, never: {never}"
    )
    print(f"final statuses: {dict(statuses(path))}")
    print(f"release -> every reminder recorded: {settled:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--hold", type=float, default=12.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(Path(folder) / "lock.sqlite3", args.reminders, args.users, args.hold))


if __name__ == "__main__":
    main()
