"""Helper process for tests/test_reminders_crash.py (not a test module).

Runs the real reminders engine with APScheduler's wall clock on the given database. Its fake
Bot API appends every delivered reminder text to a log file *before* answering, the way
Telegram has already shown a message to the user when its answer is still on the wire; so a
kill can land before the claim, between claim and delivery, or between delivery and the
bookkeeping, and the log is the ground truth of what users saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot
from aiogram.methods import TelegramMethod

from bot.app import build_bot, build_dispatcher
from bot.config import Settings
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession
from bot.reminders.sender import TelegramSender
from storage.db import Database


class DeliveryLoggingSession(FakeTelegramSession):
    def __init__(self, log_path: Path) -> None:
        super().__init__()
        self.log_path = log_path

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        result = await super().make_request(bot, method, timeout)
        if method.__api_method__ == "sendMessage":
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(method.text.rsplit("\n", 1)[-1] + "\n")
                log.flush()
                os.fsync(log.fileno())
            await asyncio.sleep(random.uniform(0.002, 0.02))  # the answer travels back
        return result


async def main(db_path: Path, log_path: Path, max_in_flight: int) -> None:
    db = await Database.open(db_path)
    settings = Settings(bot_token=None, database_path=db_path, default_locale="en")
    app = build_dispatcher(settings, db, run_timer=True)
    bot = build_bot(FAKE_TOKEN, session=DeliveryLoggingSession(log_path))
    # Deliveries in flight follow the round trip (4 and up); the test caps them to know how
    # many one kill may interrupt.
    sender = TelegramSender(bot, per_second=400, max_in_flight=max_in_flight)
    await app.reminders.start(bot, sender=sender)
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()  # until killed or terminated
    finally:
        await app.reminders.shutdown()
        await db.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
