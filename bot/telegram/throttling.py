"""Per-user flood control: a token bucket per sender.

Within the limit nothing happens. The first update over it gets one short notice; the rest of
the flood is dropped without a reply, so a stuck client or a script cannot make the bot spend
its Telegram quota (which all users share). Buckets live in memory: a restart forgives everybody,
which is the right direction to fail in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, User
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock

log = logging.getLogger(__name__)
IDLE_FORGET_S = 600


@dataclass(slots=True)
class Bucket:
    tokens: float
    updated: float
    warned: bool = False


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, clock: Clock, *, rate: float, burst: int) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = float(burst)
        self._buckets: dict[int, Bucket] = {}
        self._since_sweep = 0

    def allow(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, first refusal of this flood)."""
        now = self._clock.now()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = Bucket(tokens=self._burst, updated=now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        self._sweep(now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return True, False
        first = not bucket.warned
        bucket.warned = True
        return False, first

    def _sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < 1000:
            return
        self._since_sweep = 0
        idle = [uid for uid, b in self._buckets.items() if now - b.updated > IDLE_FORGET_S]
        for user_id in idle:
            del self._buckets[user_id]

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: User | None = data.get("event_from_user")
        if sender is None:
            return await handler(event, data)
        allowed, first_refusal = self.allow(sender.id)
        if allowed:
            return await handler(event, data)
        if first_refusal:
            log.info("throttled user %s", sender.id)
            notice = _("You are sending messages very fast. Please wait a few seconds.")
            if (isinstance(event, Message) and event.chat.type == "private") or isinstance(
                event, CallbackQuery
            ):
                await event.answer(notice)
        return None
