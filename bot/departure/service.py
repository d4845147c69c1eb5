"""A user's departure plan as one object: read it with the facts it rests on, change it, and
keep its reminders in step. The checklist handlers ask for `departure: DeparturePlans` and only
decide which screen to show; everything that touches storage or the reminders engine is here.

Built once in the composition root from the checklist repository, the reminders engine, the
content repository and the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from bot.clock import Clock
from bot.content.facts import contact
from bot.departure.plan import DeparturePlan, ProcedureRules, korea_today, plan_departure
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

    def today(self) -> date:
        """Korea's calendar day: the plan's dates are Korean days."""
        return korea_today(self._clock.now())

    def now(self) -> float:
        return self._clock.now()

    async def facts(self) -> dict[str, Fact]:
        return await self._content.get_many(FACT_KEYS)

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
        )
