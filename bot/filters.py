"""Filters for the hot path, written as async `Filter` classes on purpose.

aiogram runs a synchronous filter (a MagicFilter such as `F.chat.type == "private"`, or a plain
function) through `asyncio.to_thread`: a thread hop for every router an update passes. These
two filters sit on almost every router, so as coroutines they save most of the dispatch time
(measured in docs/benchmarks.md).
"""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, TelegramObject


class PrivateChat(Filter):
    """Messages, button presses and membership changes from private chats only."""

    async def __call__(self, event: TelegramObject) -> bool:
        if isinstance(event, Message | ChatMemberUpdated):
            return event.chat.type == ChatType.PRIVATE
        if isinstance(event, CallbackQuery) and event.message is not None:
            return event.message.chat.type == ChatType.PRIVATE
        return False


class NotACommand(Filter):
    """Anything but a /command: text that does not start with "/", or a photo, sticker, ..."""

    async def __call__(self, message: Message) -> bool:
        return not (message.text or "").startswith("/")
