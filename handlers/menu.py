"""The main menu and /help."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.telegram.callbacks import menu_section
from bot.telegram.commands import COMMANDS
from bot.telegram.dialogue import on_command_or_button
from bot.telegram.keyboards import back_only_keyboard, main_menu_keyboard
from bot.telegram.menu import visible_sections
from bot.telegram.screens import Screen, show
from storage.users import UserRecord


def menu_text() -> str:
    return _("<b>Main menu</b>\nChoose a section:")


def menu_screen(record: UserRecord | None) -> Screen:
    return Screen(menu_text(), main_menu_keyboard(record))


def help_text(record: UserRecord | None) -> str:
    lines = [_("<b>What I can do</b>"), ""]
    lines += [str(section.help_line) for section in visible_sections(record)]
    lines += [
        "",
        _("<b>Commands</b>"),
        *(f"/{name}: {description}" for name, description in COMMANDS),
        "",
        _(
            "I am a helper, not a government service. I tell you where each fact comes from "
            "and say so openly when something is not confirmed."
        ),
    ]
    return "\n".join(lines)


async def open_menu(
    event: Message | CallbackQuery, state: FSMContext, user_record: UserRecord
) -> None:
    await state.clear()  # opening a section leaves any dialogue
    await show(event, menu_screen(user_record))


async def open_help(
    event: Message | CallbackQuery, state: FSMContext, user_record: UserRecord
) -> None:
    await state.clear()
    await show(event, Screen(help_text(user_record), back_only_keyboard()))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "menu", menu_section("root"), open_menu)
    on_command_or_button(router, "help", menu_section("help"), open_help)
