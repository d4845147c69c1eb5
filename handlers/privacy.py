"""/mydata, /privacy, /deletemydata: what the bot stores about the user, why, and erasing it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.content.profile import AUDIENCE_LABELS, TIME_ZONE_CHOICES, effective_time_zone
from bot.departure.checklist import checklist_data_line
from bot.eps.tracker import TOPIC as TRACKER_TOPIC
from bot.formatting import format_date, format_day, format_time_zone
from bot.i18n import LANGUAGE_NAMES
from bot.reminders.engine import ReminderEngine
from bot.telegram.callbacks import MenuCb, PrivacyCb, TimeZoneCb
from bot.telegram.keyboards import (
    audience_keyboard,
    confirm_delete_keyboard,
    my_data_keyboard,
    privacy_keyboard,
    time_zone_keyboard,
)
from bot.telegram.screens import show
from storage.checklists import ChecklistRepository
from storage.eligibility import EligibilityRepository
from storage.subscriptions import SubscriptionRepository
from storage.users import UserRecord, UserRepository


async def render_my_data(
    record: UserRecord,
    clock: Clock,
    reminders: ReminderEngine,
    notice: str | None = None,
    *,
    selfchecks: EligibilityRepository,
    checklists: ChecklistRepository,
    subscriptions: SubscriptionRepository,
) -> tuple[str, InlineKeyboardMarkup]:
    """Everything stored about the user, feature by feature: each feature that keeps personal
    data adds its line here, so this screen stays the complete answer to "what do you keep?"."""
    i18n = I18n.get_current()
    locale = i18n.current_locale
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
        _("• Time zone: {zone}").format(zone=format_time_zone(zone, locale, clock.now())),
        _("• With me since: {date}").format(date=format_date(record.created_at, zone, locale)),
        _("• Upcoming reminders: {count} (texts in /reminders)").format(
            count=await reminders.repo.count_pending_for_user(
                record.id, kinds=reminders.listed_kinds
            )
        ),
    ]
    checked_on = await selfchecks.checked_on(record.id)
    if checked_on is not None:
        lines.append(
            _("• EPS self-check result of {date}: outcomes only, no answers (/selfcheck)").format(
                date=format_day(checked_on, locale)
            )
        )
    plan = await checklists.get(record.id)
    if plan is not None:
        lines.append(checklist_data_line(plan, locale))
    if await subscriptions.is_subscribed(record.id, TRACKER_TOPIC):
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
    if notice:
        lines.insert(0, notice + "\n")
    return "\n".join(lines), my_data_keyboard()


async def my_data_command(
    message: Message,
    state: FSMContext,
    user_record: UserRecord,
    clock: Clock,
    reminders: ReminderEngine,
    selfchecks: EligibilityRepository,
    checklists: ChecklistRepository,
    subscriptions: SubscriptionRepository,
) -> None:
    await state.clear()
    text, markup = await render_my_data(
        user_record,
        clock,
        reminders,
        selfchecks=selfchecks,
        checklists=checklists,
        subscriptions=subscriptions,
    )
    await message.answer(text, reply_markup=markup)


async def my_data_section(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    clock: Clock,
    reminders: ReminderEngine,
    selfchecks: EligibilityRepository,
    checklists: ChecklistRepository,
    subscriptions: SubscriptionRepository,
) -> None:
    await state.clear()  # opening another section leaves any dialogue, as commands do
    text, markup = await render_my_data(
        user_record,
        clock,
        reminders,
        selfchecks=selfchecks,
        checklists=checklists,
        subscriptions=subscriptions,
    )
    await show(query, text, markup)


async def change_audience(query: CallbackQuery) -> None:
    await show(query, _("Who are you?"), audience_keyboard())


async def choose_time_zone(query: CallbackQuery, clock: Clock) -> None:
    locale = I18n.get_current().current_locale
    await show(
        query,
        _("Which clock should I use for your reminders and dates?"),
        time_zone_keyboard(locale, clock.now()),
    )


async def time_zone_chosen(
    query: CallbackQuery,
    callback_data: TimeZoneCb,
    user_record: UserRecord,
    users: UserRepository,
    reminders: ReminderEngine,
    clock: Clock,
    selfchecks: EligibilityRepository,
    checklists: ChecklistRepository,
    subscriptions: SubscriptionRepository,
) -> None:
    if callback_data.zone != "auto" and callback_data.zone not in TIME_ZONE_CHOICES:
        await query.answer(_("This button is out of date."))
        return
    await users.set_time_zone(
        user_record.id, None if callback_data.zone == "auto" else callback_data.zone
    )
    record = await users.get(user_record.id) or user_record
    moved = await reminders.replan_user(record)
    notice = _("Saved.")
    if moved:
        notice += " " + _("Your reminders keep their clock time in the new zone.")
    text, markup = await render_my_data(
        record,
        clock,
        reminders,
        notice=notice,
        selfchecks=selfchecks,
        checklists=checklists,
        subscriptions=subscriptions,
    )
    await show(query, text, markup)


def delete_question() -> str:
    return _(
        "Delete all your data? Your settings and everything you saved here will be erased "
        "for good. This cannot be undone."
    )


async def ask_delete(query: CallbackQuery) -> None:
    await show(query, delete_question(), confirm_delete_keyboard())


async def delete_command(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(delete_question(), reply_markup=confirm_delete_keyboard())


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


async def privacy_command(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(privacy_notice(), reply_markup=privacy_keyboard())


async def privacy_section(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(query, privacy_notice(), privacy_keyboard())


async def keep_data(
    query: CallbackQuery,
    user_record: UserRecord,
    clock: Clock,
    reminders: ReminderEngine,
    selfchecks: EligibilityRepository,
    checklists: ChecklistRepository,
    subscriptions: SubscriptionRepository,
) -> None:
    notice = _("Nothing was deleted.")
    text, markup = await render_my_data(
        user_record,
        clock,
        reminders,
        notice=notice,
        selfchecks=selfchecks,
        checklists=checklists,
        subscriptions=subscriptions,
    )
    await show(query, text, markup)


async def confirm_delete(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    users: UserRepository,
    reminders: ReminderEngine,
) -> None:
    await state.clear()
    await reminders.cancel_all(user_record.id)  # disarm first; the rows go with the user
    await users.delete(user_record.id)
    await show(
        query,
        _(
            "Done. Everything I stored about you has been deleted. "
            "If you write to me again, I will start from scratch: /start"
        ),
    )


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    router.message.register(my_data_command, Command("mydata"))
    router.message.register(delete_command, Command("deletemydata"))
    router.message.register(privacy_command, Command("privacy"))
    router.callback_query.register(privacy_section, MenuCb.filter(F.section == "privacy"))
    router.callback_query.register(my_data_section, MenuCb.filter(F.section == "mydata"))
    router.callback_query.register(change_audience, PrivacyCb.filter(F.action == "change_audience"))
    router.callback_query.register(choose_time_zone, PrivacyCb.filter(F.action == "time_zone"))
    router.callback_query.register(time_zone_chosen, TimeZoneCb.filter())
    router.callback_query.register(ask_delete, PrivacyCb.filter(F.action == "ask_delete"))
    router.callback_query.register(keep_data, PrivacyCb.filter(F.action == "keep"))
    router.callback_query.register(confirm_delete, PrivacyCb.filter(F.action == "confirm_delete"))
