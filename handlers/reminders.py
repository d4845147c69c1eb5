"""/reminders: the list with cancel buttons, and the short dialogue for a custom reminder.

The dialogue keeps what the user already entered in FSM data (stored in SQLite), so bad input,
"back" or a restart never loses the earlier steps.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.clock import Clock
from bot.content.parsing import (
    InputError,
    InputProblem,
    input_problem_text,
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
from bot.telegram.callbacks import MenuCb, NewReminderCb, RemindersCb, ResumeCb, menu_section
from bot.telegram.dialogue import Steps, leave_dialogue, on_command_or_button, out_of_date
from bot.telegram.filters import NotACommand
from bot.telegram.keyboards import back_to_menu_button, main_menu_keyboard
from bot.telegram.screens import Screen, button, keyboard, show
from storage.reminders import Reminder
from storage.users import UserRecord

LIST_LIMIT = 10
MISSED_WINDOW_S = 7 * 24 * 3600
TIME_CHOICES = ("09:00", "12:00", "18:00", "21:00")  # packed as "09.00": ":" splits callback data


class NewReminder(StatesGroup):
    date = State()
    time = State()
    text = State()


# -- the list -----------------------------------------------------------------------------------


def _reminder_line(engine: ReminderEngine, number: int, reminder: Reminder, zone: str) -> str:
    when = format_datetime(reminder.fire_at, zone, current_locale())
    return f"{number}. <b>{when}</b>\n{escape(engine.summary(reminder), quote=False)}"


async def list_screen(engine: ReminderEngine, user: UserRecord, clock: Clock) -> Screen:
    zone = effective_time_zone(user)
    upcoming = await engine.repo.upcoming_for_user(
        user.id, limit=MAX_PENDING_PER_USER, kinds=engine.listed_kinds
    )
    missed = await engine.repo.recently_missed(
        user.id, since=int(clock.now()) - MISSED_WINDOW_S, kinds=engine.listed_kinds
    )
    lines = [_("<b>Your reminders</b>")]
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
            button(
                _("❌ Cancel {number} · {when}").format(
                    number=n, when=format_short_datetime(r.fire_at, zone, current_locale())
                ),
                RemindersCb(action="cancel", id=r.id),
            )
        ]
        for n, r in enumerate(upcoming[:LIST_LIMIT], start=1)
    ]
    rows.append([button(_("➕ New reminder"), RemindersCb(action="new"))])
    rows.append([back_to_menu_button()])
    return Screen("\n".join(lines), keyboard(*rows))


async def open_reminders(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
) -> None:
    left = await leave_dialogue(state)  # opening a section leaves any dialogue, and says so
    await show(event, (await list_screen(reminders, user_record, clock)).above(left))


async def cancel_reminder(
    query: CallbackQuery,
    callback_data: RemindersCb,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
) -> None:
    cancelled = await reminders.cancel(callback_data.id, user_id=user_record.id)
    screen = await list_screen(reminders, user_record, clock)
    if not cancelled:
        await show(query, screen.above(_("This reminder is no longer active.")))
        return
    # One tap cancels, so one tap brings it back.
    undo = button(_("↩️ Undo"), RemindersCb(action="undo", id=callback_data.id))
    await show(query, screen.above(_("Reminder cancelled.")).with_rows_above([undo]))


async def undo_cancel(
    query: CallbackQuery,
    callback_data: RemindersCb,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
) -> None:
    restored = await reminders.restore(callback_data.id, user_id=user_record.id)
    notice = (
        _("Reminder restored.")
        if restored
        else _("This reminder cannot be restored: its time has passed.")
    )
    await show(query, (await list_screen(reminders, user_record, clock)).above(notice))


async def follow_up(
    query: CallbackQuery,
    callback_data: RemindersCb,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
) -> None:
    """Under a delivered reminder: again in an hour ("snooze"), or tomorrow at the same time."""
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
    original = await reminders.repo.mark_followed_up(callback_data.id, user_id=user_record.id)
    if original is None or original.kind != "custom":
        await out_of_date(query)  # already snoozed, or not a reminder the user typed
        return
    zone = effective_time_zone(user_record)
    if callback_data.action == "snooze":
        moment = datetime.fromtimestamp(clock.now() + 3600, ZoneInfo(zone))
        day, at = moment.date(), moment.time().replace(second=0, microsecond=0)
    else:
        at = datetime.fromisoformat(str(original.payload["local"])).time()
        day = _local_today(user_record, clock) + timedelta(days=1)
    text = str(original.payload.get("text", ""))
    again = await reminders.schedule(custom_reminder(user_record, day, at, text))
    if isinstance(query.message, Message):  # the buttons did their job: only the list stays
        mine = keyboard([button(_("⏰ My reminders"), MenuCb(section="reminders"))])
        with suppress(TelegramBadRequest):  # too old to edit: the new reminder stands anyway
            await query.message.edit_reply_markup(reply_markup=mine)
    when = format_datetime(again.fire_at, zone, current_locale())
    await query.answer(_("I will remind you again on {when}.").format(when=when))


# -- the dialogue ------------------------------------------------------------------------------

STEPS = Steps(
    NewReminder,
    name=__("New reminder"),
    back=NewReminderCb(step="back"),
    cancel=NewReminderCb(step="cancel"),
)


def _local_today(user: UserRecord, clock: Clock) -> date:
    return datetime.fromtimestamp(clock.now(), ZoneInfo(effective_time_zone(user))).date()


def _date_screen() -> Screen:
    text = _(
        "<b>New reminder</b>, step 1 of 3\n"
        "On what date? Send it like 25.12.2026, 2026-12-25 or 25/12, or choose below."
    )
    choices = [
        button(_("Today"), NewReminderCb(step="today")),
        button(_("Tomorrow"), NewReminderCb(step="tomorrow")),
    ]
    return Screen(text, keyboard(choices, STEPS.nav_row(NewReminder.date)))


def _time_screen(day: date, user: UserRecord, clock: Clock) -> Screen:
    zone = effective_time_zone(user)
    text = _(
        "<b>New reminder</b>, step 2 of 3\nDate: {date}.\n"
        "At what time? Send it like 09:00 or 18:30 ({zone}), or choose below."
    ).format(
        date=format_day(day, current_locale()),
        zone=format_time_zone(zone, current_locale(), clock.now()),
    )
    # Only times still ahead: on the same day, a preset that has passed would only be refused.
    choices = [
        button(choice, NewReminderCb(step="time", value=choice.replace(":", ".")))
        for choice in TIME_CHOICES
        if local_to_utc(day, time.fromisoformat(choice), zone) > clock.now()
    ]
    return Screen(text, keyboard(choices, STEPS.nav_row(NewReminder.time)))


def _text_screen(due_at: int, user: UserRecord) -> Screen:
    text = _(
        "<b>New reminder</b>, step 3 of 3\nWhen: {when}.\n"
        "What should I remind you of? Up to {limit} characters."
    ).format(
        when=format_datetime(due_at, effective_time_zone(user), current_locale()),
        limit=MAX_TEXT_LENGTH,
    )
    return Screen(text, keyboard(STEPS.nav_row(NewReminder.text)))


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
    await show(query, _date_screen())


def _typed(event: Message | CallbackQuery) -> str:
    return (event.text or "") if isinstance(event, Message) else ""


def _date_problem(day: date, today: date) -> str | None:
    if day < today:
        return input_problem_text(InputProblem.DATE_PAST)
    if day > horizon_end(today):
        last = format_day(horizon_end(today), current_locale())
        return input_problem_text(InputProblem.DATE_TOO_FAR, date=last)
    return None


async def answered(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
    callback_data: NewReminderCb | None = None,
) -> None:
    """Whatever the user gives at a step: typed, or a preset button (today, tomorrow, a time);
    both are checked the same way."""
    step = await STEPS.current(state)
    if step is NewReminder.date:
        await _take_date(event, state, user_record, clock, callback_data)
    elif step is NewReminder.time:
        await _take_time(event, state, user_record, clock, callback_data)
    elif isinstance(event, Message):
        await _take_text(event, state, user_record, reminders, clock)


async def _take_date(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    clock: Clock,
    pressed: NewReminderCb | None,
) -> None:
    today = _local_today(user_record, clock)
    if pressed is not None:
        day = today + timedelta(days=0 if pressed.step == "today" else 1)
    else:
        try:
            day = parse_date(_typed(event), today)
        except InputError as error:
            await show(event, _date_screen().with_problem(input_problem_text(error.problem)))
            return
    problem = _date_problem(day, today)
    if problem:
        await show(event, _date_screen().with_problem(problem))
        return
    await state.update_data(date=day.isoformat())
    await state.set_state(NewReminder.time)
    await show(event, _time_screen(day, user_record, clock))


async def _take_time(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    clock: Clock,
    pressed: NewReminderCb | None,
) -> None:
    day = date.fromisoformat((await state.get_data())["date"])
    try:
        at = parse_time(pressed.value if pressed else _typed(event))
    except InputError as error:
        if isinstance(event, CallbackQuery):
            await out_of_date(event)  # not one of our buttons: forged or corrupted
            return
        screen = _time_screen(day, user_record, clock)
        await show(event, screen.with_problem(input_problem_text(error.problem)))
        return
    due_at = local_to_utc(day, at, effective_time_zone(user_record))
    if due_at <= clock.now():
        problem = input_problem_text(InputProblem.TIME_PAST)
        await show(event, _time_screen(day, user_record, clock).with_problem(problem))
        return
    await state.update_data(time=at.strftime("%H:%M"))
    await state.set_state(NewReminder.text)
    await show(event, _text_screen(due_at, user_record))


async def _take_text(
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
        problem = input_problem_text(
            error.problem, length=len((message.text or "").strip()), limit=MAX_TEXT_LENGTH
        )
        screen = _text_screen(local_to_utc(day, at, zone), user_record)
        await show(message, screen.with_problem(problem))
        return
    if local_to_utc(day, at, zone) <= clock.now():
        # The moment passed while the user was typing: back to the time step, date kept.
        await state.set_state(NewReminder.time)
        problem = input_problem_text(InputProblem.TIME_PAST)
        await show(message, _time_screen(day, user_record, clock).with_problem(problem))
        return
    reminder = await reminders.schedule(custom_reminder(user_record, day, at, text))
    await state.clear()
    done = _("✅ Done! I will remind you on {when} ({zone}):\n«{text}»").format(
        when=format_datetime(reminder.fire_at, zone, current_locale()),
        zone=format_time_zone(zone, current_locale(), clock.now()),
        text=escape(text, quote=False),
    )
    markup = keyboard(
        [button(_("⏰ My reminders"), MenuCb(section="reminders"))], [back_to_menu_button()]
    )
    await show(message, Screen(done, markup))


async def _step_screen(
    step: State | None, state: FSMContext, user: UserRecord, clock: Clock
) -> Screen:
    """The screen of `step`, with what was answered before it."""
    data = await state.get_data()
    if step is NewReminder.text:
        day, at = date.fromisoformat(data["date"]), time.fromisoformat(data["time"])
        return _text_screen(local_to_utc(day, at, effective_time_zone(user)), user)
    if step is NewReminder.time:
        return _time_screen(date.fromisoformat(data["date"]), user, clock)
    return _date_screen()


async def go_back(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, clock: Clock
) -> None:
    current = await STEPS.current(state)
    previous = (STEPS.before(current) if current else None) or NewReminder.date
    await state.set_state(previous)
    await show(query, await _step_screen(previous, state, user_record, clock))


async def resume(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, clock: Clock
) -> None:
    """ "Continue where you left off" after /help or /mydata."""
    await show(query, await _step_screen(await STEPS.current(state), state, user_record, clock))


async def cancel_dialogue(query: CallbackQuery, state: FSMContext, user_record: UserRecord) -> None:
    await state.clear()
    text = _("Okay, no reminder was created.") + "\n\n" + _("Choose a section:")
    await show(query, Screen(text, main_menu_keyboard(user_record)))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    in_dialogue = STEPS.filter()
    not_a_command = NotACommand()

    on_command_or_button(router, "reminders", menu_section("reminders"), open_reminders)
    router.callback_query.register(cancel_reminder, RemindersCb.filter(F.action == "cancel"))
    router.callback_query.register(undo_cancel, RemindersCb.filter(F.action == "undo"))
    router.callback_query.register(
        follow_up, RemindersCb.filter(F.action.in_({"snooze", "tomorrow"}))
    )
    router.callback_query.register(start_dialogue, RemindersCb.filter(F.action == "new"))

    router.callback_query.register(
        cancel_dialogue, NewReminderCb.filter(F.step == "cancel"), in_dialogue
    )
    router.callback_query.register(go_back, NewReminderCb.filter(F.step == "back"), in_dialogue)
    router.callback_query.register(resume, ResumeCb.filter(), in_dialogue)
    router.callback_query.register(
        answered,
        NewReminderCb.filter(F.step.in_({"today", "tomorrow"})),
        STEPS.filter(NewReminder.date),
    )
    router.callback_query.register(
        answered, NewReminderCb.filter(F.step == "time"), STEPS.filter(NewReminder.time)
    )
    router.callback_query.register(out_of_date, NewReminderCb.filter())

    router.message.register(answered, in_dialogue, not_a_command)
