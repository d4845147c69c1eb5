"""The personal departure checklist's screens: pure functions of a `PlanView` (the plan, the
facts it rests on and the reminders planned), shown by handlers/checklist.py.

Only dates and ticks are shown, as they are all that is stored: no names, passport or flight
numbers.
"""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.content.facts import contact, sources_line
from bot.content.profile import effective_time_zone
from bot.departure.checklist import (
    INSURANCE_ITEM,
    ChecklistItem,
    Group,
    HowToContext,
    items_of,
    open_items,
    progress,
    progress_lines,
)
from bot.departure.plan import (
    KOREA_ZONE,
    REPORT_ITEM,
    DeparturePlan,
    ProcedureRules,
    Track,
    WindowState,
    korea_today,
    latest_flight_day,
    month_before,
)
from bot.departure.service import PlanView
from bot.departure.tracks import change_track_button
from bot.family.share_screens import share_button
from bot.formatting import (
    format_datetime,
    format_day,
    format_day_month,
    format_short_datetime,
    format_time_zone,
)
from bot.i18n import current_locale
from bot.quantities import days_text, hours_text
from bot.reminders.engine import ReminderEngine
from bot.telegram.callbacks import ChecklistCb, MenuCb
from bot.telegram.dialogue import Steps, back_label
from bot.telegram.screens import Screen, button, keyboard
from storage.content import Fact
from storage.reminders import Reminder
from storage.users import UserRecord


class FlightDialogue(StatesGroup):
    date = State()
    time = State()


# Back from the time goes to the date again; Cancel returns to the checklist, nothing saved.
FLIGHT_STEPS = Steps(
    FlightDialogue,
    name=__("Flight date"),
    back=ChecklistCb(action="date"),
    cancel=ChecklistCb(action="show"),
)


def _button(text: str, action: str, item: str = "") -> InlineKeyboardButton:
    return button(text, ChecklistCb(action=action, item=item))


def _back_to_checklist() -> InlineKeyboardButton:
    return _button(_("⬅️ Back to the checklist"), "show")


def _sources(facts: dict[str, Fact], keys: tuple[str, ...]) -> list[str]:
    """Source lines of the confirmed facts among `keys` (unconfirmed ones are never stated)."""
    line = sources_line(facts[key] for key in keys if key in facts and facts[key].confirmed)
    return [line] if line else []


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
                # The window's line above gives the year: each holiday without it.
                days=", ".join(format_day_month(day, locale) for day in plan.skipped_holidays)
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
                "🛂 At the airport immigration office by <b>{airport}</b>, at least {hours} "
                "before the flight."
            ).format(
                airport=format_datetime(airport_by.timestamp(), KOREA_ZONE, locale),
                hours=hours_text(rules.airport_hours),
            )
        )
    else:
        lines.append(
            _(
                "🛂 At the airport immigration office at least {hours} before the flight. "
                "Add the flight time and I will show the exact time."
            ).format(hours=hours_text(rules.airport_hours))
        )
    return lines


def _legal_plan_lines(
    plan: DeparturePlan, done: frozenset[str], facts: dict[str, Fact], now: float
) -> list[str]:
    """The legal track: the flight, and (until the insurance is ticked) when the return cost
    insurance's Departure Schedule Confirmation is due. No report, no immigration office."""
    locale = current_locale()
    lines = [_("✈️ Flight: <b>{flight}</b> (Korea time)").format(flight=_flight_text(plan))]
    if plan.has_passed(now):
        lines.append(_("This flight date has passed. Change it, or delete the plan."))
        return lines
    if INSURANCE_ITEM not in done:
        due = month_before(plan.flight_day)
        if due >= korea_today(now):
            lines.append(
                _(
                    "🗓 Return cost insurance (E-9 only): the Departure Schedule Confirmation "
                    "goes to the Job Center a month before departure, on <b>{date}</b>."
                ).format(date=format_day(due, locale))
            )
        else:
            lines.append(
                _(
                    "🗓 Return cost insurance (E-9 only): the Departure Schedule Confirmation "
                    "was due a month before departure, on {date}. Please ask {hrd} (counselling "
                    "centre for foreign workers) what to do now."
                ).format(
                    date=format_day(due, locale), hrd=f"<b>{contact(facts['contacts'], 'hrd')}</b>"
                )
            )
    return lines


def no_window_warning(rules: ProcedureRules, line: str) -> str:
    return _(
        "⚠️ <b>No reporting day is left before this flight.</b> The departure report has to be "
        "made at least {days} before the flight (Korean public holidays do not count). "
        "Please call {line} (immigration, interpreters available) before you fly, or choose a "
        "later flight."
    ).format(days=days_text(rules.report_min_days), line=f"<b>{line}</b>")


def _reminder_lines(engine: ReminderEngine, pending: list[Reminder], user: UserRecord) -> list[str]:
    if not pending:
        return []
    zone = effective_time_zone(user)
    # The plan's own lines above are in Korea time; these are in the reader's: say which.
    times = _("Times: {zone}").format(
        zone=format_time_zone(zone, current_locale(), pending[0].fire_at)
    )
    lines = [_("🔔 <b>I will remind you</b>:"), times]
    lines += [
        f"• {format_short_datetime(reminder.fire_at, zone, current_locale())}: "
        f"{escape(engine.summary(reminder), quote=False)}"
        for reminder in pending
    ]
    return lines


def _item_button(item: ChecklistItem, done: frozenset[str]) -> list[InlineKeyboardButton]:
    """One tap ticks or unticks, in place."""
    ticked = item.key in done
    return [
        _button(f"{'✅' if ticked else '⬜'} {item.label}", "undo" if ticked else "done", item.key)
    ]


def checklist_screen(user: UserRecord, view: PlanView, engine: ReminderEngine) -> Screen:
    """The one checklist screen of the user's track: flight and the dates that follow,
    progress, reminders, one button per item (ticked in place) and the plan's actions."""
    facts, done, plan, now = view.facts, view.done, view.plan, view.now
    legal = view.track is Track.LEGAL
    lines = [_("📋 <b>My departure checklist</b>"), ""]
    if plan is None and legal:
        lines.append(
            _("✈️ Flight date: not set yet. Add it, and I will remind you of what is due in time.")
        )
    elif plan is None:
        lines.append(
            _(
                "✈️ Flight date: not set yet. Add it, and I will work out when to make the "
                "departure report and remind you in time."
            )
        )
    elif legal:
        lines += _legal_plan_lines(plan, done, facts, now)
    else:
        lines += _plan_lines(plan, done, facts, now)
    lines += ["", *progress_lines(done, view.track)]
    reminder_lines = _reminder_lines(engine, view.reminders, user)
    if reminder_lines:
        lines += ["", *reminder_lines]
    lines += ["", _("Tap an item to tick or untick it; «ℹ️ How to» explains each one.")]
    if legal:
        source_keys: tuple[str, ...] = ("departure.insurance",)
    else:
        source_keys = ("departure.programme",) + (("departure.procedure",) if plan else ())
    lines += ["", *_sources(facts, source_keys)]

    # Ten rows at most, so the checklist fits a phone: the items, then "how to" and the
    # flight (its date, the summary and deleting the plan are one tap further), then Back and
    # "Change my situation".
    rows = [_item_button(item, done) for item in items_of(view.track)]
    flight = (
        _button(_("✈️ Flight and plan"), "plan")
        if view.checklist is not None and view.checklist.has_plan
        else _button(_("✈️ Add flight date"), "date")
    )
    rows.append([_button(_("ℹ️ How to"), "howtos"), flight])
    rows.append(
        [button(back_label(), MenuCb(section="departure")), change_track_button(checklist=True)]
    )
    return Screen("\n".join(lines), keyboard(*rows))


def how_tos_screen(track: Track | None) -> Screen:
    """Which item to read about: the ℹ️ of each item, gathered on one screen."""
    rows = [[_button(f"ℹ️ {item.label}", "howto", item.key)] for item in items_of(track)]
    rows.append([_back_to_checklist()])
    return Screen(_("ℹ️ <b>How to do each item</b>\nChoose one:"), keyboard(*rows))


def plan_screen(view: PlanView) -> Screen:
    """The plan's own actions: change the flight, a summary to forward, delete the plan."""
    plan = view.plan
    lines = [_("✈️ <b>Flight and plan</b>")]
    if plan is not None:
        lines.append(_("✈️ Flight: <b>{flight}</b> (Korea time)").format(flight=_flight_text(plan)))
    markup = keyboard(
        [_button(_("✈️ Change flight date") if plan else _("✈️ Add flight date"), "date")],
        [_button(_("📤 Summary to forward"), "summary")],
        [share_button()],
        [_button(_("🗑 Delete plan"), "delete")],
        [_back_to_checklist()],
    )
    return Screen("\n".join(lines), markup)


def how_to_screen(item: ChecklistItem, view: PlanView) -> Screen:
    """How to do one item, from the facts; tick or untick it from here too."""
    text = item.how_to(HowToContext(facts=view.facts, rules=view.rules, plan=view.plan))
    group = (
        _("Required for the departure")
        if item.group is Group.REQUIRED
        else _("Recommended before you leave")
    )
    lines = [f"<i>{group}</i>", text, "", *_sources(view.facts, item.facts)]
    ticked = item.key in view.done
    markup = keyboard(
        [
            _button(_("↩️ Mark as not done"), "undo", item.key)
            if ticked
            else _button(_("✅ Mark as done"), "done", item.key)
        ],
        [_back_to_checklist()],
    )
    return Screen("\n".join(lines), markup)


def delete_question() -> Screen:
    text = _(
        "Delete your departure plan? The flight date, your ticks and the reminders for it "
        "will be erased."
    )
    markup = keyboard(
        [_button(_("Yes, delete the plan"), "delete_yes")], [_button(_("No, keep it"), "show")]
    )
    return Screen(text, markup)


# -- summary to forward ------------------------------------------------------------------------


def plan_summary(view: PlanView) -> str:
    """Plain text (no markup) for a family member: only dates and which items are done, of
    the user's track (the legal track has no report and no airport office time)."""
    locale = current_locale()
    done, plan, track = view.done, view.plan, view.track
    lines = [_("📋 My departure plan")]
    if plan is None:
        lines.append(_("✈️ Flight: date not set yet"))
    elif track is Track.LEGAL:
        lines.append(_("✈️ Flight: {flight} (Korea time)").format(flight=_flight_text(plan)))
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
    finished = [str(item.label) for item in items_of(track) if item.key in done]
    still_open = [str(item.label) for item in open_items(done, track)]
    required = progress(done, Group.REQUIRED, track)
    lines.append(
        _("Required: {done} of {total} done").format(done=required.done, total=required.total)
    )
    if finished:
        lines.append(_("✅ Done: {items}").format(items="; ".join(finished)))
    if still_open:
        lines.append(_("⬜ Still open: {items}").format(items="; ".join(still_open)))
    return "\n".join(lines)


# -- the flight date dialogue ------------------------------------------------------------------


def date_screen() -> Screen:
    text = _(
        "✈️ <b>Flight date</b>, step 1 of 2\n"
        "On what date does your plane leave Korea? Send it like 25.12.2026, 2026-12-25 or "
        "25/12. I only need the date, not the flight number."
    )
    return Screen(text, keyboard(FLIGHT_STEPS.nav_row(FlightDialogue.date)))


def time_screen(day: date, rules: ProcedureRules) -> Screen:
    text = _(
        "✈️ <b>Flight time</b>, step 2 of 2\n"
        "Date: {date}.\n"
        "At what time does the plane leave, Korea time? Send it like 14:30. Not known yet? "
        'Skip it and add it later; until then I can only say "at least {hours} before the '
        'flight" for the airport.'
    ).format(date=format_day(day, current_locale()), hours=hours_text(rules.airport_hours))
    markup = keyboard(
        [_button(_("⏭ Skip: time not known yet"), "notime")],
        FLIGHT_STEPS.nav_row(FlightDialogue.time),
    )
    return Screen(text, markup)


def too_far(today: date) -> str:
    return _("That is more than a year ahead. Please enter a flight date until {date}.").format(
        date=format_day(latest_flight_day(today), current_locale())
    )
