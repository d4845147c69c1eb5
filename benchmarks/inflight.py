"""The fake Bot API, counting the sends under way: what the delivery benchmarks report.

The tracker-news, reminder and announcement benchmarks each check that the one sender keeps
enough sends in flight for its pace at a slow round trip (issue 16). They share this session:
it notes, at the start of every measured send, how many are under way and what the sender's
target was then; each benchmark says which calls it measures (`counts`) and what it notes
when one has arrived (`arrived`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.offline.fakeapi import FakeTelegramSession
from bot.reminders.sender import TelegramSender


@dataclass
class InFlightSession(FakeTelegramSession):
    sender: TelegramSender | None = None  # set once the app has built it
    in_flight: int = 0  # measured sends under way now
    in_flight_seen: list[int] = field(default_factory=list)  # at each measured send's start
    targets: list[int] = field(default_factory=list)  # the sender's target then

    def counts(self, method: TelegramMethod[Any]) -> bool:
        """Whether the benchmark measures this call (default: every `sendMessage`)."""
        return isinstance(method, SendMessage)

    def arrived(self, method: TelegramMethod[Any], result: Any, started: float) -> None:
        """After each call: its result, and when it reached the fake API (wall clock)."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - signature fixed by aiogram
    ) -> TelegramType:
        started = time.time()
        measured = self.counts(method)
        if measured:
            self.in_flight += 1
            self.in_flight_seen.append(self.in_flight)
            if self.sender is not None:
                self.targets.append(self.sender.in_flight_target())
        try:
            result = await super().make_request(bot, method, timeout)
        finally:
            self.in_flight -= measured
        self.arrived(method, result, started)
        return result
