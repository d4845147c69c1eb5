"""🛫 Leaving Korea: /departure and the menu section open the section's first screen: the
question "which is your situation" while no departure track is stored, else the guide of the
user's track (the voluntary-departure guide, or the end-of-contract one); its buttons show one
topic each, edited in place. The screens are in bot/departure/guide.py and tracks.py."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.departure.guide import GUIDE_KEYS, build, clean_card_text, section_screen
from bot.departure.plan import Track, korea_today
from bot.departure.programme import CardChoice
from bot.departure.service import DeparturePlans
from bot.departure.tracks import track_screen
from bot.family.section import family_departure_screen
from bot.family.share_screens import follow_button
from bot.telegram.callbacks import DepartureCb, menu_section
from bot.telegram.dialogue import leave_dialogue, on_command_or_button, out_of_date
from bot.telegram.screens import Screen, show, show_below
from storage.content import ContentRepository
from storage.users import Audience, UserRecord


async def open_departure(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    content: ContentRepository,
    departure: DeparturePlans,
    clock: Clock,
) -> None:
    left = await leave_dialogue(state)  # opening a section leaves any dialogue, and says so
    facts = await content.get_many(GUIDE_KEYS)
    track = await departure.track(user_record.id)
    if track is None and user_record.audience is Audience.FAMILY:
        await show(event, family_departure_screen(follow_button()).above(left))
        return
    await show(event, section_screen(facts, korea_today(clock.now()), track).above(left))


async def guide_screen(
    query: CallbackQuery,
    callback_data: DepartureCb,
    user_record: UserRecord,
    content: ContentRepository,
    departure: DeparturePlans,
    clock: Clock,
) -> None:
    facts = await content.get_many(GUIDE_KEYS)
    today = korea_today(clock.now())
    track = await departure.track(user_record.id)
    if callback_data.screen == "root" and track is None and user_record.audience is Audience.FAMILY:
        await show(query, family_departure_screen(follow_button()))
        return
    await show(query, build(callback_data.screen, facts, today, callback_data.value, track))


async def track_pressed(
    query: CallbackQuery,
    callback_data: DepartureCb,
    user_record: UserRecord,
    content: ContentRepository,
    departure: DeparturePlans,
    clock: Clock,
) -> None:
    """ "🔄 Change my situation" (no value) asks; a choice stores it and shows its guide."""
    facts = await content.get_many(GUIDE_KEYS)
    if not callback_data.value:
        current = await departure.track(user_record.id)
        await show(query, track_screen(current, facts["contacts"], checklist=False))
        return
    track = Track.of(callback_data.value)
    if track is None:
        await out_of_date(query)
        return
    await departure.set_track(user_record, track)
    screen = section_screen(facts, korea_today(clock.now()), track)
    await show(query, screen.with_notice(_("Saved.")))


async def send_clean_card(query: CallbackQuery, callback_data: DepartureCb) -> None:
    """The Korean lines alone, as a message of their own that the worker holds up."""
    text = clean_card_text(CardChoice.unpack(callback_data.value))
    await show_below(query, Screen(text, notice=_("Sent below: show it to the officer.")))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "departure", menu_section("departure"), open_departure)
    router.callback_query.register(send_clean_card, DepartureCb.filter(F.screen == "card_send"))
    router.callback_query.register(track_pressed, DepartureCb.filter(F.screen == "track"))
    router.callback_query.register(guide_screen, DepartureCb.filter())
