"""Bot commands, registered once per language so Telegram shows them in the user's language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

COMMANDS: tuple[tuple[str, LazyProxy], ...] = (
    ("menu", __("Main menu")),
    ("eps", __("Legal work in Korea (EPS)")),
    ("reminders", __("Your reminders")),
    ("selfcheck", __("EPS self-check")),
    ("departure", __("Leaving Korea: voluntary departure")),
    ("checklist", __("Your departure checklist")),
    ("questions", __("Questions and answers")),
    ("family", __("For families at home")),
    ("follow", __("Follow a relative's departure")),
    ("ask", __("Ask a person")),
    ("announcements", __("Announcements from the team")),
    ("contacts", __("Emergency numbers and help lines")),
    ("language", __("Change language")),
    ("mydata", __("See or delete your data")),
    ("privacy", __("What I store and why")),
    ("deletemydata", __("Erase all your data")),
    ("help", __("What this bot can do")),
    ("cancel", __("Stop what you are doing")),
    ("start", __("Start over")),
)


# Shown to staff only: in their own chat's command list, in /help and in the 🛠 Staff section.
STAFF_COMMANDS: tuple[tuple[str, LazyProxy], ...] = (
    ("stats", __("Statistics (staff)")),
    ("tracker", __("Accession tracker (staff)")),
    ("programme", __("Voluntary-departure programme window (staff)")),
    ("recheck", __("Facts due for re-check (staff)")),
    ("announce", __("Announcements to users (staff)")),
    ("faq", __("FAQ entries: add, edit, hide (staff)")),
    ("missions", __("Embassy and consulate contacts (staff)")),
)

# Admins only (ADMIN_IDS), after the staff commands in their own chat's list.
ADMIN_COMMANDS: tuple[tuple[str, LazyProxy], ...] = (("staff", __("Manage staff (admins)")),)

# The staff chat's own list (STAFF_CHAT_ID, handlers/staff_chat.py), in DEFAULT_LOCALE.
STAFF_CHAT_COMMANDS: tuple[tuple[str, LazyProxy], ...] = (
    ("tickets", __("Open questions from users")),
    ("close", __("Close a question: /close 12")),
    ("block", __("Stop a person from asking: /block 12")),
    ("unblock", __("Let them ask again: /unblock 12")),
)


# Rendered lists, by (catalogs, locale, staff, admin): every language change sets a chat's list,
# and translating and building the models each time cost more than the call itself.
_rendered: dict[tuple[int, str, bool, bool], tuple[BotCommand, ...]] = {}


def commands_in(
    i18n: I18n, locale: str, *, staff: bool = False, admin: bool = False
) -> list[BotCommand]:
    key = (id(i18n), locale, staff, admin)
    if key not in _rendered:
        listed = COMMANDS
        if staff or admin:
            listed += STAFF_COMMANDS
        if admin:
            listed += ADMIN_COMMANDS
        with i18n.context(), i18n.use_locale(locale):
            _rendered[key] = tuple(
                BotCommand(command=name, description=str(text)) for name, text in listed
            )
    return list(_rendered[key])


async def register_commands(bot: Bot, i18n: I18n) -> None:
    """One `setMyCommands` per language, plus the default language for everyone else."""
    for locale in i18n.available_locales:
        await bot.set_my_commands(
            commands_in(i18n, locale), scope=BotCommandScopeDefault(), language_code=locale
        )
    await bot.set_my_commands(
        commands_in(i18n, i18n.default_locale), scope=BotCommandScopeDefault()
    )
    log.info("registered commands for %s", ", ".join(i18n.available_locales))


async def register_staff_chat_commands(bot: Bot, i18n: I18n, chat_id: int) -> None:
    """The staff chat's "/" menu: the relay's commands, in the chat's one language."""
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        commands = [
            BotCommand(command=name, description=str(text)) for name, text in STAFF_CHAT_COMMANDS
        ]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))


async def register_staff_commands(bot: Bot, i18n: I18n, staff: list[UserRecord]) -> None:
    """Each staff member's own chat lists the staff commands too, in their language."""
    for record in staff:
        locale = record.language or i18n.default_locale
        admin = record.role is Role.ADMIN
        await set_chat_commands(bot, i18n, record.id, locale, staff=True, admin=admin)
    if staff:
        log.info("registered staff commands for %d staff chats", len(staff))


async def set_chat_commands(
    bot: Bot,
    i18n: I18n,
    chat_id: int,
    locale: str,
    *,
    staff: bool = False,
    admin: bool = False,
) -> None:
    """The command list of one chat: in the user's language even if the app's differs, and
    with the staff commands for staff, and /staff for admins (set at start-up and when they
    pick a language)."""
    await bot.set_my_commands(
        commands_in(i18n, locale, staff=staff, admin=admin),
        scope=BotCommandScopeChat(chat_id=chat_id),
    )


async def set_commands_for(bot: Bot, i18n: I18n, record: UserRecord) -> None:
    """One person's command list after their role changed (an admin added or removed them),
    so the menu in their app matches what they may do. Someone who never chose a language has
    no list of their own: theirs is dropped and the per-language default shows again."""
    if record.language is None:
        if record.is_staff:
            await set_chat_commands(bot, i18n, record.id, i18n.default_locale, staff=True)
        else:
            await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=record.id))
        return
    admin = record.role is Role.ADMIN
    await set_chat_commands(
        bot, i18n, record.id, record.language, staff=record.is_staff, admin=admin
    )
