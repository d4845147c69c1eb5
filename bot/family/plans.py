"""Following a relative's departure plan: the `FamilyPlans` service and its reminder kinds.

The worker shares with one code (storage/shares.py); a family member follows with it and then
sees, at every open, the plan as it is now (`DeparturePlans.summary`: dates and progress only):
a revoke or a change shows at once. Handlers ask for `family_plans: FamilyPlans` by name and
only pick screens.

Reminders for the family member are in *their* zone (from their user record), at 10:00 their
time: the day before the flight, and on the day the report window opens (irregular track). They
carry their wall-clock time in the payload ("local"), so a change of zone keeps them at 10:00
(`ReminderEngine.replan_user`), and quiet hours apply like to every reminder the bot plans.
`sync` is the one place that books and cancels them: after following, unfollowing, a new code or
a revoke, any change of the relative's plan (`DeparturePlans.on_change`), and at every open of
the followed plan. Sending re-reads the follow and the plan (`prepare`): a reminder whose follow
is gone or whose plan moved is dropped, never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

import aiosqlite
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.content.profile import effective_time_zone
from bot.departure.service import DeparturePlans, PlanSummary
from bot.family.sharing import MAX_FOLLOWS, AttemptLimiter, FollowOutcome, normalize_code
from bot.family.sharing import new_code as draw_code
from bot.formatting import format_day
from bot.i18n import current_locale
from bot.reminders.engine import ReminderEngine, ReminderKind, Rendered
from bot.reminders.rules import local_to_utc
from bot.telegram.callbacks import FollowCb
from bot.telegram.screens import button, keyboard
from storage.reminders import NewReminder, Reminder
from storage.shares import Follow, Share, ShareRepository
from storage.users import UserRecord, UserRepository

log = logging.getLogger(__name__)

KIND_FLIGHT_EVE = "share.flight_eve"
KIND_WINDOW_OPENS = "share.window_opens"
KINDS = (KIND_FLIGHT_EVE, KIND_WINDOW_OPENS)
REMIND_AT = time(10, 0)  # the family member's own clock
CODE_DRAWS = 5  # a clash among 10**12 codes is rare; five in a row means something is broken


@dataclass(frozen=True, slots=True)
class FollowResult:
    outcome: FollowOutcome
    follow: Follow | None = None
    retry_at: float | None = None  # LIMITED: when they may try again


@dataclass(frozen=True, slots=True)
class SharingState:
    """The worker's side: the active code, if any, and who follows (count and since when)."""

    share: Share | None
    followers: list[Follow]


@dataclass(frozen=True, slots=True)
class FollowedPlan:
    """One followed plan as the family member sees it now."""

    follow: Follow
    number: int  # 1-based position among their follows: "Relative 2" when there is no label
    summary: PlanSummary | None


def follow_label(follow: Follow, number: int) -> str:
    return follow.label or _("Relative {number}").format(number=number)


class FamilyPlans:
    def __init__(
        self,
        shares: ShareRepository,
        departure: DeparturePlans,
        users: UserRepository,
        engine: ReminderEngine,
        clock: Clock,
    ) -> None:
        self.shares = shares
        self._departure = departure
        self._users = users
        self._engine = engine
        self._clock = clock
        self.limiter = AttemptLimiter()

    def now(self) -> float:
        return self._clock.now()

    # -- the worker's side ----------------------------------------------------------------------

    async def sharing(self, owner_id: int) -> SharingState:
        return SharingState(
            await self.shares.share_of(owner_id), await self.shares.followers_of(owner_id)
        )

    async def new_code(self, owner: UserRecord) -> Share:
        """Create the worker's code, or replace it: the old code stops working and whoever
        followed with it loses access (and their reminders) at once."""
        for _draw in range(CODE_DRAWS):
            try:
                ended = await self.shares.replace_code(
                    owner.id, draw_code(), now=int(self._clock.now())
                )
            except aiosqlite.IntegrityError:
                continue
            await self._resync_followers(ended)
            share = await self.shares.share_of(owner.id)
            assert share is not None  # noqa: S101 - written just above
            return share
        raise RuntimeError("could not draw a free share code")

    async def stop_sharing(self, owner: UserRecord) -> int:
        """Revoke at once: the code is deleted, every follow with it; returns how many ended."""
        ended = await self.shares.revoke(owner.id)
        await self._resync_followers(ended)
        return len(ended)

    # -- the family member's side ---------------------------------------------------------------

    async def follow(self, user: UserRecord, typed: str) -> FollowResult:
        now = self._clock.now()
        retry_at = self.limiter.blocked_until(user.id, now)
        if retry_at is not None:
            return FollowResult(FollowOutcome.LIMITED, retry_at=retry_at)
        code = normalize_code(typed)
        owner_id = await self.shares.owner_of_code(code) if code else None
        if code is None or owner_id is None:
            self.limiter.failed(user.id, now)
            return FollowResult(FollowOutcome.WRONG)
        if owner_id == user.id:
            return FollowResult(FollowOutcome.OWN)
        existing = [f for f in await self.shares.follows_of(user.id) if f.owner_id == owner_id]
        if existing:
            return FollowResult(FollowOutcome.ALREADY, existing[0])
        if await self.shares.count_follows(user.id) >= MAX_FOLLOWS:
            return FollowResult(FollowOutcome.TOO_MANY)
        made = await self.shares.follow(user.id, code, now=int(now))
        if made is None:  # revoked in between
            self.limiter.failed(user.id, now)
            return FollowResult(FollowOutcome.WRONG)
        follow, created = made
        await self.sync(user)
        return FollowResult(FollowOutcome.FOLLOWING if created else FollowOutcome.ALREADY, follow)

    async def follows(self, user: UserRecord) -> list[Follow]:
        return await self.shares.follows_of(user.id)

    async def view(self, user: UserRecord, follow_id: int) -> FollowedPlan | None:
        """The followed plan read now; None when it is no longer shared with this person. Every
        open also re-plans their reminders (their zone may have changed meanwhile)."""
        follows = await self.shares.follows_of(user.id)
        for number, follow in enumerate(follows, start=1):
            if follow.id == follow_id:
                summary = await self._departure.summary(follow.owner_id)
                await self.sync(user)
                return FollowedPlan(follow, number, summary)
        return None

    async def set_label(self, user: UserRecord, follow_id: int, label: str | None) -> bool:
        return await self.shares.set_label(user.id, follow_id, label)

    async def unfollow(self, user: UserRecord, follow_id: int) -> bool:
        removed = await self.shares.unfollow(user.id, follow_id)
        await self.sync(user)
        return removed

    # -- hooks ----------------------------------------------------------------------------------

    async def plan_changed(self, owner_id: int) -> None:
        """The relative changed their plan (flight date, ticks, track) or deleted it."""
        for follow in await self.shares.followers_of(owner_id):
            await self._resync_user(follow.user_id)

    async def erasure_notes(self, user: UserRecord) -> list[str]:
        """Before /deletemydata deletes the person: as a worker, end every follow of their plan
        (and the followers' reminders); as a family member, their own reminders are cancelled
        with all the others, and their follows go with their rows."""
        await self.stop_sharing(user)
        return []

    async def _resync_followers(self, follows: list[Follow]) -> None:
        for user_id in sorted({follow.user_id for follow in follows}):
            await self._resync_user(user_id)

    async def _resync_user(self, user_id: int) -> None:
        record = await self._users.get(user_id)
        if record is not None:
            await self.sync(record)

    # -- reminders ------------------------------------------------------------------------------

    async def sync(self, user: UserRecord) -> list[Reminder]:
        """Make the family member's pending plan reminders exactly what their follows want."""
        zone = effective_time_zone(user)
        now = self._clock.now()
        wanted: dict[tuple[str, int], tuple[int, int, dict[str, Any]]] = {}
        for follow in await self.shares.follows_of(user.id):
            summary = await self._departure.summary(follow.owner_id)
            if summary is None or summary.flight_day is None:
                continue
            base: dict[str, Any] = {"follow": follow.id, "flight": summary.flight_day.isoformat()}
            moments = [(KIND_FLIGHT_EVE, summary.flight_day - timedelta(days=1))]
            if summary.report_window is not None:
                opens, closes = summary.report_window
                base |= {"opens": opens.isoformat(), "closes": closes.isoformat()}
                if opens < summary.flight_day - timedelta(days=1):
                    moments.append((KIND_WINDOW_OPENS, opens))
            for kind, day in moments:
                due_at = local_to_utc(day, REMIND_AT, zone)
                if due_at <= now:
                    continue
                fire_at = self._engine.plan(due_at, zone, urgent=False)
                local = datetime.combine(day, REMIND_AT).isoformat()
                wanted[(kind, follow.id)] = (
                    due_at,
                    fire_at,
                    {**base, "local": local, "zone": zone},
                )
        kept: list[Reminder] = []
        for reminder in await self._engine.repo.upcoming_for_user(user.id, 200, kinds=KINDS):
            key = (reminder.kind, int(reminder.payload.get("follow", 0)))
            if wanted.get(key) == (reminder.due_at, reminder.fire_at, reminder.payload):
                del wanted[key]
                kept.append(reminder)
            else:
                await self._engine.cancel(reminder.id, user_id=user.id)
        for (kind, _follow_id), (due_at, fire_at, payload) in wanted.items():
            new = NewReminder(
                user_id=user.id,
                kind=kind,
                payload=payload,
                due_at=due_at,
                fire_at=fire_at,
                urgent=False,
            )
            kept.append(await self._engine.schedule(new))
        return sorted(kept, key=lambda reminder: (reminder.fire_at, reminder.id))

    def kinds(self) -> list[ReminderKind]:
        return [
            ReminderKind(
                KIND_FLIGHT_EVE,
                _render_flight_eve,
                _summary_flight_eve,
                prepare=self._preparer(KIND_FLIGHT_EVE),
            ),
            ReminderKind(
                KIND_WINDOW_OPENS,
                _render_window_opens,
                _summary_window_opens,
                prepare=self._preparer(KIND_WINDOW_OPENS),
            ),
        ]

    def _preparer(self, kind: str) -> Callable[[Reminder], Awaitable[Reminder | None]]:
        async def prepare(reminder: Reminder) -> Reminder | None:
            follow_id = int(reminder.payload.get("follow", 0))
            follows = await self.shares.follows_of(reminder.user_id)
            numbered = [(n, f) for n, f in enumerate(follows, start=1) if f.id == follow_id]
            if not numbered:
                return None  # unfollowed, or no longer shared
            number, follow = numbered[0]
            summary = await self._departure.summary(follow.owner_id)
            if summary is None or summary.flight_day is None:
                return None
            if summary.flight_day.isoformat() != reminder.payload.get("flight"):
                return None  # the plan moved; its replacement has its own reminder
            if kind == KIND_WINDOW_OPENS and (
                summary.report_window is None
                or summary.report_window[0].isoformat() != reminder.payload.get("opens")
            ):
                return None
            extra = {"label": follow.label, "number": number}
            return replace(reminder, payload={**reminder.payload, **extra})

        return prepare


# -- rendering (in the family member's language, at send time) ---------------------------------


def _day(payload: dict[str, Any], key: str) -> str:
    return format_day(date.fromisoformat(str(payload[key])), current_locale())


def _label_of(payload: dict[str, Any]) -> str:
    label = payload.get("label")
    return str(label) if label else _("Relative {number}").format(number=payload.get("number", 1))


def _open_plan_markup(payload: dict[str, Any]) -> InlineKeyboardMarkup:
    follow_id = int(payload.get("follow", 0))
    return keyboard(
        [button(_("🛫 Open the plan"), FollowCb(action="view", id=follow_id))],
        [button(_("🛫 Followed plans"), FollowCb(action="home"))],
    )


def _render_flight_eve(reminder: Reminder, user: UserRecord) -> Rendered:
    payload = reminder.payload
    text = _(
        "✈️ <b>Your relative's flight is tomorrow, {date}</b> (date in Korea)\n"
        "{label}: open the plan to see how far along they are."
    ).format(date=_day(payload, "flight"), label=escape(_label_of(payload), quote=False))
    return Rendered(text, _open_plan_markup(payload))


def _render_window_opens(reminder: Reminder, user: UserRecord) -> Rendered:
    payload = reminder.payload
    text = _(
        "📝 <b>Your relative can make the departure report from today</b>\n"
        "{label}: the report can be made from {opens} to {closes} (dates in Korea), before the "
        "flight on {flight}."
    ).format(
        label=escape(_label_of(payload), quote=False),
        opens=_day(payload, "opens"),
        closes=_day(payload, "closes"),
        flight=_day(payload, "flight"),
    )
    return Rendered(text, _open_plan_markup(payload))


def _summary_flight_eve(reminder: Reminder) -> str:
    return _("Relative's flight on {date}: the day before").format(
        date=_day(reminder.payload, "flight")
    )


def _summary_window_opens(reminder: Reminder) -> str:
    return _("Relative's departure report: the first day")
