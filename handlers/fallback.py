"""Whatever no feature understood: a short, friendly way back to the menu. Never silence."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.telegram.dialogue import out_of_date_text
from bot.telegram.keyboards import main_menu_keyboard
from bot.telegram.screens import Screen, show
from handlers.menu import menu_screen
from storage.users import UserRecord


async def not_understood(message: Message, user_record: UserRecord) -> None:
    text = _("Sorry, I did not understand that. Please use the buttons below or /help.")
    await show(message, Screen(text, main_menu_keyboard(user_record)))


async def stale_button(query: CallbackQuery, user_record: UserRecord) -> None:
    """Buttons from an old message or an older release: explain, then offer the menu."""
    await show(query, menu_screen(user_record).with_notice(out_of_date_text()))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    router.message.register(not_understood)
    router.callback_query.register(stale_button)
