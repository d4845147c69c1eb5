"""The main menu and /help."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.telegram.callbacks import MenuCb
from bot.telegram.commands import COMMANDS
from bot.telegram.keyboards import back_only_keyboard, main_menu_keyboard
from bot.telegram.menu import visible_sections
from bot.telegram.screens import show
from storage.users import UserRecord


def menu_text() -> str:
    return _("<b>Main menu</b>\nChoose a section:")


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


async def menu_command(message: Message, state: FSMContext, user_record: UserRecord) -> None:
    await state.clear()
    await message.answer(menu_text(), reply_markup=main_menu_keyboard(user_record))


async def menu_button(query: CallbackQuery, state: FSMContext, user_record: UserRecord) -> None:
    await state.clear()
    await show(query, menu_text(), main_menu_keyboard(user_record))


async def help_command(message: Message, state: FSMContext, user_record: UserRecord) -> None:
    await state.clear()
    await message.answer(help_text(user_record), reply_markup=back_only_keyboard())


async def help_button(query: CallbackQuery, state: FSMContext, user_record: UserRecord) -> None:
    await state.clear()  # opening another section leaves any dialogue, as commands do
    await show(query, help_text(user_record), back_only_keyboard())


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    router.message.register(menu_command, Command("menu"))
    router.callback_query.register(menu_button, MenuCb.filter(F.section == "root"))
    router.message.register(help_command, Command("help"))
    router.callback_query.register(help_button, MenuCb.filter(F.section == "help"))
