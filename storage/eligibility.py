"""Self-check results: the last EPS self-check of each user, as outcomes only.

A result replaces the previous one as a whole (one transaction), so a reader never sees half of
an old check mixed with a new one. Deleting the user deletes the rows (ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from storage.db import Database


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    rule: str
    outcome: str  # "met" | "not_met" | "unclear"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class StoredCheck:
    user_id: int
    checked_on: date
    created_at: int
    outcomes: tuple[StoredOutcome, ...]


class EligibilityRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(
        self, user_id: int, checked_on: date, outcomes: Iterable[StoredOutcome], *, now: int
    ) -> StoredCheck:
        """Replace the user's result with this one."""
        rows = tuple(outcomes)
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM eligibility_results WHERE user_id = ?", (user_id,))
            await tx.executemany(
                "INSERT INTO eligibility_results (user_id, rule, outcome, reason, checked_on,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (user_id, row.rule, row.outcome, row.reason, checked_on.isoformat(), now)
                    for row in rows
                ],
            )
        return StoredCheck(user_id, checked_on, now, rows)

    async def get(self, user_id: int) -> StoredCheck | None:
        found = await self._db.fetch_all(
            "SELECT rule, outcome, reason, checked_on, created_at FROM eligibility_results"
            " WHERE user_id = ? ORDER BY rule",
            (user_id,),
        )
        if not found:
            return None
        return StoredCheck(
            user_id=user_id,
            checked_on=date.fromisoformat(found[0]["checked_on"]),
            created_at=found[0]["created_at"],
            outcomes=tuple(
                StoredOutcome(row["rule"], row["outcome"], row["reason"]) for row in found
            ),
        )

    async def checked_on(self, user_id: int) -> date | None:
        """The day of the stored check, if any: what /mydata lists."""
        value = await self._db.fetch_value(
            "SELECT checked_on FROM eligibility_results WHERE user_id = ? LIMIT 1", (user_id,)
        )
        return date.fromisoformat(value) if value else None

    async def delete(self, user_id: int) -> bool:
        return (
            await self._db.execute("DELETE FROM eligibility_results WHERE user_id = ?", (user_id,))
            > 0
        )
