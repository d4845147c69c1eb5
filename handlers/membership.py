"""Telegram tells us when a user blocks or unblocks the bot (`my_chat_member`).

Marking the user at once, and cancelling their reminders, spares later sends that would only
come back as 403; an unblock clears the mark (the user middleware also does, on any message).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.clock import Clock
from bot.reminders.engine import ReminderEngine
from storage.users import UserRepository


async def blocked(
    event: ChatMemberUpdated, users: UserRepository, reminders: ReminderEngine, clock: Clock
) -> None:
    await users.mark_blocked(event.from_user.id, now=int(clock.now()))
    await reminders.cancel_all(event.from_user.id)


async def unblocked(event: ChatMemberUpdated, users: UserRepository, clock: Clock) -> None:
    await users.touch(event.from_user.id, now=int(clock.now()))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    router.my_chat_member.register(blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED))
    router.my_chat_member.register(unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER))
