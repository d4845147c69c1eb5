"""The personal departure checklist and flight plan (/checklist, and the departure guide's button).

One screen holds everything: the flight and the dates that follow from it, progress, one
button per item (ticking edits the same message, so the chat does not fill up) and the
reminders planned. A short dialogue takes the flight date and, optionally, the time; each
change re-plans the reminders through `sync_departure_reminders`. Only dates and ticks are
stored: the bot never asks for names, passport or flight numbers.
"""

from __future__ import annotations

from datetime import date, time
from html import escape

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.content.facts import contact, source_line
from bot.content.parsing import (
    InputError,
    InputProblem,
    input_problem_text,
    parse_date,
    parse_time,
)
from bot.content.profile import effective_time_zone
from bot.departure.checklist import (
    ITEMS,
    ITEMS_BY_KEY,
    ChecklistItem,
    Group,
    HowToContext,
    open_items,
    progress,
    progress_lines,
)
from bot.departure.plan import (
    KOREA_ZONE,
    REPORT_ITEM,
    DeparturePlan,
    ProcedureRules,
    WindowState,
    check_flight_day,
    check_flight_time,
    korea_today,
    latest_flight_day,
    plan_departure,
)
from bot.departure.reminders import pending_departure_reminders, sync_departure_reminders
from bot.formatting import format_datetime, format_day, format_short_datetime
from bot.i18n import current_locale
from bot.reminders.engine import ReminderEngine
from bot.telegram.callbacks import ChecklistCb, MenuCb
from bot.telegram.dialogue import Steps, back_label, open_by_command_or_button, out_of_date
from bot.telegram.filters import NotACommand
from bot.telegram.screens import Screen, button, keyboard, show
from storage.checklists import Checklist, ChecklistRepository
from storage.content import ContentRepository, Fact
from storage.reminders import Reminder
from storage.users import UserRecord

# Facts the checklist and its "how to" screens may state.
FACT_KEYS = (
    "contacts",
    "departure.procedure",
    "departure.programme",
    "departure.online",
    "departure.wages",
    "departure.wage_rights",
    "departure.insurance",
    "departure.money_home",
)


class FlightDialogue(StatesGroup):
    date = State()
    time = State()


def _button(text: str, action: str, item: str = "") -> InlineKeyboardButton:
    return button(text, ChecklistCb(action=action, item=item))


def _back_to_checklist() -> InlineKeyboardButton:
    return _button(_("⬅️ Back to the checklist"), "show")


async def _facts(content: ContentRepository) -> dict[str, Fact]:
    return await content.get_many(FACT_KEYS)


def _rules(facts: dict[str, Fact]) -> ProcedureRules:
    return ProcedureRules.from_fact(facts["departure.procedure"].value)


def _plan_of(state: Checklist | None, rules: ProcedureRules) -> DeparturePlan | None:
    if state is None or state.flight_day is None:
        return None
    return plan_departure(state.flight_day, state.flight_time, rules)


def _sources(facts: dict[str, Fact], keys: tuple[str, ...]) -> list[str]:
    """Source lines of the confirmed facts among `keys` (unconfirmed ones are never stated)."""
    return [source_line(facts[key]) for key in keys if key in facts and facts[key].confirmed]


# -- the checklist screen ----------------------------------------------------------------------


def _flight_text(plan: DeparturePlan) -> str:
    day = format_day(plan.flight_day, current_locale())
    if plan.flight_time is None:
        return _("{date}, time not set").format(date=day)
    return f"{day}, {plan.flight_time.strftime('%H:%M')}"


def _plan_lines(
    plan: DeparturePlan, done: frozenset[str], facts: dict[str, Fact], now: float
) -> list[str]:
    locale = current_locale()
    rules = plan.rules
    lines = [_("✈️ Flight: <b>{flight}</b> (Korea time)").format(flight=_flight_text(plan))]
    if plan.has_passed(now):
        lines.append(_("This flight date has passed. Change it, or delete the plan."))
        return lines
    lines.append(
        _("📝 Departure report: from <b>{opens}</b> to <b>{closes}</b>").format(
            opens=format_day(plan.opens, locale), closes=format_day(plan.closes, locale)
        )
    )
    if plan.skipped_holidays:
        lines.append(
            _("Korean public holidays not counted: {days}.").format(
                days=", ".join(format_day(day, locale) for day in plan.skipped_holidays)
            )
        )
    window = plan.window_state(korea_today(now))
    if REPORT_ITEM in done:
        lines.append(_("✅ The report is ticked as made."))
    elif window is WindowState.OPEN:
        lines.append(_("🟢 You can make the report now. Do not leave it to the last day."))
    elif window is WindowState.CLOSED:
        lines.append(no_window_warning(rules, contact(facts["contacts"], "immigration")))
    airport_by = plan.airport_by
    if airport_by is not None:
        lines.append(
            _(
                "🛂 At the airport immigration office by <b>{airport}</b>, at least {hours} hours "
                "before the flight."
            ).format(
                airport=format_datetime(airport_by.timestamp(), KOREA_ZONE, locale),
                hours=rules.airport_hours,
            )
        )
    else:
        lines.append(
            _(
                "🛂 At the airport immigration office at least {hours} hours before the flight. "
                "Add the flight time and I will show the exact time."
            ).format(hours=rules.airport_hours)
        )
    return lines


def no_window_warning(rules: ProcedureRules, line: str) -> str:
    return _(
        "⚠️ <b>No reporting day is left before this flight.</b> The departure report has to be "
        "made at least {min_days} days before the flight (Korean public holidays do not count). "
        "Please call {line} (immigration, interpreters available) before you fly, or choose a "
        "later flight."
    ).format(min_days=rules.report_min_days, line=f"<b>{line}</b>")


def _reminder_lines(engine: ReminderEngine, pending: list[Reminder], user: UserRecord) -> list[str]:
    if not pending:
        return []
    zone = effective_time_zone(user)
    lines = [_("🔔 <b>I will remind you</b>:")]
    lines += [
        f"• {format_short_datetime(reminder.fire_at, zone, current_locale())}: "
        f"{escape(engine.summary(reminder), quote=False)}"
        for reminder in pending
    ]
    return lines


def _item_button(item: ChecklistItem, done: frozenset[str]) -> list[InlineKeyboardButton]:
    ticked = item.key in done
    return [
        _button(f"{'✅' if ticked else '⬜'} {item.label}", "undo" if ticked else "done", item.key),
        _button("ℹ️", "howto", item.key),
    ]


async def checklist_screen(
    user: UserRecord,
    checklists: ChecklistRepository,
    engine: ReminderEngine,
    content: ContentRepository,
    now: float,
) -> Screen:
    facts = await _facts(content)
    state = await checklists.get(user.id)
    done = state.done if state else frozenset()
    plan = _plan_of(state, _rules(facts))
    lines = [_("📋 <b>My departure checklist</b>"), ""]
    if plan is None:
        lines.append(
            _(
                "✈️ Flight date: not set yet. Add it, and I will work out when to make the "
                "departure report and remind you in time."
            )
        )
    else:
        lines += _plan_lines(plan, done, facts, now)
    lines += ["", *progress_lines(done)]
    reminder_lines = _reminder_lines(
        engine, await pending_departure_reminders(engine, user.id), user
    )
    if reminder_lines:
        lines += ["", *reminder_lines]
    lines += ["", _("Tap an item to tick or untick it; ℹ️ shows how to do it.")]
    source_keys = ("departure.programme",) + (("departure.procedure",) if plan else ())
    lines += ["", *_sources(facts, source_keys)]

    rows = [_item_button(item, done) for item in ITEMS]
    rows.append([_button(_("✈️ Change flight date") if plan else _("✈️ Add flight date"), "date")])
    if state is not None:
        rows.append(
            [_button(_("📤 Summary to forward"), "summary"), _button(_("🗑 Delete plan"), "delete")]
        )
    rows.append([button(back_label(), MenuCb(section="departure"))])
    return Screen("\n".join(lines), keyboard(*rows))


async def open_checklist(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    checklists: ChecklistRepository,
    reminders: ReminderEngine,
    content: ContentRepository,
    clock: Clock,
) -> None:
    await state.clear()  # opening a section leaves any dialogue
    await show(
        event, await checklist_screen(user_record, checklists, reminders, content, clock.now())
    )


async def _resync(
    user: UserRecord,
    checklists: ChecklistRepository,
    engine: ReminderEngine,
    content: ContentRepository,
    now: float,
) -> None:
    facts = await _facts(content)
    await sync_departure_reminders(
        engine,
        checklists,
        user,
        _rules(facts),
        now=now,
        immigration_line=contact(facts["contacts"], "immigration"),
    )


async def set_item(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    state: FSMContext,
    user_record: UserRecord,
    checklists: ChecklistRepository,
    reminders: ReminderEngine,
    content: ContentRepository,
    clock: Clock,
) -> None:
    item = ITEMS_BY_KEY.get(callback_data.item)
    if item is None:
        await out_of_date(query)
        return
    await state.clear()  # a button on the checklist leaves a half-done date dialogue
    done = callback_data.action == "done"
    await checklists.set_item(user_record.id, item.key, done=done, now=int(clock.now()))
    await _resync(user_record, checklists, reminders, content, clock.now())
    current = await checklists.get(user_record.id)
    popup = None
    if done and current is not None and not open_items(current.done):
        popup = _("Everything is ticked. Have a safe journey home!")
    elif done and item.key == REPORT_ITEM:
        popup = _("Report ticked: I will not remind you about it any more.")
    screen = await checklist_screen(user_record, checklists, reminders, content, clock.now())
    await show(query, screen.with_notice(popup))


async def how_to(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    state: FSMContext,
    user_record: UserRecord,
    checklists: ChecklistRepository,
    content: ContentRepository,
) -> None:
    item = ITEMS_BY_KEY.get(callback_data.item)
    if item is None:
        await out_of_date(query)
        return
    await state.clear()
    facts = await _facts(content)
    rules = _rules(facts)
    checklist = await checklists.get(user_record.id)
    done = checklist.done if checklist else frozenset()
    text = item.how_to(HowToContext(facts=facts, rules=rules, plan=_plan_of(checklist, rules)))
    group = (
        _("Required for the departure")
        if item.group is Group.REQUIRED
        else _("Recommended before you leave")
    )
    lines = [f"<i>{group}</i>", text, "", *_sources(facts, item.facts)]
    ticked = item.key in done
    markup = keyboard(
        [
            _button(_("↩️ Mark as not done"), "undo", item.key)
            if ticked
            else _button(_("✅ Mark as done"), "done", item.key)
        ],
        [_back_to_checklist()],
    )
    await show(query, Screen("\n".join(lines), markup))


# -- summary and deletion ----------------------------------------------------------------------


def plan_summary(state: Checklist | None, plan: DeparturePlan | None) -> str:
    """Plain text (no markup) for a family member: only dates and which items are done."""
    locale = current_locale()
    done = state.done if state else frozenset()
    lines = [_("📋 My departure plan")]
    if plan is None:
        lines.append(_("✈️ Flight: date not set yet"))
    else:
        lines.append(_("✈️ Flight: {flight} (Korea time)").format(flight=_flight_text(plan)))
        lines.append(
            _("📝 Departure report: between {opens} and {closes}").format(
                opens=format_day(plan.opens, locale), closes=format_day(plan.closes, locale)
            )
        )
        if plan.airport_by is not None:
            lines.append(
                _("🛂 At the airport by: {airport}").format(
                    airport=format_datetime(plan.airport_by.timestamp(), KOREA_ZONE, locale)
                )
            )
    finished = [str(item.label) for item in ITEMS if item.key in done]
    still_open = [str(item.label) for item in open_items(done)]
    required = progress(done, Group.REQUIRED)
    lines.append(
        _("Required: {done} of {total} done").format(done=required.done, total=required.total)
    )
    if finished:
        lines.append(_("✅ Done: {items}").format(items="; ".join(finished)))
    if still_open:
        lines.append(_("⬜ Still open: {items}").format(items="; ".join(still_open)))
    return "\n".join(lines)


async def send_summary(
    query: CallbackQuery,
    user_record: UserRecord,
    checklists: ChecklistRepository,
    content: ContentRepository,
    bot: Bot,
) -> None:
    facts = await _facts(content)
    state = await checklists.get(user_record.id)
    text = plan_summary(state, _plan_of(state, _rules(facts)))
    # A message of its own, without markup or buttons, so it forwards cleanly.
    await bot.send_message(user_record.id, text, parse_mode=None)
    await query.answer(_("Forward the message below to your family."))


async def ask_delete(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    text = _(
        "Delete your departure plan? The flight date, your ticks and the reminders for it "
        "will be erased."
    )
    markup = keyboard(
        [_button(_("Yes, delete the plan"), "delete_yes")], [_button(_("No, keep it"), "show")]
    )
    await show(query, Screen(text, markup))


async def delete_plan(
    query: CallbackQuery,
    user_record: UserRecord,
    checklists: ChecklistRepository,
    reminders: ReminderEngine,
    content: ContentRepository,
    clock: Clock,
) -> None:
    deleted = await checklists.delete(user_record.id)
    await _resync(user_record, checklists, reminders, content, clock.now())
    notice = _("Your departure plan and its reminders are deleted.") if deleted else None
    screen = await checklist_screen(user_record, checklists, reminders, content, clock.now())
    await show(query, screen.above(notice))


# -- the flight date dialogue ------------------------------------------------------------------

# Back from the time goes to the date again; Cancel returns to the checklist, nothing saved.
FLIGHT_STEPS = Steps(
    FlightDialogue, back=ChecklistCb(action="date"), cancel=ChecklistCb(action="show")
)


def _date_screen() -> Screen:
    text = _(
        "✈️ <b>Flight date</b>, step 1 of 2\n"
        "On what date does your plane leave Korea? Send it like 25.12.2026, 2026-12-25 or "
        "25/12. I only need the date, not the flight number."
    )
    return Screen(text, keyboard(FLIGHT_STEPS.nav_row(FlightDialogue.date)))


def _time_screen(day: date, rules: ProcedureRules) -> Screen:
    text = _(
        "✈️ <b>Flight time</b>, step 2 of 2\n"
        "Date: {date}.\n"
        "At what time does the plane leave, Korea time? Send it like 14:30. Not known yet? "
        'Skip it and add it later; until then I can only say "at least {hours} hours before '
        'the flight" for the airport.'
    ).format(date=format_day(day, current_locale()), hours=rules.airport_hours)
    markup = keyboard(
        [_button(_("⏭ Skip: time not known yet"), "notime")],
        FLIGHT_STEPS.nav_row(FlightDialogue.time),
    )
    return Screen(text, markup)


def _too_far(today: date) -> str:
    return _("That is more than a year ahead. Please enter a flight date until {date}.").format(
        date=format_day(latest_flight_day(today), current_locale())
    )


async def start_dialogue(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(FlightDialogue.date)
    await state.set_data({})
    await show(query, _date_screen())


async def date_typed(
    message: Message, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    today = korea_today(clock.now())
    try:
        day = check_flight_day(parse_date(message.text or "", today), today)
    except InputError as error:
        problem = (
            _too_far(today)
            if error.problem is InputProblem.DATE_TOO_FAR
            else input_problem_text(error.problem)
        )
        await show(message, _date_screen().with_problem(problem))
        return
    await state.update_data(date=day.isoformat())
    await state.set_state(FlightDialogue.time)
    await show(message, _time_screen(day, _rules(await _facts(content))))


async def _save_flight(
    event: Message | CallbackQuery,
    day: date,
    at: time | None,
    state: FSMContext,
    user: UserRecord,
    checklists: ChecklistRepository,
    engine: ReminderEngine,
    content: ContentRepository,
    clock: Clock,
) -> None:
    await checklists.set_flight(user.id, day, at, now=int(clock.now()))
    await _resync(user, checklists, engine, content, clock.now())
    await state.clear()
    screen = await checklist_screen(user, checklists, engine, content, clock.now())
    await show(event, screen.above(_("✅ Flight saved.")))


async def time_typed(
    message: Message,
    state: FSMContext,
    user_record: UserRecord,
    checklists: ChecklistRepository,
    reminders: ReminderEngine,
    content: ContentRepository,
    clock: Clock,
) -> None:
    day = date.fromisoformat((await state.get_data())["date"])
    try:
        at = check_flight_time(day, parse_time(message.text or ""), clock.now())
    except InputError as error:
        screen = _time_screen(day, _rules(await _facts(content)))
        await show(message, screen.with_problem(input_problem_text(error.problem)))
        return
    await _save_flight(message, day, at, state, user_record, checklists, reminders, content, clock)


async def time_skipped(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    checklists: ChecklistRepository,
    reminders: ReminderEngine,
    content: ContentRepository,
    clock: Clock,
) -> None:
    day = date.fromisoformat((await state.get_data())["date"])
    await _save_flight(query, day, None, state, user_record, checklists, reminders, content, clock)


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    not_a_command = NotACommand()
    open_by_command_or_button(
        router,
        open_checklist,
        command="checklist",
        button_filter=ChecklistCb.filter(F.action == "show"),
    )
    router.callback_query.register(set_item, ChecklistCb.filter(F.action.in_({"done", "undo"})))
    router.callback_query.register(how_to, ChecklistCb.filter(F.action == "howto"))
    router.callback_query.register(send_summary, ChecklistCb.filter(F.action == "summary"))
    router.callback_query.register(ask_delete, ChecklistCb.filter(F.action == "delete"))
    router.callback_query.register(delete_plan, ChecklistCb.filter(F.action == "delete_yes"))
    router.callback_query.register(start_dialogue, ChecklistCb.filter(F.action == "date"))
    router.callback_query.register(
        time_skipped,
        ChecklistCb.filter(F.action == "notime"),
        FLIGHT_STEPS.filter(FlightDialogue.time),
    )
    router.callback_query.register(out_of_date, ChecklistCb.filter())
    router.message.register(date_typed, FLIGHT_STEPS.filter(FlightDialogue.date), not_a_command)
    router.message.register(time_typed, FLIGHT_STEPS.filter(FlightDialogue.time), not_a_command)
