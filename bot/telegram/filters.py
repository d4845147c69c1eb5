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

from storage.users import Role, UserRecord


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


class StaffOnly(Filter):
    """The one gate for every staff and admin action; staff handlers carry no checks of their own.

    The role comes from the user record that `UserMiddleware` loaded for this very update, so a
    user removed from ADMIN_IDS or demoted loses access on their next message.
    """

    async def __call__(self, event: TelegramObject, user_record: UserRecord | None = None) -> bool:
        return user_record is not None and user_record.is_staff


class AdminOnly(Filter):
    """The gate for managing staff: admins (ADMIN_IDS) only. Staff who are not admins fall
    through to a refusal of their own ("only admins manage staff"); everyone else to the staff
    refusal. Like `StaffOnly`, it reads the role loaded for this very update."""

    async def __call__(self, event: TelegramObject, user_record: UserRecord | None = None) -> bool:
        return user_record is not None and user_record.role is Role.ADMIN
