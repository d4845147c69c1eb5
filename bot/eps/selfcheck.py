"""The EPS self-check's data: the facts its rules read, the user's calendar day, and the kept
result (outcomes only; the answers are never stored). handlers/eligibility.py asks for
`selfcheck: SelfChecks` and only runs the dialogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.content.profile import effective_time_zone
from bot.eps.eligibility import FACT_KEYS, RuleResult, evaluate, from_stored, stored_reason
from storage.content import ContentRepository, Fact
from storage.eligibility import EligibilityRepository, StoredOutcome
from storage.users import UserRecord


@dataclass(frozen=True, slots=True)
class Result:
    results: list[RuleResult]
    checked_on: date


class SelfChecks:
    def __init__(
        self, content: ContentRepository, results: EligibilityRepository, clock: Clock
    ) -> None:
        self._content = content
        self._results = results
        self._clock = clock

    async def facts(self) -> dict[str, Fact]:
        return await self._content.get_many(FACT_KEYS)

    def today(self, user: UserRecord) -> date:
        """The day of the check is the user's calendar day."""
        zone = ZoneInfo(effective_time_zone(user))
        return datetime.fromtimestamp(self._clock.now(), zone).date()

    async def kept(self, user: UserRecord) -> Result | None:
        stored = await self._results.get(user.id)
        if stored is None:
            return None
        results = from_stored((o.rule, o.outcome, o.reason) for o in stored.outcomes)
        return Result(results, stored.checked_on)

    async def finish(
        self, user: UserRecord, answers: Mapping[str, str], facts: Mapping[str, Fact]
    ) -> Result:
        """Evaluate the answers and keep only the outcomes (the answers are dropped)."""
        today = self.today(user)
        results = evaluate(answers, facts, today)
        await self._results.save(
            user.id,
            today,
            [StoredOutcome(r.rule, r.outcome.value, stored_reason(r)) for r in results],
            now=int(self._clock.now()),
        )
        return Result(results, today)

    async def delete(self, user: UserRecord) -> bool:
        return await self._results.delete(user.id)
