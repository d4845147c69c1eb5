"""/mydata, /privacy, /deletemydata: what the bot stores about the user, why, and erasing it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.content.profile import TIME_ZONE_CHOICES
from bot.departure.service import DeparturePlans
from bot.i18n import current_locale
from bot.privacy.personal import (
    PersonalData,
    StoredData,
    erased_items,
    my_data_lines,
    privacy_items,
)
from bot.reminders.engine import ReminderEngine
from bot.telegram.callbacks import PrivacyCb, TimeZoneCb, menu_section
from bot.telegram.dialogue import keep_dialogue, on_command_or_button, out_of_date
from bot.telegram.keyboards import (
    audience_keyboard,
    confirm_delete_keyboard,
    my_data_keyboard,
    privacy_keyboard,
    time_zone_keyboard,
)
from bot.telegram.screens import Screen, show
from storage.users import UserRecord, UserRepository


def my_data_screen(data: StoredData) -> Screen:
    """Everything stored about the user, from the registry (bot/privacy/personal.py)."""
    lines = [
        _("<b>Your data</b>\nThis is everything I store about you:"),
        *my_data_lines(data),
        "",
        _(
            "I never ask for passport numbers. Of your status I keep only the situation you "
            "chose for your departure plan; the self-check keeps only its outcome per "
            "requirement."
        ),
    ]
    return Screen("\n".join(lines), my_data_keyboard())


async def my_data(user: UserRecord, personal_data: PersonalData, state: FSMContext) -> Screen:
    has_dialogue = await state.get_state() is not None
    return my_data_screen(await personal_data.collect(user, has_dialogue=has_dialogue))


async def open_my_data(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    personal_data: PersonalData,
) -> None:
    # Only shows something: a dialogue in progress stays, one tap away.
    await show(event, await keep_dialogue(state, await my_data(user_record, personal_data, state)))


async def change_audience(query: CallbackQuery) -> None:
    await show(query, Screen(_("Who are you?"), audience_keyboard(with_back=True)))


async def choose_time_zone(query: CallbackQuery, clock: Clock) -> None:
    text = _("Which clock should I use for your reminders and dates?")
    await show(query, Screen(text, time_zone_keyboard(current_locale(), clock.now())))


async def time_zone_chosen(
    query: CallbackQuery,
    callback_data: TimeZoneCb,
    state: FSMContext,
    user_record: UserRecord,
    users: UserRepository,
    reminders: ReminderEngine,
    departure: DeparturePlans,
    personal_data: PersonalData,
) -> None:
    if callback_data.zone != "auto" and callback_data.zone not in TIME_ZONE_CHOICES:
        await out_of_date(query)
        return
    await users.set_time_zone(
        user_record.id, None if callback_data.zone == "auto" else callback_data.zone
    )
    record = await users.get(user_record.id) or user_record
    moved = await reminders.replan_user(record)
    await departure.resync(record)  # quiet hours follow the new zone
    notice = _("Saved.")
    if moved:
        notice += " " + _("Your reminders keep their clock time in the new zone.")
    await show(query, (await my_data(record, personal_data, state)).above(notice))


def delete_question(record: UserRecord | None) -> str:
    intro = _("Delete all your data? This erases for good, and cannot be undone:")
    return "\n".join([intro, *erased_items(record)])


async def ask_delete(
    event: Message | CallbackQuery, state: FSMContext, user_record: UserRecord
) -> None:
    screen = Screen(delete_question(user_record), confirm_delete_keyboard())
    await show(event, screen)  # "No, keep it" must find a dialogue in progress still there


def privacy_notice(record: UserRecord | None) -> str:
    """What is kept and why, from the registry: the list cannot miss what a feature stores."""
    return "\n".join(
        [
            _("<b>Privacy</b>\nI keep only what my features need:"),
            *privacy_items(record),
            _(
                "I never ask for your phone or passport number; of your status I keep only the "
                "situation you choose for your departure plan. My logs contain no message texts. "
                "See it all with /mydata; erase it with /deletemydata."
            ),
        ]
    )


async def open_privacy(
    event: Message | CallbackQuery, state: FSMContext, user_record: UserRecord
) -> None:
    screen = Screen(privacy_notice(user_record), privacy_keyboard())
    await show(event, await keep_dialogue(state, screen))


async def keep_data(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, personal_data: PersonalData
) -> None:
    screen = await my_data(user_record, personal_data, state)
    await show(query, screen.above(_("Nothing was deleted.")))


async def confirm_delete(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    personal_data: PersonalData,
) -> None:
    await state.clear()
    notes = await personal_data.erase(user_record)
    text = _(
        "Done. Everything I stored about you has been deleted. "
        "If you write to me again, I will start from scratch: /start"
    )
    await show(query, Screen("\n\n".join([text, *notes])))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "mydata", menu_section("mydata"), open_my_data)
    on_command_or_button(
        router, "deletemydata", PrivacyCb.filter(F.action == "ask_delete"), ask_delete
    )
    on_command_or_button(router, "privacy", menu_section("privacy"), open_privacy)
    router.callback_query.register(change_audience, PrivacyCb.filter(F.action == "change_audience"))
    router.callback_query.register(choose_time_zone, PrivacyCb.filter(F.action == "time_zone"))
    router.callback_query.register(time_zone_chosen, TimeZoneCb.filter())
    router.callback_query.register(keep_data, PrivacyCb.filter(F.action == "keep"))
    router.callback_query.register(confirm_delete, PrivacyCb.filter(F.action == "confirm_delete"))
