"""The one place that sends bot-initiated messages (reminders now, broadcasts later) to Telegram.

It knows Telegram's limits and errors:
- a global pace (Telegram allows about 30 messages per second to different chats; we stay under);
- 429 Too Many Requests: wait `retry_after` (pausing every sender, since the limit is global),
  then retry, a bounded number of times;
- network failures and 5xx: retry with exponential backoff, a bounded number of times;
- 403 (blocked, deactivated) and "chat not found": the person is unreachable; the caller marks
  them blocked. Other 400s are our bug: not retried, reported as failed.
Replies to a user's own update go through aiogram directly: they are one per update and cannot
outpace Telegram's per-chat limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class SendOutcome(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked the bot, deactivated, or no such chat
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    message_id: int | None = None
    error: str | None = None


class Pace:
    """Spaces sends evenly at `per_second`; a 429 pushes every later slot back."""

    def __init__(self, per_second: float, clock: Callable[[], float], sleep: Sleep) -> None:
        self._interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0

    async def wait_turn(self) -> None:
        now = self._clock()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._interval
        if slot > now:
            await self._sleep(slot - now)

    def hold_until(self, moment: float) -> None:
        self._next_slot = max(self._next_slot, moment)


class TelegramSender:
    def __init__(
        self,
        bot: Bot,
        *,
        per_second: float = 25.0,
        max_retry_after_waits: int = 5,
        network_retries: int = 4,
        backoff_base: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._clock = clock
        self._sleep = sleep
        self.per_second = per_second  # fan-outs (tracker news) plan their fire times by it
        self._pace = Pace(per_second, clock, sleep)
        self._max_retry_after_waits = max_retry_after_waits
        self._network_retries = network_retries
        self._backoff_base = backoff_base

    async def send_message(
        self, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
    ) -> SendResult:
        retry_after_waits = 0
        network_failures = 0
        while True:
            await self._pace.wait_turn()
            try:
                message = await self._bot.send_message(chat_id, text, reply_markup=reply_markup)
            except TelegramRetryAfter as error:
                retry_after_waits += 1
                if retry_after_waits > self._max_retry_after_waits:
                    return SendResult(SendOutcome.FAILED, error="flood control")
                log.warning("429 for chat %s: waiting %s s", chat_id, error.retry_after)
                self._pace.hold_until(self._clock() + error.retry_after)
                await self._sleep(error.retry_after)
            except TelegramForbiddenError:
                return SendResult(SendOutcome.UNREACHABLE, error="forbidden")
            except TelegramBadRequest as error:
                if "chat not found" in error.message.lower():
                    return SendResult(SendOutcome.UNREACHABLE, error="chat not found")
                log.error("400 for chat %s: %s", chat_id, error.message)
                return SendResult(SendOutcome.FAILED, error="bad request")
            except (TelegramNetworkError, TelegramServerError) as error:
                network_failures += 1
                if network_failures > self._network_retries:
                    return SendResult(SendOutcome.FAILED, error=type(error).__name__)
                delay = self._backoff_base * 2 ** (network_failures - 1)
                log.warning(
                    "%s for chat %s: retry %s in %.1f s",
                    type(error).__name__,
                    chat_id,
                    network_failures,
                    delay,
                )
                await self._sleep(delay)
            else:
                return SendResult(SendOutcome.SENT, message_id=message.message_id)
