"""Everything the bot keeps about a person: one registry, read by /privacy (what and why), /mydata
(what, for this person now), /deletemydata (what goes) and checked against the README and the
database by tests/test_privacy_registry.py, which fails for a table with a user column that is
not listed here. A feature that stores something about a user adds a `Kept` entry.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.clock import Clock
from bot.content.profile import AUDIENCE_LABELS, effective_time_zone
from bot.departure.checklist import checklist_data_line
from bot.eps.tracker import TOPIC as TRACKER_TOPIC
from bot.formatting import format_date, format_day, format_time_zone
from bot.i18n import LANGUAGE_NAMES, current_locale
from bot.reminders.engine import ReminderEngine
from storage.checklists import Checklist
from storage.repositories import Repositories
from storage.tickets import Ticket
from storage.users import UserRecord

log = logging.getLogger(__name__)

# Something a feature must do before a person's rows are deleted (e.g. delete what the bot
# posted about them elsewhere); it returns lines for the person about how it went.
ErasureStep = Callable[[UserRecord], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class StoredData:
    """What is kept about one user right now (`PersonalData.collect`)."""

    user: UserRecord
    now: float
    upcoming_reminders: int
    selfcheck_on: date | None
    departure_plan: Checklist | None
    tracker_news: bool
    has_dialogue: bool
    announcements_received: int = 0
    announcements_muted: bool = False
    tickets: tuple[Ticket, ...] = ()
    ticket_retention_days: int = 30
    plan_followers: int | None = None  # None: the plan is not shared
    plans_followed: int = 0


@dataclass(frozen=True, slots=True)
class Kept:
    """One kind of data the bot keeps about a person."""

    key: str
    tables: tuple[str, ...]  # where it lives (the registry test compares with the database)
    name: LazyProxy  # /deletemydata: what goes, a few words
    what: LazyProxy  # /privacy: what and why, one line
    lines: Callable[[StoredData], list[str]]  # /mydata: what is kept for this person now
    staff_only: bool = False  # kept only about staff members


def _profile_lines(data: StoredData) -> list[str]:
    record, locale = data.user, current_locale()
    zone = effective_time_zone(record)
    not_chosen = _("not chosen yet")
    audience = str(AUDIENCE_LABELS[record.audience]) if record.audience else not_chosen
    return [
        _("• Language: {language}").format(
            language=LANGUAGE_NAMES.get(record.language or "", not_chosen)
        ),
        _("• Who you are: {audience}").format(audience=audience),
        _("• Time zone: {zone}").format(zone=format_time_zone(zone, locale, data.now)),
        _("• With me since: {date}").format(date=format_date(record.created_at, zone, locale)),
    ]


def _dialogue_lines(data: StoredData) -> list[str]:
    if not data.has_dialogue:
        return []
    return [_("• The answers of a dialogue you have not finished (kept until it ends)")]


def _reminder_lines(data: StoredData) -> list[str]:
    return [
        _("• Upcoming reminders: {count} (texts in /reminders)").format(
            count=data.upcoming_reminders
        )
    ]


def _selfcheck_lines(data: StoredData) -> list[str]:
    if data.selfcheck_on is None:
        return []
    return [
        _("• EPS self-check result of {date}: outcomes only, no answers (/selfcheck)").format(
            date=format_day(data.selfcheck_on, current_locale())
        )
    ]


def _plan_lines(data: StoredData) -> list[str]:
    if data.departure_plan is None:
        return []
    return [checklist_data_line(data.departure_plan, current_locale())]


def _subscription_lines(data: StoredData) -> list[str]:
    if not data.tracker_news:
        return []
    return [
        _(
            "• Subscription to news on Kazakhstan and EPS (turn it off on the tracker screen "
            "or under any news)"
        )
    ]


def _announcement_lines(data: StoredData) -> list[str]:
    lines = []
    if data.announcements_received:
        lines.append(
            _("• Announcements sent to you: {count} (read them again in 📢 Announcements)").format(
                count=data.announcements_received
            )
        )
    lines.append(
        _("• Announcements: muted (only urgent ones reach you)")
        if data.announcements_muted
        else _("• Announcements: on")
    )
    return lines


TICKET_NUMBERS_SHOWN = 10


def _numbers(tickets: list[Ticket]) -> str:
    shown = ", ".join(f"#{ticket.id}" for ticket in tickets[:TICKET_NUMBERS_SHOWN])
    return shown + (", …" if len(tickets) > TICKET_NUMBERS_SHOWN else "")


def _ticket_lines(data: StoredData) -> list[str]:
    """Only numbers and open/closed: the texts are the person's own, in their chat."""
    if not data.tickets:
        return []
    which = []
    opened = [ticket for ticket in data.tickets if ticket.is_open]
    closed = [ticket for ticket in data.tickets if not ticket.is_open]
    if opened:
        which.append(_("open: {numbers}").format(numbers=_numbers(opened)))
    if closed:
        which.append(_("closed: {numbers}").format(numbers=_numbers(closed)))
    days = data.ticket_retention_days
    return [
        _("• Questions to staff, with their answers: {count} ({which}).").format(
            count=len(data.tickets), which="; ".join(which)
        )
        + " "
        + ngettext(
            "Closed ones are deleted {days} day after closing.",
            "Closed ones are deleted {days} days after closing.",
            days,
        ).format(days=days)
    ]


def _sharing_lines(data: StoredData) -> list[str]:
    lines = []
    if data.plan_followers is not None:
        lines.append(
            ngettext(
                "• You share your departure plan ({count} person following)",
                "• You share your departure plan ({count} people following)",
                data.plan_followers,
            ).format(count=data.plan_followers)
        )
    if data.plans_followed:
        lines.append(
            ngettext(
                "• You follow {count} relative's departure plan (/follow)",
                "• You follow {count} relatives' departure plans (/follow)",
                data.plans_followed,
            ).format(count=data.plans_followed)
        )
    return lines


def _staff_lines(data: StoredData) -> list[str]:
    if not data.user.is_staff:
        return []
    return [_("• As staff: your id beside each fact version you published (the change history)")]


REGISTRY: tuple[Kept, ...] = (
    Kept(
        "profile",
        ("users",),
        __("your settings: language, time zone, who you are"),
        __(
            "• your Telegram id, language, time zone and who you are (worker, family or other), "
            "to speak to you in your language and at your hours"
        ),
        _profile_lines,
    ),
    Kept(
        "dialogue",
        ("fsm_states",),
        __("an unfinished dialogue"),
        __("• the answers of a dialogue you have not finished, so a restart loses nothing"),
        _dialogue_lines,
    ),
    Kept(
        "reminders",
        ("reminders",),
        __("your reminders"),
        __("• the reminders you create, and the ones your departure plan needs"),
        _reminder_lines,
    ),
    Kept(
        "selfcheck",
        ("eligibility_results",),
        __("your self-check result"),
        __("• the outcome of your EPS self-check per requirement (not your answers)"),
        _selfcheck_lines,
    ),
    Kept(
        "departure_plan",
        ("departure_plans", "checklist_items"),
        __("your departure plan and checklist"),
        __(
            "• your departure plan: your situation (end of contract or irregular stay), flight "
            "date and time, ticked items"
        ),
        _plan_lines,
    ),
    Kept(
        "subscriptions",
        ("subscriptions",),
        __("your news subscriptions"),
        __("• the news you subscribed to"),
        _subscription_lines,
    ),
    Kept(
        "announcements",
        ("announcement_recipients",),
        __("which announcements you received, and whether you muted them"),
        __(
            "• which team announcements were sent to you, so you can read them again, and "
            "whether you muted announcements"
        ),
        _announcement_lines,
    ),
    Kept(
        "tickets",
        ("tickets", "ticket_messages", "ticket_staff_messages", "relay_blocks"),
        __("your questions to staff and their answers"),
        __("• your questions to staff and the answers (your name only if you chose to show it)"),
        _ticket_lines,
    ),
    Kept(
        "plan_sharing",
        ("plan_shares", "plan_follows"),
        __("your share code and the plans you follow"),
        __(
            "• the code you share your departure plan with, who follows it, and the plans you "
            "follow"
        ),
        _sharing_lines,
    ),
    Kept(
        "staff_audit",
        ("content", "content_history", "announcements", "staff_audit"),
        __("not erased: your staff id in the change history, which records who published what"),
        __("• for staff: your id beside each fact version you published, for accountability"),
        _staff_lines,
        staff_only=True,
    ),
)


def privacy_items(record: UserRecord | None) -> list[str]:
    """/privacy's list: what is kept and why (the staff entry only for staff)."""
    staff = record is not None and record.is_staff
    return [str(kept.what) for kept in REGISTRY if staff or not kept.staff_only]


def erased_items(record: UserRecord | None) -> list[str]:
    """/deletemydata's list of what goes (and, for staff, what stays)."""
    staff = record is not None and record.is_staff
    return [f"• {kept.name}" for kept in REGISTRY if staff or not kept.staff_only]


def my_data_lines(data: StoredData) -> list[str]:
    return [line for kept in REGISTRY for line in kept.lines(data)]


class PersonalData:
    def __init__(
        self,
        repositories: Repositories,
        engine: ReminderEngine,
        clock: Clock,
        *,
        ticket_retention_days: int = 30,
    ) -> None:
        self._repos = repositories
        self._engine = engine
        self._clock = clock
        self._ticket_retention_days = ticket_retention_days
        self._erasure_steps: list[ErasureStep] = []

    def before_erase(self, step: ErasureStep) -> None:
        """Run `step` before a person's rows are deleted (the relay deletes its staff-chat
        posts about them then, while it still knows which they are)."""
        self._erasure_steps.append(step)

    async def collect(self, user: UserRecord, *, has_dialogue: bool = False) -> StoredData:
        rows = await self._repos.personal.summary(
            user.id, reminder_kinds=self._engine.listed_kinds, topic=TRACKER_TOPIC
        )
        return StoredData(
            user=user,
            now=self._clock.now(),
            upcoming_reminders=rows.upcoming_reminders,
            selfcheck_on=rows.selfcheck_on,
            departure_plan=rows.departure_plan,
            tracker_news=rows.subscribed,
            has_dialogue=has_dialogue,
            announcements_received=rows.announcements_received,
            announcements_muted=rows.announcements_muted,
            tickets=rows.tickets,
            ticket_retention_days=self._ticket_retention_days,
            plan_followers=rows.plan_followers if rows.plan_shared else None,
            plans_followed=rows.plans_followed,
        )

    async def erase(self, user: UserRecord) -> list[str]:
        """Disarm the user's reminders first, run the features' erasure steps, then delete the
        user; every other row of theirs goes with them (ON DELETE CASCADE, and the dialogue
        state through `on_delete`). Staff ids in the change history stay: they record who
        published what. Returns what the steps said, for the person."""
        await self._engine.cancel_all(user.id)
        notes: list[str] = []
        for step in self._erasure_steps:
            try:
                notes += await step(user)
            except Exception:
                # The person's rows go whatever happened elsewhere: erasure is not optional.
                log.exception("erasure step failed for user %s", user.id)
        await self._repos.users.delete(user.id)
        return notes
