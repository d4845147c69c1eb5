"""Everything the bot keeps about one user, read from every feature that keeps anything, so
/mydata stays the complete answer to "what do you store about me?", and erasing all of it.

A feature that stores something about a user adds it here (and to /mydata's lines); the data
rights test fails for a table with a user column that erasing leaves behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.clock import Clock
from bot.eps.tracker import TOPIC as TRACKER_TOPIC
from bot.reminders.engine import ReminderEngine
from storage.checklists import Checklist
from storage.repositories import Repositories
from storage.users import UserRecord


@dataclass(frozen=True, slots=True)
class StoredData:
    user: UserRecord
    now: float
    upcoming_reminders: int
    selfcheck_on: date | None
    departure_plan: Checklist | None
    tracker_news: bool


class PersonalData:
    def __init__(self, repositories: Repositories, engine: ReminderEngine, clock: Clock) -> None:
        self._repos = repositories
        self._engine = engine
        self._clock = clock

    async def collect(self, user: UserRecord) -> StoredData:
        repos = self._repos
        return StoredData(
            user=user,
            now=self._clock.now(),
            upcoming_reminders=await self._engine.repo.count_pending_for_user(
                user.id, kinds=self._engine.listed_kinds
            ),
            selfcheck_on=await repos.selfchecks.checked_on(user.id),
            departure_plan=await repos.checklists.get(user.id),
            tracker_news=await repos.subscriptions.is_subscribed(user.id, TRACKER_TOPIC),
        )

    async def erase(self, user: UserRecord) -> None:
        """Disarm the user's reminders first, then delete the user; every other row goes with
        them (ON DELETE CASCADE)."""
        await self._engine.cancel_all(user.id)
        await self._repos.users.delete(user.id)
