"""🛫 Leaving Korea: /departure and the menu section open the voluntary-departure guide; its
buttons show one topic each, edited in place. The screens are in bot/departure/guide.py."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.departure.guide import GUIDE_KEYS, build, clean_card_text, root_screen
from bot.departure.plan import korea_today
from bot.departure.programme import CardChoice
from bot.telegram.callbacks import DepartureCb, menu_section
from bot.telegram.dialogue import leave_dialogue, on_command_or_button
from bot.telegram.screens import Screen, show, show_below
from storage.content import ContentRepository


async def open_departure(
    event: Message | CallbackQuery, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    left = await leave_dialogue(state)  # opening a section leaves any dialogue, and says so
    facts = await content.get_many(GUIDE_KEYS)
    await show(event, root_screen(facts, korea_today(clock.now())).above(left))


async def guide_screen(
    query: CallbackQuery, callback_data: DepartureCb, content: ContentRepository, clock: Clock
) -> None:
    facts = await content.get_many(GUIDE_KEYS)
    today = korea_today(clock.now())
    await show(query, build(callback_data.screen, facts, today, callback_data.value))


async def send_clean_card(query: CallbackQuery, callback_data: DepartureCb) -> None:
    """The Korean lines alone, as a message of their own that the worker holds up."""
    text = clean_card_text(CardChoice.unpack(callback_data.value))
    await show_below(query, Screen(text, notice=_("Sent below: show it to the officer.")))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "departure", menu_section("departure"), open_departure)
    router.callback_query.register(send_clean_card, DepartureCb.filter(F.screen == "card_send"))
    router.callback_query.register(guide_screen, DepartureCb.filter())
