"""Choosing the language: during onboarding, from the menu, or with /language at any time."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.content.profile import is_onboarded
from bot.telegram.callbacks import LanguageCb, menu_section
from bot.telegram.commands import set_commands_for
from bot.telegram.dialogue import keep_dialogue, on_command_or_button, out_of_date
from bot.telegram.keyboards import language_keyboard, main_menu_keyboard
from bot.telegram.screens import Screen, show
from handlers.start import ask_audience
from storage.users import UserRecord, UserRepository


def language_prompt() -> str:
    # Shown in all three languages on purpose: whoever opens it can read at least one line.
    return "Тілді таңдаңыз · Выберите язык · Choose your language"


async def open_language(event: Message | CallbackQuery, state: FSMContext, i18n: I18n) -> None:
    markup = language_keyboard(i18n.available_locales, with_back=True)
    await show(event, await keep_dialogue(state, Screen(language_prompt(), markup)))


async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageCb,
    state: FSMContext,
    user_record: UserRecord,
    users: UserRepository,
    i18n: I18n,
    bot: Bot,
) -> None:
    if callback_data.code not in i18n.available_locales:
        await out_of_date(query)
        return
    await users.set_language(user_record.id, callback_data.code)
    record = await users.get(user_record.id) or user_record
    await set_commands_for(bot, i18n, record)
    # From here on the user reads the new language, within this very update too.
    with i18n.use_locale(callback_data.code):
        if not is_onboarded(record):
            await ask_audience(query, state)
            return
        text = _("Done! I will speak English from now on.") + "\n\n" + _("Choose a section:")
        await show(query, await keep_dialogue(state, Screen(text, main_menu_keyboard(record))))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "language", menu_section("language"), open_language)
    router.callback_query.register(language_chosen, LanguageCb.filter())
