"""📢 Announcements for users: the latest ones again (for whoever joined after they went out),
and the mute switch. Staff compose them with /announce (handlers/staff/announce.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.announcements.content import send_version
from bot.announcements.model import Announcement, Status
from bot.announcements.screens import user_section
from bot.config import Settings
from bot.content.profile import effective_time_zone
from bot.telegram.callbacks import AnnouncementsCb, menu_section
from bot.telegram.dialogue import keep_dialogue, on_command_or_button, out_of_date
from bot.telegram.screens import Screen, show
from storage.users import UserRecord, UserRepository

SHOWN = 5

if TYPE_CHECKING:  # the engine is injected by name; its module is imported by the app
    from bot.announcements.delivery import AnnouncementEngine


async def readable(
    user: UserRecord, announcements: AnnouncementEngine, settings: Settings
) -> list[Announcement]:
    """What the person may read here, newest first: what was sent to them, and what went out
    to everyone like them (so someone who joined last week still finds last week's notice)."""
    received = await announcements.recent_for_user(user.id, limit=SHOWN)
    language = user.language or settings.default_locale
    audience = user.audience.value if user.audience else None
    public = [
        item
        for item in await announcements.recent(limit=20)
        if item.status in (Status.RUNNING, Status.DONE)
        and item.draft.audience.open_to(language, audience)
    ]
    merged = {item.id: item for item in (*received, *public)}
    return sorted(merged.values(), key=lambda item: item.id, reverse=True)[:SHOWN]


async def section(
    user: UserRecord,
    users: UserRepository,
    announcements: AnnouncementEngine,
    settings: Settings,
) -> Screen:
    items = await readable(user, announcements, settings)
    muted = await users.announcements_muted(user.id)
    return user_section(items, muted, user.language, effective_time_zone(user))


async def open_section(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    users: UserRepository,
    announcements: AnnouncementEngine,
    settings: Settings,
) -> None:
    screen = await section(user_record, users, announcements, settings)
    await show(event, await keep_dialogue(state, screen))


async def set_muted(
    query: CallbackQuery,
    callback_data: AnnouncementsCb,
    state: FSMContext,
    user_record: UserRecord,
    users: UserRepository,
    announcements: AnnouncementEngine,
    settings: Settings,
) -> None:
    muted = callback_data.action == "mute"
    await users.set_announcements_muted(user_record.id, muted)
    notice = (
        _("🔕 Announcements muted. Urgent ones still reach you.")
        if muted
        else _("🔔 Announcements are on again.")
    )
    screen = await section(user_record, users, announcements, settings)
    await show(query, (await keep_dialogue(state, screen)).with_notice(notice))


async def show_again(
    query: CallbackQuery,
    callback_data: AnnouncementsCb,
    user_record: UserRecord,
    announcements: AnnouncementEngine,
    settings: Settings,
    bot: Bot,
) -> None:
    """The whole announcement, as it was sent, below the list: only one the person may read."""
    readable_now = await readable(user_record, announcements, settings)
    item = next((item for item in readable_now if item.id == callback_data.id), None)
    if item is None:
        await out_of_date(query)
        return
    await send_version(bot, user_record.id, item.draft.version_for(user_record.language))
    await query.answer()


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "announcements", menu_section("announcements"), open_section)
    router.callback_query.register(
        set_muted, AnnouncementsCb.filter(F.action.in_({"mute", "unmute"}))
    )
    router.callback_query.register(show_again, AnnouncementsCb.filter(F.action == "again"))
    router.callback_query.register(out_of_date, AnnouncementsCb.filter())
