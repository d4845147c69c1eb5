"""The personal departure checklist and flight plan (/checklist, and the departure guide's button).

One screen holds everything (bot/departure/screens.py); ticking edits the same message, so the
chat does not fill up. The checklist is the one of the user's departure track; while none is
stored, the track question comes first (bot/departure/tracks.py), and "🔄 Change my situation"
switches it, keeping the ticks of the items both tracks share. A short dialogue takes the
flight date and, optionally, the time. Every change goes through `DeparturePlans`
(bot/departure/service.py), which re-plans the reminders.
"""

from __future__ import annotations

from datetime import date

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.content.parsing import (
    InputError,
    InputProblem,
    input_problem_text,
    parse_date,
    parse_time,
)
from bot.departure.checklist import item_of, open_items
from bot.departure.plan import REPORT_ITEM, Track, check_flight_day, check_flight_time
from bot.departure.screens import (
    FLIGHT_STEPS,
    FlightDialogue,
    checklist_screen,
    date_screen,
    delete_question,
    how_to_screen,
    how_tos_screen,
    plan_screen,
    plan_summary,
    time_screen,
    too_far,
)
from bot.departure.service import DeparturePlans, rules_of
from bot.departure.tracks import track_screen
from bot.family.section import family_departure_screen
from bot.family.share_screens import follow_button
from bot.telegram.callbacks import ChecklistCb, ResumeCb
from bot.telegram.dialogue import leave_dialogue, on_command_or_button, out_of_date
from bot.telegram.filters import NotACommand
from bot.telegram.screens import Screen, show
from storage.users import Audience, UserRecord


async def _checklist(user: UserRecord, departure: DeparturePlans) -> Screen:
    """The checklist of the user's track; the track question while none is chosen."""
    view = await departure.view(user)
    if view.track is None and user.audience is Audience.FAMILY:
        # A checklist is for the person leaving: a relative at home is offered to follow it.
        return family_departure_screen(follow_button())
    if view.track is None:
        return track_screen(None, view.facts["contacts"], checklist=True)
    return checklist_screen(user, view, departure.engine)


async def open_checklist(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    departure: DeparturePlans,
) -> None:
    # Opening a section leaves any dialogue and says so; the checklist's own buttons (Cancel
    # of the date dialogue among them) only leave the date dialogue, quietly.
    if isinstance(event, Message):
        left = await leave_dialogue(state)
    else:
        left = None
        await state.clear()
    await show(event, (await _checklist(user_record, departure)).above(left))


async def item_pressed(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    state: FSMContext,
    user_record: UserRecord,
    departure: DeparturePlans,
) -> None:
    """An item's buttons: tick ("done"), untick ("undo") or how to do it ("howto")."""
    view = await departure.view(user_record)
    if view.track is None:  # a button from before the track question
        await show(query, await _checklist(user_record, departure))
        return
    item = item_of(view.track, callback_data.item)
    if item is None:  # not an item of this track (any more)
        await out_of_date(query)
        return
    await state.clear()  # a button on the checklist leaves a half-done date dialogue
    if callback_data.action == "howto":
        await show(query, how_to_screen(item, view))
        return
    ticking = callback_data.action == "done"
    done = await departure.tick(user_record, item.key, done=ticking)
    popup = None
    if ticking and not open_items(done, view.track):
        popup = _("Everything is ticked. Have a safe journey home!")
    elif ticking and item.key == REPORT_ITEM:
        popup = _("Report ticked: I will not remind you about it any more.")
    await show(query, (await _checklist(user_record, departure)).with_notice(popup))


async def open_how_tos(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, departure: DeparturePlans
) -> None:
    await state.clear()
    await show(query, how_tos_screen(await departure.track(user_record.id)))


async def track_pressed(
    query: CallbackQuery,
    callback_data: ChecklistCb,
    state: FSMContext,
    user_record: UserRecord,
    departure: DeparturePlans,
) -> None:
    """ "🔄 Change my situation" (no item) asks; a choice stores it and shows its checklist."""
    await state.clear()
    if not callback_data.item:
        view = await departure.view(user_record)
        await show(query, track_screen(view.track, view.facts["contacts"], checklist=True))
        return
    track = Track.of(callback_data.item)
    if track is None:
        await out_of_date(query)
        return
    await departure.set_track(user_record, track)
    await show(query, (await _checklist(user_record, departure)).with_notice(_("Saved.")))


async def open_plan(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, departure: DeparturePlans
) -> None:
    await state.clear()
    await show(query, plan_screen(await departure.view(user_record)))


async def send_summary(
    query: CallbackQuery, user_record: UserRecord, departure: DeparturePlans, bot: Bot
) -> None:
    text = plan_summary(await departure.view(user_record))
    # A message of its own, without markup or buttons, so it forwards cleanly.
    await bot.send_message(user_record.id, text, parse_mode=None)
    await query.answer(_("Forward the message below to your family."))


async def ask_delete(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(query, delete_question())


async def delete_plan(
    query: CallbackQuery, user_record: UserRecord, departure: DeparturePlans
) -> None:
    deleted = await departure.delete(user_record)
    notice = _("Your departure plan and its reminders are deleted.") if deleted else None
    await show(query, (await _checklist(user_record, departure)).above(notice))


# -- the flight date dialogue ------------------------------------------------------------------


async def resume(query: CallbackQuery, state: FSMContext, departure: DeparturePlans) -> None:
    """ "Continue where you left off" after /help or /mydata."""
    if await FLIGHT_STEPS.current(state) is FlightDialogue.time:
        day = date.fromisoformat((await state.get_data())["date"])
        await show(query, time_screen(day, rules_of(await departure.facts())))
    else:
        await show(query, date_screen())


async def start_dialogue(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(FlightDialogue.date)
    await state.set_data({})
    await show(query, date_screen())


async def date_typed(message: Message, state: FSMContext, departure: DeparturePlans) -> None:
    today = departure.today()
    try:
        day = check_flight_day(parse_date(message.text or "", today), today)
    except InputError as error:
        problem = (
            too_far(today)
            if error.problem is InputProblem.DATE_TOO_FAR
            else input_problem_text(error.problem)
        )
        await show(message, date_screen().with_problem(problem))
        return
    await state.update_data(date=day.isoformat())
    await state.set_state(FlightDialogue.time)
    await show(message, time_screen(day, rules_of(await departure.facts())))


async def time_typed(
    message: Message, state: FSMContext, user_record: UserRecord, departure: DeparturePlans
) -> None:
    day = date.fromisoformat((await state.get_data())["date"])
    try:
        at = check_flight_time(day, parse_time(message.text or ""), departure.now())
    except InputError as error:
        screen = time_screen(day, rules_of(await departure.facts()))
        await show(message, screen.with_problem(input_problem_text(error.problem)))
        return
    await departure.set_flight(user_record, day, at)
    await state.clear()
    await show(message, (await _checklist(user_record, departure)).above(_("✅ Flight saved.")))


async def time_skipped(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, departure: DeparturePlans
) -> None:
    day = date.fromisoformat((await state.get_data())["date"])
    await departure.set_flight(user_record, day, None)
    await state.clear()
    await show(query, (await _checklist(user_record, departure)).above(_("✅ Flight saved.")))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    not_a_command = NotACommand()
    on_command_or_button(
        router, "checklist", ChecklistCb.filter(F.action == "show"), open_checklist
    )
    router.callback_query.register(
        item_pressed, ChecklistCb.filter(F.action.in_({"done", "undo", "howto"}))
    )
    router.callback_query.register(open_how_tos, ChecklistCb.filter(F.action == "howtos"))
    router.callback_query.register(track_pressed, ChecklistCb.filter(F.action == "track"))
    router.callback_query.register(open_plan, ChecklistCb.filter(F.action == "plan"))
    router.callback_query.register(send_summary, ChecklistCb.filter(F.action == "summary"))
    router.callback_query.register(ask_delete, ChecklistCb.filter(F.action == "delete"))
    router.callback_query.register(delete_plan, ChecklistCb.filter(F.action == "delete_yes"))
    router.callback_query.register(start_dialogue, ChecklistCb.filter(F.action == "date"))
    router.callback_query.register(
        time_skipped,
        ChecklistCb.filter(F.action == "notime"),
        FLIGHT_STEPS.filter(FlightDialogue.time),
    )
    router.callback_query.register(resume, ResumeCb.filter(), FLIGHT_STEPS.filter())
    router.callback_query.register(out_of_date, ChecklistCb.filter())
    router.message.register(date_typed, FLIGHT_STEPS.filter(FlightDialogue.date), not_a_command)
    router.message.register(time_typed, FLIGHT_STEPS.filter(FlightDialogue.time), not_a_command)
