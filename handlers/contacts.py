"""☎️ Contacts (/contacts and the menu), and the emergency card for any message outside a
dialogue that signals danger (handlers/fallback.py asks `emergency_reply`). The screens are
in bot/help/screens.py."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.help.emergency import signals_danger
from bot.help.screens import HELP_KEYS, contacts_screen, emergency_card
from bot.telegram.callbacks import menu_section
from bot.telegram.dialogue import keep_dialogue, on_command_or_button
from bot.telegram.screens import show
from storage.content import ContentRepository


async def open_contacts(
    event: Message | CallbackQuery, state: FSMContext, content: ContentRepository
) -> None:
    screen = contacts_screen(await content.get_many(HELP_KEYS))
    await show(event, await keep_dialogue(state, screen))


async def emergency_reply(message: Message, content: ContentRepository) -> bool:
    """Show the emergency card if the message signals danger; True when it did."""
    if not signals_danger(message.text or message.caption):
        return False
    await show(message, emergency_card(await content.get_many(HELP_KEYS)))
    return True


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "contacts", menu_section("contacts"), open_contacts)
