"""/reminders: the list with cancel buttons, and the short dialogue for a custom reminder.

The dialogue keeps what the user already entered in FSM data (stored in SQLite), so bad input,
"back" or a restart never loses the earlier steps.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.clock import Clock
from bot.content.parsing import (
    InputError,
    InputProblem,
    parse_date,
    parse_reminder_text,
    parse_time,
)
from bot.content.profile import effective_time_zone
from bot.formatting import (
    format_datetime,
    format_day,
    format_short_datetime,
    format_time_zone,
)
from bot.i18n import current_locale
from bot.reminders.engine import ReminderEngine, custom_reminder
from bot.reminders.rules import MAX_PENDING_PER_USER, MAX_TEXT_LENGTH, horizon_end, local_to_utc
from bot.telegram.callbacks import MenuCb, NewReminderCb, RemindersCb
from bot.telegram.filters import NotACommand
from bot.telegram.keyboards import back_to_menu_button, main_menu_keyboard
from bot.telegram.screens import show
from storage.reminders import Reminder
from storage.users import UserRecord

LIST_LIMIT = 10
MISSED_WINDOW_S = 7 * 24 * 3600
TIME_CHOICES = ("09:00", "12:00", "18:00", "21:00")  # packed as "09.00": ":" splits callback data


class NewReminder(StatesGroup):
    date = State()
    time = State()
    text = State()


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


# -- the list -----------------------------------------------------------------------------------


def _reminder_line(engine: ReminderEngine, number: int, reminder: Reminder, zone: str) -> str:
    when = format_datetime(reminder.fire_at, zone, current_locale())
    return f"{number}. <b>{when}</b>\n{escape(engine.summary(reminder), quote=False)}"


async def render_list(
    engine: ReminderEngine, user: UserRecord, clock: Clock, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    zone = effective_time_zone(user)
    upcoming = await engine.repo.upcoming_for_user(
        user.id, limit=MAX_PENDING_PER_USER, kinds=engine.listed_kinds
    )
    missed = await engine.repo.recently_missed(
        user.id, since=int(clock.now()) - MISSED_WINDOW_S, kinds=engine.listed_kinds
    )
    lines = [notice, ""] if notice else []
    lines.append(_("<b>Your reminders</b>"))
    if upcoming:
        lines.append(
            _("Times: {zone}").format(zone=format_time_zone(zone, current_locale(), clock.now()))
        )
        lines.append("")
        lines += [
            _reminder_line(engine, n, r, zone) for n, r in enumerate(upcoming[:LIST_LIMIT], start=1)
        ]
        if len(upcoming) > LIST_LIMIT:
            lines.append(_("…and {count} more.").format(count=len(upcoming) - LIST_LIMIT))
    else:
        lines.append(
            _(
                "You have no upcoming reminders. I can remind you of a flight, a deadline or "
                "anything else at the time you choose."
            )
        )
    if missed:
        lines += ["", _("<b>Missed while I was offline</b>")]
        lines += [
            f"• {format_datetime(r.due_at, zone, current_locale())}: "
            f"{escape(engine.summary(r), quote=False)}"
            for r in missed
        ]
    rows = [
        [
            _button(
                _("❌ Cancel {number} · {when}").format(
                    number=n, when=format_short_datetime(r.fire_at, zone, current_locale())
                ),
                RemindersCb(action="cancel", id=r.id).pack(),
            )
        ]
        for n, r in enumerate(upcoming[:LIST_LIMIT], start=1)
    ]
    rows.append([_button(_("➕ New reminder"), RemindersCb(action="new").pack())])
    rows.append([back_to_menu_button()])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


async def reminders_command(
    message: Message,
    state: FSMContext,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
) -> None:
    await state.clear()
    text, markup = await render_list(reminders, user_record, clock)
    await message.answer(text, reply_markup=markup)


async def reminders_section(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
) -> None:
    await state.clear()
    text, markup = await render_list(reminders, user_record, clock)
    await show(query, text, markup)


async def cancel_reminder(
    query: CallbackQuery,
    callback_data: RemindersCb,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
) -> None:
    cancelled = await reminders.cancel(callback_data.id, user_id=user_record.id)
    notice = _("Reminder cancelled.") if cancelled else _("This reminder is no longer active.")
    text, markup = await render_list(reminders, user_record, clock, notice=notice)
    await show(query, text, markup)


# -- the dialogue ------------------------------------------------------------------------------


def _local_today(user: UserRecord, clock: Clock) -> date:
    return datetime.fromtimestamp(clock.now(), ZoneInfo(effective_time_zone(user))).date()


def _nav_row(*, back: bool) -> list[InlineKeyboardButton]:
    row = [_button(_("✖️ Cancel"), NewReminderCb(step="cancel").pack())]
    if back:
        row.insert(0, _button(_("⬅️ Back"), NewReminderCb(step="back").pack()))
    return row


def _date_screen(problem: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "<b>New reminder</b>, step 1 of 3\n"
        "On what date? Send it like 25.12.2026, 2026-12-25 or 25/12, or choose below."
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("Today"), NewReminderCb(step="today").pack()),
                _button(_("Tomorrow"), NewReminderCb(step="tomorrow").pack()),
            ],
            _nav_row(back=False),
        ]
    )
    return (f"{problem}\n\n{text}" if problem else text), markup


def _time_screen(
    day: date, user: UserRecord, clock: Clock, problem: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    zone = effective_time_zone(user)
    text = _(
        "<b>New reminder</b>, step 2 of 3\nDate: {date}.\n"
        "At what time? Send it like 09:00 or 18:30 ({zone}), or choose below."
    ).format(
        date=format_day(day, current_locale()),
        zone=format_time_zone(zone, current_locale(), clock.now()),
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(choice, NewReminderCb(step="time", value=choice.replace(":", ".")).pack())
                for choice in TIME_CHOICES
            ],
            _nav_row(back=True),
        ]
    )
    return (f"{problem}\n\n{text}" if problem else text), markup


def _text_screen(
    due_at: int, user: UserRecord, problem: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "<b>New reminder</b>, step 3 of 3\nWhen: {when}.\n"
        "What should I remind you of? Up to {limit} characters."
    ).format(
        when=format_datetime(due_at, effective_time_zone(user), current_locale()),
        limit=MAX_TEXT_LENGTH,
    )
    markup = InlineKeyboardMarkup(inline_keyboard=[_nav_row(back=True)])
    return (f"{problem}\n\n{text}" if problem else text), markup


def problem_text(problem: InputProblem, **values: object) -> str:
    texts = {
        InputProblem.DATE_FORMAT: _(
            "I could not read that date. Please send it like 25.12.2026, 2026-12-25 or 25/12."
        ),
        InputProblem.NO_SUCH_DATE: _(
            "There is no such date in the calendar. Please check the day and the month."
        ),
        InputProblem.DATE_PAST: _(
            "That date has already passed. Please choose today or a later date."
        ),
        InputProblem.DATE_TOO_FAR: _(
            "That is too far ahead: I can remind you until {date} at the latest."
        ),
        InputProblem.TIME_FORMAT: _(
            "I could not read that time. Please send it like 09:00 or 18:30."
        ),
        InputProblem.TIME_PAST: _(
            "That time has already passed. Please choose a later time, or go back and pick "
            "another date."
        ),
        InputProblem.TEXT_EMPTY: _("Please send the reminder as a text message."),
        InputProblem.TEXT_TOO_LONG: ngettext(
            "That is {length} character; please keep it to {limit}.",
            "That is {length} characters; please keep it to {limit}.",
            int(str(values.get("length", 0))),
        ),
    }
    return "⚠️ " + texts[problem].format(**values)


async def start_dialogue(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    reminders: ReminderEngine,
) -> None:
    typed = await reminders.repo.count_pending_for_user(user_record.id, kinds=("custom",))
    if typed >= MAX_PENDING_PER_USER:
        await query.answer(
            _(
                "You already have {limit} upcoming reminders, the most I keep. Cancel one to add "
                "another."
            ).format(limit=MAX_PENDING_PER_USER),
            show_alert=True,
        )
        return
    await state.set_state(NewReminder.date)
    await state.set_data({})
    await show(query, *_date_screen())


async def _accept_date(
    event: Message | CallbackQuery,
    day: date,
    state: FSMContext,
    user: UserRecord,
    clock: Clock,
) -> None:
    today = _local_today(user, clock)
    problem: str | None = None
    if day < today:
        problem = problem_text(InputProblem.DATE_PAST)
    elif day > horizon_end(today):
        problem = problem_text(
            InputProblem.DATE_TOO_FAR, date=format_day(horizon_end(today), current_locale())
        )
    if problem:
        await show(event, *_date_screen(problem))
        return
    await state.update_data(date=day.isoformat())
    await state.set_state(NewReminder.time)
    await show(event, *_time_screen(day, user, clock))


async def date_typed(
    message: Message, state: FSMContext, user_record: UserRecord, clock: Clock
) -> None:
    try:
        day = parse_date(message.text or "", _local_today(user_record, clock))
    except InputError as error:
        await show(message, *_date_screen(problem_text(error.problem)))
        return
    await _accept_date(message, day, state, user_record, clock)


async def date_chosen(
    query: CallbackQuery,
    callback_data: NewReminderCb,
    state: FSMContext,
    user_record: UserRecord,
    clock: Clock,
) -> None:
    today = _local_today(user_record, clock)
    day = today if callback_data.step == "today" else today + timedelta(days=1)
    await _accept_date(query, day, state, user_record, clock)


async def _accept_time(
    event: Message | CallbackQuery, at: time, state: FSMContext, user: UserRecord, clock: Clock
) -> None:
    data = await state.get_data()
    day = date.fromisoformat(data["date"])
    due_at = local_to_utc(day, at, effective_time_zone(user))
    if due_at <= clock.now():
        await show(event, *_time_screen(day, user, clock, problem_text(InputProblem.TIME_PAST)))
        return
    await state.update_data(time=at.strftime("%H:%M"))
    await state.set_state(NewReminder.text)
    await show(event, *_text_screen(due_at, user))


async def time_typed(
    message: Message, state: FSMContext, user_record: UserRecord, clock: Clock
) -> None:
    try:
        at = parse_time(message.text or "")
    except InputError as error:
        day = date.fromisoformat((await state.get_data())["date"])
        await show(message, *_time_screen(day, user_record, clock, problem_text(error.problem)))
        return
    await _accept_time(message, at, state, user_record, clock)


async def time_chosen(
    query: CallbackQuery,
    callback_data: NewReminderCb,
    state: FSMContext,
    user_record: UserRecord,
    clock: Clock,
) -> None:
    try:
        at = parse_time(callback_data.value)
    except InputError:  # not one of our buttons: a forged or corrupted callback
        await query.answer(_("This button is out of date."))
        return
    await _accept_time(query, at, state, user_record, clock)


async def text_typed(
    message: Message,
    state: FSMContext,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
) -> None:
    data = await state.get_data()
    day, at = date.fromisoformat(data["date"]), time.fromisoformat(data["time"])
    zone = effective_time_zone(user_record)
    try:
        text = parse_reminder_text(message.text, MAX_TEXT_LENGTH)
    except InputError as error:
        problem = problem_text(
            error.problem, length=len((message.text or "").strip()), limit=MAX_TEXT_LENGTH
        )
        await show(message, *_text_screen(local_to_utc(day, at, zone), user_record, problem))
        return
    if local_to_utc(day, at, zone) <= clock.now():
        # The moment passed while the user was typing: back to the time step, date kept.
        await state.set_state(NewReminder.time)
        await show(
            message, *_time_screen(day, user_record, clock, problem_text(InputProblem.TIME_PAST))
        )
        return
    reminder = await reminders.schedule(custom_reminder(user_record, day, at, text))
    await state.clear()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("⏰ My reminders"), MenuCb(section="reminders").pack())],
            [back_to_menu_button()],
        ]
    )
    await message.answer(
        _("✅ Done! I will remind you on {when} ({zone}):\n«{text}»").format(
            when=format_datetime(reminder.fire_at, zone, current_locale()),
            zone=format_time_zone(zone, current_locale(), clock.now()),
            text=escape(text, quote=False),
        ),
        reply_markup=markup,
    )


async def go_back(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, clock: Clock
) -> None:
    current = await state.get_state()
    data = await state.get_data()
    if current == NewReminder.text.state:
        await state.set_state(NewReminder.time)
        await show(query, *_time_screen(date.fromisoformat(data["date"]), user_record, clock))
    else:
        await state.set_state(NewReminder.date)
        await show(query, *_date_screen())


async def cancel_dialogue(query: CallbackQuery, state: FSMContext, user_record: UserRecord) -> None:
    await state.clear()
    await show(
        query,
        _("Okay, no reminder was created.") + "\n\n" + _("Choose a section:"),
        main_menu_keyboard(user_record),
    )


async def dialogue_button_outdated(query: CallbackQuery) -> None:
    """A button of a finished dialogue: the state is gone, so say so instead of guessing."""
    await query.answer(_("This button is out of date."))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    in_dialogue = StateFilter(NewReminder.date, NewReminder.time, NewReminder.text)
    not_a_command = NotACommand()

    router.message.register(reminders_command, Command("reminders"))
    router.callback_query.register(reminders_section, MenuCb.filter(F.section == "reminders"))
    router.callback_query.register(cancel_reminder, RemindersCb.filter(F.action == "cancel"))
    router.callback_query.register(start_dialogue, RemindersCb.filter(F.action == "new"))

    router.callback_query.register(
        cancel_dialogue, NewReminderCb.filter(F.step == "cancel"), in_dialogue
    )
    router.callback_query.register(go_back, NewReminderCb.filter(F.step == "back"), in_dialogue)
    router.callback_query.register(
        date_chosen,
        NewReminderCb.filter(F.step.in_({"today", "tomorrow"})),
        StateFilter(NewReminder.date),
    )
    router.callback_query.register(
        time_chosen, NewReminderCb.filter(F.step == "time"), StateFilter(NewReminder.time)
    )
    router.callback_query.register(dialogue_button_outdated, NewReminderCb.filter())

    router.message.register(date_typed, StateFilter(NewReminder.date), not_a_command)
    router.message.register(time_typed, StateFilter(NewReminder.time), not_a_command)
    router.message.register(text_typed, StateFilter(NewReminder.text), not_a_command)
