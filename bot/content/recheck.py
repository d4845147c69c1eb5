"""Re-checking facts, for staff: the "due for re-check" list and the weekly digest of it.

The list (`recheck_screen`) shows the facts last checked more than `RECHECK_DAYS` ago, oldest
first, each with its source one tap away and a button that records "re-checked, unchanged"
in one step (`ContentRepository.mark_rechecked`, kept in history). A fact whose source says
something new is edited instead (/tracker, /programme) or corrected in the seed.

The digest is a reminder kind: each staff member has one pending digest, on Monday at 09:00 in
their time zone. It goes through the reminders engine, so it shares the one rate-limited
sending path and its at-most-once delivery: a restart neither repeats nor loses it. When it
falls due, `prepare` books the next week's and reads the list as it is then; with nothing due,
no message is sent.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.clock import Clock
from bot.content.facts import source_name
from bot.content.freshness import DueFact, due_for_recheck, next_digest_moment
from bot.content.profile import effective_time_zone
from bot.formatting import format_day, to_local
from bot.i18n import current_locale
from bot.quantities import days_text, number_text
from bot.reminders.engine import ReminderEngine, ReminderKind, Rendered
from bot.reminders.rules import local_to_utc
from bot.telegram.callbacks import MenuCb, StaffCb
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, join, keyboard
from storage.content import ContentRepository
from storage.reminders import NewReminder, Reminder
from storage.users import UserRecord, UserRepository

DIGEST_KIND = "staff.recheck_digest"
LIST_ACTION = "recheck"
MARK_PREFIX = "recheck_ok."  # + the fact's key, in StaffCb.action
SHOWN = 6  # facts with a button on one screen: the rest follow as these are done
IN_DIGEST = 5


def mark_action(key: str) -> str:
    return MARK_PREFIX + key


def marked_key(action: str) -> str | None:
    return action.removeprefix(MARK_PREFIX) if action.startswith(MARK_PREFIX) else None


def _line(number: int, item: DueFact) -> str:
    fact = item.fact
    href = escape(fact.source_url, quote=True)
    checked = format_day(fact.checked_on, current_locale())
    return (
        _("{number}. <code>{key}</code> · checked {date} ({age} ago)").format(
            number=number, key=escape(fact.key), date=checked, age=days_text(item.age_days)
        )
        + "\n"
        + f'   🔎 <a href="{href}">{escape(source_name(fact.source_url))}</a>'
    )


def recheck_screen(due: list[DueFact], max_age_days: int) -> Screen:
    """The facts due for a check, oldest first; a button per fact marks it re-checked."""
    heading = _("<b>🔁 Due for re-check</b>")
    if not due:
        text = join(
            heading,
            _("✅ Every fact was checked within the last {days}.").format(
                days=days_text(max_age_days)
            ),
        )
        markup = keyboard([button(_("⬅️ Staff"), MenuCb(section="staff"))], [back_to_menu_button()])
        return Screen(text, markup)
    shown = due[:SHOWN]
    lines = [_line(number, item) for number, item in enumerate(shown, start=1)]
    more = len(due) - len(shown)
    text = join(
        heading
        + "\n"
        + ngettext(
            "{count} fact was last checked more than {days} ago. Open the source, compare, "
            "and mark the fact if nothing changed.",
            "{count} facts were last checked more than {days} ago. Open the source, compare, "
            "and mark each fact if nothing changed.",
            len(due),
        ).format(count=number_text(len(due)), days=days_text(max_age_days)),
        "\n".join(lines),
        ngettext(
            "…and {count} more: it appears here as you go.",
            "…and {count} more: they appear here as you go.",
            more,
        ).format(count=number_text(more))
        if more
        else "",
        _(
            "Has something changed? The accession stage and the programme window are edited "
            "with /tracker and /programme; other facts are corrected by the developers (see "
            "docs/content.md)."
        ),
    )
    rows = [
        [
            button(
                _("✅ {number}. {key}: unchanged").format(number=number, key=item.fact.key),
                StaffCb(action=mark_action(item.fact.key)),
            )
        ]
        for number, item in enumerate(shown, start=1)
    ]
    rows.append([button(_("⬅️ Staff"), MenuCb(section="staff"))])
    rows.append([back_to_menu_button()])
    return Screen(text, keyboard(*rows))


def _render_digest(reminder: Reminder, user: UserRecord) -> Rendered:
    payload = reminder.payload
    count = int(payload.get("count", 0))
    oldest = payload.get("oldest") or []
    lines = [
        _("• {key}: {age} since the last check").format(key=escape(str(key)), age=days_text(age))
        for key, age in oldest
    ]
    text = join(
        _("🔁 <b>Weekly re-check</b>")
        + "\n"
        + ngettext(
            "{count} fact was last checked more than {days} ago. The oldest:",
            "{count} facts were last checked more than {days} ago. The oldest:",
            count,
        ).format(count=number_text(count), days=days_text(int(payload.get("days", 90)))),
        "\n".join(lines),
    )
    markup = keyboard([button(_("🔁 Open the re-check list"), StaffCb(action=LIST_ACTION))])
    return Rendered(text, markup)


def _summary_digest(reminder: Reminder) -> str:
    return _("Weekly re-check digest (staff)")


class RecheckDigests:
    """Keeps one pending digest per staff member and fills it in when it falls due."""

    def __init__(
        self,
        content: ContentRepository,
        users: UserRepository,
        reminders: ReminderEngine,
        clock: Clock,
        *,
        max_age_days: int,
    ) -> None:
        self._content = content
        self._users = users
        self._reminders = reminders
        self._clock = clock
        self.max_age_days = max_age_days

    def kind(self) -> ReminderKind:
        return ReminderKind(
            DIGEST_KIND, _render_digest, _summary_digest, listed=False, prepare=self._prepare
        )

    async def due(self, user: UserRecord) -> list[DueFact]:
        """What is due today in `user`'s time zone."""
        today = to_local(self._clock.now(), effective_time_zone(user)).date()
        return due_for_recheck(await self._content.all(), today, self.max_age_days)

    async def mark(self, key: str, user: UserRecord) -> bool:
        """Record "re-checked, unchanged" for `key` today; False when it already was today
        (a double press), so history gets one entry, not two."""
        today = to_local(self._clock.now(), effective_time_zone(user)).date()
        fact = await self._content.get(key)
        if fact.checked_on >= today:
            return False
        await self._content.mark_rechecked(
            key, by=user.id, now=int(self._clock.now()), checked_on=today
        )
        return True

    async def ensure_scheduled(self) -> int:
        """At start-up: every staff member has their next digest booked. Returns how many
        were booked now."""
        booked = 0
        for user in await self._users.staff():
            booked += await self.ensure_for(user)
        return booked

    async def ensure_for(self, user: UserRecord) -> int:
        if not user.is_staff:
            return 0
        if await self._reminders.repo.pending_of_kind_prefix(user.id, DIGEST_KIND):
            return 0
        zone = effective_time_zone(user)
        now_local = to_local(self._clock.now(), zone).replace(tzinfo=None)
        moment = next_digest_moment(now_local)
        due_at = local_to_utc(moment.date(), moment.time(), zone)
        await self._reminders.schedule(
            NewReminder(
                user_id=user.id,
                kind=DIGEST_KIND,
                # "local" lets a change of time zone keep it at 09:00 where the reader is.
                payload={"local": moment.isoformat(), "zone": zone},
                due_at=due_at,
                fire_at=due_at,
                urgent=False,
            )
        )
        return 1

    async def _prepare(self, reminder: Reminder) -> Reminder | None:
        user = await self._users.get(reminder.user_id)
        if user is None or not user.is_staff:
            return None  # no longer staff: no digest, and none booked for next week
        await self.ensure_for(user)  # next week's (this one is being sent, not pending)
        due = await self.due(user)
        if not due:
            return None
        oldest = [[item.fact.key, item.age_days] for item in due[:IN_DIGEST]]
        payload = {
            **reminder.payload,
            "count": len(due),
            "days": self.max_age_days,
            "oldest": oldest,
        }
        return replace(reminder, payload=payload)
