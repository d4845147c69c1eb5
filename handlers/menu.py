"""The main menu and /help."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.telegram.callbacks import menu_section
from bot.telegram.commands import COMMANDS
from bot.telegram.dialogue import (
    dialogue_name,
    keep_dialogue,
    leave_dialogue,
    on_command_or_button,
)
from bot.telegram.keyboards import back_only_keyboard, main_menu_keyboard
from bot.telegram.menu import visible_sections
from bot.telegram.screens import Screen, show
from storage.users import UserRecord

SELF_EVIDENT = frozenset({"menu", "help", "start"})
# Commands reached from a section's own screen (the self-check from 🇰🇷, the checklist from 🛫,
# /ask from ❓, /family and /follow from 👪): Telegram's "/" menu lists them all with their
# descriptions; listing them here too made /help longer than a phone shows.
NAMED_IN_SECTIONS = frozenset({"ask", "family", "follow", "selfcheck", "checklist"})


def menu_text() -> str:
    return _("<b>Main menu</b>\nChoose a section:")


def menu_screen(record: UserRecord | None) -> Screen:
    return Screen(menu_text(), main_menu_keyboard(record))


def help_text(record: UserRecord | None) -> str:
    """What each section does, with its command; then the commands no section stands for.
    /menu, /help and /start explain themselves, and every command is also in Telegram's "/"
    menu with its description: listing everything twice made this longer than a phone shows."""
    commands = {name for name, _text in COMMANDS}
    sections = [s for s in visible_sections(record) if s.key != "help"]
    lines = [_("<b>What I can do</b>"), ""]
    lines += [
        f"{section.help_line} /{section.key}" if section.key in commands else str(section.help_line)
        for section in sections
    ]
    shown = {section.key for section in sections} | SELF_EVIDENT | NAMED_IN_SECTIONS
    lines += [
        "",
        _("<b>Commands</b>"),
        *(f"/{name}: {text}" for name, text in COMMANDS if name not in shown),
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
    left = await leave_dialogue(state)  # opening a section leaves any dialogue, and says so
    await show(event, menu_screen(user_record).above(left))


async def open_help(
    event: Message | CallbackQuery, state: FSMContext, user_record: UserRecord
) -> None:
    # Help only shows something: a dialogue in progress stays, one tap away.
    screen = Screen(help_text(user_record), back_only_keyboard())
    await show(event, await keep_dialogue(state, screen))


async def cancel_command(message: Message, state: FSMContext, user_record: UserRecord) -> None:
    """/cancel, from anywhere: ends the dialogue in progress, if any, and shows the menu."""
    name = dialogue_name(await state.get_state())
    await state.clear()
    if name is None:
        said = _("There is nothing to cancel.")
    else:
        said = _("✖️ Cancelled: «{dialogue}». Nothing of it was kept.").format(dialogue=name)
    await show(message, menu_screen(user_record).above(said))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "menu", menu_section("root"), open_menu)
    on_command_or_button(router, "help", menu_section("help"), open_help)
    router.message.register(cancel_command, Command("cancel"))
