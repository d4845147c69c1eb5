"""Operational figures: counts only, never who. Read by staff /stats and `python -m bot stats`.

Later features add their figures (tickets, broadcasts, plans) here, so both views grow together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.db import Database


@dataclass(frozen=True, slots=True)
class OpsStats:
    users_total: int
    users_blocked: int
    users_by_language: dict[str, int] = field(default_factory=dict)
    users_by_audience: dict[str, int] = field(default_factory=dict)
    reminders_by_status: dict[str, int] = field(default_factory=dict)
    active_dialogues: int = 0

    @property
    def reminders_pending(self) -> int:
        return self.reminders_by_status.get("pending", 0)


class StatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _grouped(self, sql: str) -> dict[str, int]:
        return {str(key): int(count) for key, count in await self._db.fetch_tuples(sql)}

    async def collect(self) -> OpsStats:
        db = self._db
        return OpsStats(
            users_total=int(await db.fetch_value("SELECT COUNT(*) FROM users") or 0),
            users_blocked=int(
                await db.fetch_value("SELECT COUNT(*) FROM users WHERE blocked_at IS NOT NULL") or 0
            ),
            users_by_language=await self._grouped(
                "SELECT COALESCE(language, 'none'), COUNT(*) FROM users GROUP BY 1 ORDER BY 1"
            ),
            users_by_audience=await self._grouped(
                "SELECT COALESCE(audience, 'none'), COUNT(*) FROM users GROUP BY 1 ORDER BY 1"
            ),
            reminders_by_status=await self._grouped(
                "SELECT status, COUNT(*) FROM reminders GROUP BY 1 ORDER BY 1"
            ),
            active_dialogues=int(
                await db.fetch_value("SELECT COUNT(*) FROM fsm_states WHERE state IS NOT NULL") or 0
            ),
        )
