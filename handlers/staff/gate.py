"""The refusal everyone but staff gets for a staff command or button, and the list of every
staff entry point, which the authorisation test walks as a regular user.

Registered after every staff handler: a staff handler is behind `StaffOnly`, so whoever is not
staff falls through to here and is told so, never silently dropped.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.telegram.callbacks import StaffCb
from bot.telegram.keyboards import back_only_keyboard
from bot.telegram.screens import Screen, show


def refusal() -> str:
    return _("This command is for staff only.")


async def refuse_command(message: Message) -> None:
    await show(message, Screen(refusal(), back_only_keyboard()))


async def refuse_button(query: CallbackQuery) -> None:
    await query.answer(refusal(), show_alert=True)


def register(router: Router, commands: tuple[str, ...]) -> None:
    router.message.register(refuse_command, Command(*commands))
    router.callback_query.register(refuse_button, StaffCb.filter())
