"""Operational figures: counts only, never who. Shared by `python -m bot stats` and staff /stats.

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


async def _grouped(db: Database, sql: str) -> dict[str, int]:
    return {str(key): int(count) for key, count in await db.fetch_tuples(sql)}


async def collect_stats(db: Database) -> OpsStats:
    return OpsStats(
        users_total=int(await db.fetch_value("SELECT COUNT(*) FROM users") or 0),
        users_blocked=int(
            await db.fetch_value("SELECT COUNT(*) FROM users WHERE blocked_at IS NOT NULL") or 0
        ),
        users_by_language=await _grouped(
            db, "SELECT COALESCE(language, 'none'), COUNT(*) FROM users GROUP BY 1 ORDER BY 1"
        ),
        users_by_audience=await _grouped(
            db, "SELECT COALESCE(audience, 'none'), COUNT(*) FROM users GROUP BY 1 ORDER BY 1"
        ),
        reminders_by_status=await _grouped(
            db, "SELECT status, COUNT(*) FROM reminders GROUP BY 1 ORDER BY 1"
        ),
        active_dialogues=int(
            await db.fetch_value("SELECT COUNT(*) FROM fsm_states WHERE state IS NOT NULL") or 0
        ),
    )
