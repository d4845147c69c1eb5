"""/mydata, /privacy, /deletemydata: what the bot stores about the user, why, and erasing it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.content.profile import AUDIENCE_LABELS, TIME_ZONE_CHOICES, effective_time_zone
from bot.departure.checklist import checklist_data_line
from bot.departure.service import DeparturePlans
from bot.formatting import format_date, format_day, format_time_zone
from bot.i18n import LANGUAGE_NAMES, current_locale
from bot.privacy.personal import PersonalData, StoredData
from bot.reminders.engine import ReminderEngine
from bot.telegram.callbacks import PrivacyCb, TimeZoneCb, menu_section
from bot.telegram.dialogue import on_command_or_button, out_of_date
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
    """Everything stored about the user, feature by feature (`PersonalData.collect`)."""
    record = data.user
    locale = current_locale()
    zone = effective_time_zone(record)
    not_chosen = _("not chosen yet")
    lines = [
        _("<b>Your data</b>\nThis is everything I store about you:"),
        _("• Language: {language}").format(
            language=LANGUAGE_NAMES.get(record.language or "", not_chosen)
        ),
        _("• Who you are: {audience}").format(
            audience=str(AUDIENCE_LABELS[record.audience]) if record.audience else not_chosen
        ),
        _("• Time zone: {zone}").format(zone=format_time_zone(zone, locale, data.now)),
        _("• With me since: {date}").format(date=format_date(record.created_at, zone, locale)),
        _("• Upcoming reminders: {count} (texts in /reminders)").format(
            count=data.upcoming_reminders
        ),
    ]
    if data.selfcheck_on is not None:
        lines.append(
            _("• EPS self-check result of {date}: outcomes only, no answers (/selfcheck)").format(
                date=format_day(data.selfcheck_on, locale)
            )
        )
    if data.departure_plan is not None:
        lines.append(checklist_data_line(data.departure_plan, locale))
    if data.tracker_news:
        lines.append(
            _(
                "• Subscription to news on Kazakhstan and EPS (turn it off on the tracker screen "
                "or under any news)"
            )
        )
    lines += [
        "",
        _(
            "I never ask for passport numbers, and I do not store your visa status: the "
            "self-check keeps only its outcome per requirement."
        ),
    ]
    return Screen("\n".join(lines), my_data_keyboard())


async def my_data(user: UserRecord, personal_data: PersonalData) -> Screen:
    return my_data_screen(await personal_data.collect(user))


async def open_my_data(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    personal_data: PersonalData,
) -> None:
    await state.clear()  # opening a section leaves any dialogue
    await show(event, await my_data(user_record, personal_data))


async def change_audience(query: CallbackQuery) -> None:
    await show(query, Screen(_("Who are you?"), audience_keyboard()))


async def choose_time_zone(query: CallbackQuery, clock: Clock) -> None:
    text = _("Which clock should I use for your reminders and dates?")
    await show(query, Screen(text, time_zone_keyboard(current_locale(), clock.now())))


async def time_zone_chosen(
    query: CallbackQuery,
    callback_data: TimeZoneCb,
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
    await show(query, (await my_data(record, personal_data)).above(notice))


def delete_question() -> str:
    return _(
        "Delete all your data? Your settings and everything you saved here will be erased "
        "for good. This cannot be undone."
    )


async def ask_delete(event: Message | CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(event, Screen(delete_question(), confirm_delete_keyboard()))


def privacy_notice() -> str:
    return _(
        "<b>Privacy</b>\n"
        "I keep only what my features need: your Telegram id, language, time zone, who you are "
        "(worker, family or other), the reminders you create and the outcome of your EPS "
        "self-check.\n"
        "I never ask for your name, phone or passport number, and I do not store your visa "
        "status.\n"
        "Staff see only totals, never who wrote what. My logs contain no message texts.\n"
        "See everything I store with /mydata; erase all of it with /deletemydata."
    )


async def open_privacy(event: Message | CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(event, Screen(privacy_notice(), privacy_keyboard()))


async def keep_data(
    query: CallbackQuery, user_record: UserRecord, personal_data: PersonalData
) -> None:
    await show(query, (await my_data(user_record, personal_data)).above(_("Nothing was deleted.")))


async def confirm_delete(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    personal_data: PersonalData,
) -> None:
    await state.clear()
    await personal_data.erase(user_record)
    text = _(
        "Done. Everything I stored about you has been deleted. "
        "If you write to me again, I will start from scratch: /start"
    )
    await show(query, Screen(text))


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
