"""Bot commands, registered once per language so Telegram shows them in the user's language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

log = logging.getLogger(__name__)

COMMANDS: tuple[tuple[str, LazyProxy], ...] = (
    ("menu", __("Main menu")),
    ("eps", __("Legal work in Korea (EPS)")),
    ("reminders", __("Your reminders")),
    ("selfcheck", __("EPS requirements self-check")),
    ("departure", __("Leaving Korea: voluntary departure")),
    ("checklist", __("Your departure checklist")),
    ("language", __("Change language")),
    ("mydata", __("See or delete your data")),
    ("privacy", __("What I store and why")),
    ("deletemydata", __("Erase all your data")),
    ("help", __("What this bot can do")),
    ("cancel", __("Stop what you are doing")),
    ("start", __("Start over")),
)


def commands_in(i18n: I18n, locale: str) -> list[BotCommand]:
    with i18n.context(), i18n.use_locale(locale):
        return [BotCommand(command=name, description=str(text)) for name, text in COMMANDS]


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


async def set_chat_commands(bot: Bot, i18n: I18n, chat_id: int, locale: str) -> None:
    """After a user picks a language, show the command list in it even if the app's differs."""
    await bot.set_my_commands(commands_in(i18n, locale), scope=BotCommandScopeChat(chat_id=chat_id))
