"""Whatever no feature understood. A text outside any dialogue is a question: the emergency
card first when it signals danger, then the FAQ's best answers and a way to a person. Anything
else gets a short, friendly way back to the menu. Never silence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.content.profile import is_onboarded
from bot.telegram.dialogue import out_of_date_text
from bot.telegram.keyboards import main_menu_keyboard
from bot.telegram.screens import Screen, show
from handlers.contacts import emergency_reply
from handlers.faq import search_reply
from handlers.menu import menu_screen
from handlers.start import begin_onboarding
from storage.content import ContentRepository
from storage.users import UserRecord

if TYPE_CHECKING:
    from bot.faq.service import FaqService


async def not_understood(
    message: Message,
    state: FSMContext,
    user_record: UserRecord,
    i18n: I18n,
    content: ContentRepository,
    faq: FaqService,
) -> None:
    # Danger first: someone who writes "help" or "I was beaten" gets the emergency lines at
    # once, even before choosing a language (a newcomer is then greeted as usual).
    alarmed = await emergency_reply(message, content)
    in_dialogue = await state.get_state() is not None
    if not is_onboarded(user_record) and not in_dialogue:
        await begin_onboarding(message, state, user_record, i18n)
        return
    typed = message.text or message.caption or ""
    if not in_dialogue and typed and not typed.startswith("/"):
        await search_reply(message, state, faq)  # an unknown /command is not a question
        return
    if alarmed:
        return
    text = _("Sorry, I did not understand that. Please use the buttons below or /help.")
    await show(message, Screen(text, main_menu_keyboard(user_record)))


async def stale_button(query: CallbackQuery, user_record: UserRecord) -> None:
    """Buttons from an old message or an older release: explain, then offer the menu."""
    await show(query, menu_screen(user_record).with_notice(out_of_date_text()))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    router.message.register(not_understood)
    router.callback_query.register(stale_button)
