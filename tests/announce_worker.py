"""Helper process for tests/test_announce_faults.py and benchmarks/bench_announce.py (not a test
module).

Runs the real announcement engine (background runner, SystemClock) on the given database. Its
fake Bot API appends the chat id of every delivered message to a log file *before* answering,
the way Telegram has already shown a message when its answer is still on the wire; so a kill can
land before a claim, between claim and delivery, or between delivery and the bookkeeping, and
the log is the ground truth of what users saw.

    python tests/announce_worker.py DB LOG [--slots 4] [--pace 400] [--latency-ms 2 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
from datetime import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import TelegramMethod

from bot.announcements.delivery import AnnouncementEngine
from bot.clock import SystemClock
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession
from bot.reminders.rules import QuietHours
from bot.reminders.sender import TelegramSender
from storage.announcements import AnnouncementRepository
from storage.db import Database
from storage.users import UserRepository


class DeliveryLoggingSession(FakeTelegramSession):
    def __init__(self, log_path: Path, latency: tuple[float, float]) -> None:
        super().__init__(record_calls=False)
        self.log_path = log_path
        self.low, self.high = latency
        self._log = log_path.open("a", encoding="utf-8")

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        await asyncio.sleep(random.uniform(self.low, self.high) / 2)  # the request travels
        result = await super().make_request(bot, method, timeout)
        if method.__api_method__ in {"sendMessage", "sendPhoto", "sendDocument", "sendVideo"}:
            self._log.write(f"{method.chat_id}\n")
            self._log.flush()
            os.fsync(self._log.fileno())
        await asyncio.sleep(random.uniform(self.low, self.high) / 2)  # the answer travels back
        return result


async def main(args: argparse.Namespace) -> None:
    db = await Database.open(args.db)
    clock = SystemClock()
    engine = AnnouncementEngine(
        AnnouncementRepository(db),
        UserRepository(db),
        clock,
        default_locale="en",
        quiet_hours=QuietHours(time(0, 0), time(0, 0)),
        slots=args.slots,
    )
    low, high = (ms / 1000 for ms in args.latency_ms)
    session = DeliveryLoggingSession(args.log, (low, high))
    bot = Bot(FAKE_TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    await engine.start(TelegramSender(bot, per_second=args.pace), run_timer=True)
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()  # until killed or terminated
    finally:
        await engine.shutdown()
        await db.close()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("log", type=Path)
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--pace", type=float, default=400.0)
    parser.add_argument("--latency-ms", type=float, nargs=2, default=(2.0, 20.0))
    return parser.parse_args()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(parse()))
