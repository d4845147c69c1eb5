"""A user's departure plan as one object: read it with the facts it rests on, change it, and
keep its reminders in step. The checklist handlers ask for `departure: DeparturePlans` and only
decide which screen to show; everything that touches storage or the reminders engine is here.

Built once in the composition root from the checklist repository, the reminders engine, the
content repository and the clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time

from bot.clock import Clock
from bot.content.facts import contact
from bot.departure.checklist import PENSION_FACT, Group, progress
from bot.departure.plan import DeparturePlan, ProcedureRules, Track, korea_today, plan_departure
from bot.departure.reminders import pending_departure_reminders, sync_departure_reminders
from bot.reminders.engine import ReminderEngine
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
    PENSION_FACT,
    "departure.pension_details",
)


def rules_of(facts: dict[str, Fact]) -> ProcedureRules:
    return ProcedureRules.from_fact(facts["departure.procedure"].value)


def plan_of(checklist: Checklist | None, rules: ProcedureRules) -> DeparturePlan | None:
    if checklist is None or checklist.flight_day is None:
        return None
    return plan_departure(checklist.flight_day, checklist.flight_time, rules)


@dataclass(frozen=True, slots=True)
class PlanView:
    """Everything the checklist screens show for one user, read together."""

    facts: dict[str, Fact]
    rules: ProcedureRules
    checklist: Checklist | None
    plan: DeparturePlan | None
    reminders: list[Reminder]
    now: float

    @property
    def done(self) -> frozenset[str]:
        return self.checklist.done if self.checklist else frozenset()

    @property
    def track(self) -> Track | None:
        """The situation the user chose; None until they choose (the screens then ask)."""
        return Track.of(self.checklist.track) if self.checklist else None


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """A user's plan as dates and progress only (for the family view): no item names, no
    flight time, no ids."""

    track: Track | None  # None: not chosen yet (the counts are then the irregular track's)
    flight_day: date | None
    report_window: tuple[date, date] | None  # (opens, closes): irregular track with a flight
    required_done: int
    required_total: int
    recommended_done: int
    recommended_total: int
    updated_at: int  # Unix seconds of the plan's last change


class DeparturePlans:
    def __init__(
        self,
        checklists: ChecklistRepository,
        engine: ReminderEngine,
        content: ContentRepository,
        clock: Clock,
    ) -> None:
        self.checklists = checklists
        self.engine = engine
        self._content = content
        self._clock = clock
        self._change_listeners: list[Callable[[int], Awaitable[None]]] = []

    def on_change(self, listener: Callable[[int], Awaitable[None]]) -> None:
        """Called with the user id after any change of a plan (family members who follow it
        get their reminders re-planned: bot/family/plans.py)."""
        self._change_listeners.append(listener)

    def today(self) -> date:
        """Korea's calendar day: the plan's dates are Korean days."""
        return korea_today(self._clock.now())

    def now(self) -> float:
        return self._clock.now()

    async def facts(self) -> dict[str, Fact]:
        return await self._content.get_many(FACT_KEYS)

    async def track(self, user_id: int) -> Track | None:
        """The situation the user chose in 🛫; None while not chosen."""
        checklist = await self.checklists.get(user_id)
        return Track.of(checklist.track) if checklist is not None else None

    async def view(self, user: UserRecord) -> PlanView:
        facts = await self.facts()
        rules = rules_of(facts)
        checklist = await self.checklists.get(user.id)
        return PlanView(
            facts=facts,
            rules=rules,
            checklist=checklist,
            plan=plan_of(checklist, rules),
            reminders=await pending_departure_reminders(self.engine, user.id),
            now=self._clock.now(),
        )

    async def tick(self, user: UserRecord, item: str, *, done: bool) -> frozenset[str]:
        """Tick or untick an item, re-plan the reminders; the ticked items after the change."""
        await self.checklists.set_item(user.id, item, done=done, now=int(self._clock.now()))
        await self._resync(user)
        current = await self.checklists.get(user.id)
        return current.done if current else frozenset()

    async def set_flight(self, user: UserRecord, day: date, at: time | None) -> None:
        await self.checklists.set_flight(user.id, day, at, now=int(self._clock.now()))
        await self._resync(user)

    async def set_track(self, user: UserRecord, track: Track) -> None:
        """Choose or switch the track; ticks are kept by key, and the reminders re-planned
        (the legal track has no report reminders, the irregular one no insurance reminder)."""
        await self.checklists.set_track(user.id, track.value, now=int(self._clock.now()))
        await self._resync(user)

    async def summary(self, user_id: int) -> PlanSummary | None:
        """The plan as dates and progress only; None when the user has no plan row (no track,
        no flight, no tick)."""
        checklist = await self.checklists.get(user_id)
        if checklist is None:
            return None
        track = Track.of(checklist.track)
        window = None
        if checklist.flight_day is not None and track is not Track.LEGAL:
            rules = rules_of(await self._content.get_many(("departure.procedure",)))
            plan = plan_departure(checklist.flight_day, checklist.flight_time, rules)
            window = (plan.opens, plan.closes)
        required = progress(checklist.done, Group.REQUIRED, track)
        recommended = progress(checklist.done, Group.RECOMMENDED, track)
        return PlanSummary(
            track=track,
            flight_day=checklist.flight_day,
            report_window=window,
            required_done=required.done,
            required_total=required.total,
            recommended_done=recommended.done,
            recommended_total=recommended.total,
            updated_at=checklist.updated_at,
        )

    async def delete(self, user: UserRecord) -> bool:
        deleted = await self.checklists.delete(user.id)
        await self._resync(user)
        return deleted

    async def resync(self, user: UserRecord) -> None:
        """Re-plan the user's departure reminders: after any change of the plan, and after a
        change of zone (quiet hours follow the reader's zone)."""
        await self._resync(user)

    async def _resync(self, user: UserRecord) -> None:
        facts = await self.facts()
        await sync_departure_reminders(
            self.engine,
            self.checklists,
            user,
            rules_of(facts),
            now=self._clock.now(),
            immigration_line=contact(facts["contacts"], "immigration"),
            hrd_line=contact(facts["contacts"], "hrd"),
        )
        for listener in self._change_listeners:
            await listener(user.id)
