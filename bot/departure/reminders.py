"""The departure plan's reminders: their kinds (how they look) and keeping them in step with
the plan.

`sync_departure_reminders` is the one place that schedules and cancels them. It compares the
reminders the plan wants now (bot/departure/plan.py `planned_reminders`, which already leaves
out what ticked items made pointless) with the pending ones, cancels what is no longer wanted
and schedules what is missing. Handlers call it after every change: a new flight date
re-plans everything, ticking the report cancels the report reminders, deleting the plan
cancels them all. Sending re-reads the checklist (`prepare`), so a reminder lists exactly the
items open at that moment, and one whose subject is done by then is dropped, not sent.

Times: the flight and the immigration offices are in Korea, so reminders are due at Korean
clock times and stay put when the user changes zone (no "local" in the payload, see
`ReminderEngine.replan_user`). Quiet hours are applied in the user's own zone, because that is
where they sleep, to every one of them; the flight-day reminder is moved to the evening before
rather than past the airport time (see `planned_reminders`). A change of zone (or of "who I
am", which picks the zone) re-plans them (`DeparturePlans.resync`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from html import escape
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.content.profile import effective_time_zone
from bot.departure.checklist import item_label, items_of, open_items
from bot.departure.plan import (
    INSURANCE_ITEM,
    KIND_FLIGHT_DAY,
    KIND_OPEN_ITEMS,
    KIND_REPORT_DEADLINE,
    KIND_RETURN_INSURANCE,
    KIND_WINDOW_OPENS,
    KINDS,
    KOREA_ZONE,
    REPORT_ITEM,
    DeparturePlan,
    ProcedureRules,
    Track,
    flight_day_reminder_time,
    month_before,
    plan_departure,
    planned_reminders,
)
from bot.formatting import format_datetime, format_day
from bot.i18n import current_locale
from bot.quantities import days_text, hours_text
from bot.reminders.engine import ReminderEngine, ReminderKind, Rendered
from bot.telegram.callbacks import ChecklistCb
from bot.telegram.screens import button, keyboard
from storage.checklists import Checklist, ChecklistRepository
from storage.reminders import NewReminder, Reminder
from storage.users import UserRecord


def open_checklist_markup() -> InlineKeyboardMarkup:
    return keyboard([button(_("📋 Open my checklist"), ChecklistCb(action="show"))])


def plan_payload(
    plan: DeparturePlan, immigration_line: str, track: Track = Track.IRREGULAR, hrd_line: str = ""
) -> dict[str, Any]:
    """What a reminder needs to speak about the plan it was made for. A new flight date, new
    procedure numbers or another track give a different payload, and
    `sync_departure_reminders` replaces it. The legal track's payload has no report window."""
    if track is Track.LEGAL:
        return {
            "track": track.value,
            "flight": plan.flight_day.isoformat(),
            "time": plan.flight_time.strftime("%H:%M") if plan.flight_time else None,
            "confirmation": month_before(plan.flight_day).isoformat(),
            "hrd": hrd_line,
            "evening_before": flight_day_reminder_time(plan)[1],
        }
    airport_by = plan.airport_by
    return {
        "flight": plan.flight_day.isoformat(),
        "time": plan.flight_time.strftime("%H:%M") if plan.flight_time else None,
        "opens": plan.opens.isoformat(),
        "closes": plan.closes.isoformat(),
        "airport_by": int(airport_by.timestamp()) if airport_by else None,
        "min_days": plan.rules.report_min_days,
        "hours": plan.rules.airport_hours,
        "line": immigration_line,
        "evening_before": flight_day_reminder_time(plan)[1],
    }


def track_of(state: Checklist | None) -> Track:
    """The plan's track; a plan without one (older than the tracks) is a voluntary departure."""
    return (Track.of(state.track) if state is not None else None) or Track.IRREGULAR


def _payload_track(payload: dict[str, Any]) -> Track:
    return Track.of(payload.get("track")) or Track.IRREGULAR


def _matches(state: Checklist | None, payload: dict[str, Any]) -> bool:
    if state is None or state.flight_day is None:
        return False
    if track_of(state) is not _payload_track(payload):
        return False  # the track changed: its replacement has its own
    at = state.flight_time.strftime("%H:%M") if state.flight_time else None
    return payload.get("flight") == state.flight_day.isoformat() and payload.get("time") == at


# -- rendering ----------------------------------------------------------------------------------


def _day(payload: dict[str, Any], key: str) -> str:
    return format_day(date.fromisoformat(str(payload[key])), current_locale())


def _open_lines(payload: dict[str, Any]) -> str:
    labels = [label for label in map(item_label, payload.get("open", [])) if label]
    if not labels:
        return ""
    lines = [_("Still open on your checklist:")]
    lines += [f"• {escape(label)}" for label in labels]
    return "\n\n" + "\n".join(lines)


def _render_window_opens(reminder: Reminder, user: UserRecord) -> Rendered:
    payload = reminder.payload
    text = _(
        "📝 <b>You can make your departure report from today</b>\n"
        "For your flight on {flight}, make it by {closes} at the latest: in person at the "
        "immigration office responsible for your place of residence, or online on HiKorea."
    ).format(flight=_day(payload, "flight"), closes=_day(payload, "closes"))
    return Rendered(text + _open_lines(payload), open_checklist_markup())


def _render_report_deadline(reminder: Reminder, user: UserRecord) -> Rendered:
    payload = reminder.payload
    text = _(
        "⏳ <b>The departure report is due by {closes}</b>\n"
        "It has to be made at least {days} before your flight on {flight} (Korean "
        "public holidays do not count), and it is not ticked on your checklist yet. If "
        "something stands in the way, call {line} (immigration, interpreters available)."
    ).format(
        closes=_day(payload, "closes"),
        days=days_text(int(payload.get("min_days", 3))),
        flight=_day(payload, "flight"),
        line=f"<b>{escape(str(payload.get('line', '1345')))}</b>",
    )
    return Rendered(text + _open_lines(payload), open_checklist_markup())


def _render_open_items(reminder: Reminder, user: UserRecord) -> Rendered:
    payload = reminder.payload
    text = _("📋 <b>Your flight is on {flight}</b>\nA few things are still to do.").format(
        flight=_day(payload, "flight")
    )
    return Rendered(text + _open_lines(payload), open_checklist_markup())


def _render_flight_day_legal(reminder: Reminder, user: UserRecord) -> Rendered:
    """The legal track's flight-day message: no report form, no immigration office."""
    payload = reminder.payload
    if payload.get("time") is None:
        title = _("✈️ <b>Your flight is tomorrow, {flight}</b>")
    elif reminder.fire_at != reminder.due_at:
        title = _("✈️ <b>Your flight: {flight}, {time} (Korea time)</b>")
    elif payload.get("evening_before"):
        title = _("✈️ <b>Your flight is tomorrow, {flight}, at {time}</b>")
    else:
        title = _("✈️ <b>Flight day: your flight leaves at {time}</b>")
    text = (
        title.format(flight=_day(payload, "flight"), time=payload.get("time"))
        + "\n"
        + _("Keep your passport and ticket at hand.")
        + "\n"
        + _("Have a safe journey home!")
    )
    return Rendered(text + _open_lines(payload), open_checklist_markup())


def _render_flight_day(reminder: Reminder, user: UserRecord) -> Rendered:
    payload = reminder.payload
    if _payload_track(payload) is Track.LEGAL:
        return _render_flight_day_legal(reminder, user)
    hours = hours_text(int(payload.get("hours", 4)))
    airport_by = payload.get("airport_by")
    bring = _("Bring the printed report form and copies of your passport and ticket.")
    if airport_by is None:
        text = _(
            "✈️ <b>Your flight is tomorrow, {flight}</b>\n"
            "Be at the immigration office of the departure airport at least {hours} before "
            "the flight."
        ).format(flight=_day(payload, "flight"), hours=hours)
    else:
        airport = format_datetime(int(airport_by), KOREA_ZONE, current_locale())
        if reminder.fire_at != reminder.due_at:
            # Moved out of the reader's night: "today" or "tomorrow" could be wrong where they
            # live, so the day is named.
            title = _("✈️ <b>Your flight: {flight}, {time} (Korea time)</b>")
        elif payload.get("evening_before"):
            title = _("✈️ <b>Your flight is tomorrow, {flight}, at {time}</b>")
        else:
            title = _("✈️ <b>Flight day: your flight leaves at {time}</b>")
        text = (
            title.format(flight=_day(payload, "flight"), time=payload.get("time"))
            + "\n"
            + _(
                "Be at the immigration office of the departure airport by {airport} (Korea "
                "time), at least {hours} before the flight."
            ).format(airport=airport, hours=hours)
        )
    text += "\n" + bring + "\n" + _("Have a safe journey home!")
    return Rendered(text + _open_lines(payload), open_checklist_markup())


def _render_return_insurance(reminder: Reminder, user: UserRecord) -> Rendered:
    payload = reminder.payload
    text = _(
        "🗓 <b>A month to your flight on {flight}</b>\n"
        "If you have return cost insurance (E-9 only): submit the Departure Schedule "
        "Confirmation to the Job Center now, then claim the insurance from Samsung Fire & "
        "Marine Insurance. Help: {hrd} (counselling centre for foreign workers)."
    ).format(
        flight=_day(payload, "flight"),
        hrd=f"<b>{escape(str(payload.get('hrd') or '1577-0071'))}</b>",
    )
    return Rendered(text + _open_lines(payload), open_checklist_markup())


def _summary_return_insurance(reminder: Reminder) -> str:
    return _("Return cost insurance: Departure Schedule Confirmation (flight {flight})").format(
        flight=_day(reminder.payload, "flight")
    )


def _summary_window_opens(reminder: Reminder) -> str:
    return _("Departure report: you can make it from today (flight {flight})").format(
        flight=_day(reminder.payload, "flight")
    )


def _summary_report_deadline(reminder: Reminder) -> str:
    return _("Departure report: last days to make it (flight {flight})").format(
        flight=_day(reminder.payload, "flight")
    )


def _summary_open_items(reminder: Reminder) -> str:
    return _("Checklist: what is still open before the flight")


def _summary_flight_day(reminder: Reminder) -> str:
    return _("Flight day: when to be at the airport (flight {flight})").format(
        flight=_day(reminder.payload, "flight")
    )


# -- send-time state ----------------------------------------------------------------------------


def _preparer(
    checklists: ChecklistRepository, kind: str
) -> Callable[[Reminder], Awaitable[Reminder | None]]:
    async def prepare(reminder: Reminder) -> Reminder | None:
        state = await checklists.get(reminder.user_id)
        if state is None or not _matches(state, reminder.payload):
            return None  # the plan was deleted or changed; its replacement has its own
        still_open = [item.key for item in open_items(state.done, track_of(state))]
        if kind in (KIND_WINDOW_OPENS, KIND_REPORT_DEADLINE) and REPORT_ITEM in state.done:
            return None
        if kind == KIND_RETURN_INSURANCE and INSURANCE_ITEM in state.done:
            return None
        if kind == KIND_OPEN_ITEMS and not still_open:
            return None
        return replace(reminder, payload={**reminder.payload, "open": still_open})

    return prepare


def register_checklist_kinds(engine: ReminderEngine, checklists: ChecklistRepository) -> None:
    """Teach the engine the departure reminder kinds; `checklists` is read at send time."""
    for name, render, summary in (
        (KIND_WINDOW_OPENS, _render_window_opens, _summary_window_opens),
        (KIND_REPORT_DEADLINE, _render_report_deadline, _summary_report_deadline),
        (KIND_OPEN_ITEMS, _render_open_items, _summary_open_items),
        (KIND_FLIGHT_DAY, _render_flight_day, _summary_flight_day),
        (KIND_RETURN_INSURANCE, _render_return_insurance, _summary_return_insurance),
    ):
        engine.register_kind(
            ReminderKind(name, render, summary, listed=True, prepare=_preparer(checklists, name))
        )


# -- keeping reminders in step with the plan ----------------------------------------------------


async def pending_departure_reminders(engine: ReminderEngine, user_id: int) -> list[Reminder]:
    return await engine.repo.upcoming_for_user(user_id, limit=50, kinds=KINDS)


async def sync_departure_reminders(
    engine: ReminderEngine,
    checklists: ChecklistRepository,
    user: UserRecord,
    rules: ProcedureRules,
    *,
    now: float,
    immigration_line: str,
    hrd_line: str = "",
) -> list[Reminder]:
    """Make the pending departure reminders exactly what the plan wants; return them."""
    state = await checklists.get(user.id)
    zone = effective_time_zone(user)
    wanted: dict[tuple[str, int, int], bool] = {}
    payload: dict[str, Any] = {}
    if state is not None and state.flight_day is not None:
        track = track_of(state)
        plan = plan_departure(state.flight_day, state.flight_time, rules)
        payload = plan_payload(plan, immigration_line, track, hrd_line)
        keys = [item.key for item in items_of(track)]
        for planned in planned_reminders(plan, state.done, keys, now, track):
            fire_at = engine.plan(
                planned.due_at, zone, urgent=planned.urgent, latest=planned.latest
            )
            wanted[(planned.kind, planned.due_at, fire_at)] = planned.urgent
    kept: list[Reminder] = []
    for reminder in await pending_departure_reminders(engine, user.id):
        key = (reminder.kind, reminder.due_at, reminder.fire_at)
        if key in wanted and reminder.payload == payload:
            del wanted[key]
            kept.append(reminder)
        else:
            await engine.cancel(reminder.id, user_id=user.id)
    for (kind, due_at, fire_at), urgent in wanted.items():
        new = NewReminder(
            user_id=user.id,
            kind=kind,
            payload=payload,
            due_at=due_at,
            fire_at=fire_at,
            urgent=urgent,
        )
        kept.append(await engine.schedule(new))
    return sorted(kept, key=lambda reminder: (reminder.fire_at, reminder.id))
