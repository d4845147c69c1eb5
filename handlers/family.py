"""👪 For families: /family and the menu section family members see first."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.family.section import family_screen
from bot.family.share_screens import follow_button
from bot.telegram.callbacks import menu_section
from bot.telegram.dialogue import keep_dialogue, on_command_or_button
from bot.telegram.screens import show


async def open_family(event: Message | CallbackQuery, state: FSMContext) -> None:
    await show(event, await keep_dialogue(state, family_screen(follow_button())))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "family", menu_section("family"), open_family)
