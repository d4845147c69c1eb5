"""Departure checklists: per user, the departure track (the situation chosen in 🛫), the
flight date and time (Korea time) and the ticked items.

Nothing else is stored: no names, no passport or flight numbers. A plan row exists once the
user chooses a track, ticks an item or enters a flight date. `delete` removes the flight and
every tick, and keeps the track alone (the user's answer to "what is your situation"), so the
section does not ask again; `/deletemydata` erases the row with everything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Checklist:
    user_id: int
    flight_day: date | None
    flight_time: time | None
    done: frozenset[str]
    created_at: int
    updated_at: int
    track: str | None = None  # "legal" | "irregular" (bot/departure/plan.py); None: not chosen

    @property
    def has_plan(self) -> bool:
        """A flight date or a tick: something to show, forward or delete beyond the track."""
        return self.flight_day is not None or bool(self.done)


PLAN_COLUMNS = "flight_date, flight_time, track, created_at, updated_at"


def checklist_from_row(user_id: int, plan: Sequence[Any], ticked: Iterable[str]) -> Checklist:
    """A plan from its `PLAN_COLUMNS` values and its ticked items (here and in /mydata's
    one-statement read, storage/personal.py)."""
    flight_date, flight_time, track, created_at, updated_at = plan
    return Checklist(
        user_id=user_id,
        flight_day=date.fromisoformat(flight_date) if flight_date else None,
        flight_time=time.fromisoformat(flight_time) if flight_time else None,
        done=frozenset(ticked),
        created_at=created_at,
        updated_at=updated_at,
        track=track,
    )


class ChecklistRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> Checklist | None:
        row = await self._db.fetch_one(
            f"SELECT {PLAN_COLUMNS} FROM departure_plans WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return None
        items = await self._db.fetch_all(
            "SELECT item FROM checklist_items WHERE user_id = ?", (user_id,)
        )
        return checklist_from_row(
            user_id,
            (row["flight_date"], row["flight_time"], row["track"], row["created_at"],
             row["updated_at"]),
            (item["item"] for item in items),
        )  # fmt: skip

    async def set_track(self, user_id: int, track: str, *, now: int) -> None:
        """Choose or change the departure track; creates the plan on first use. Ticks stay:
        items both tracks share keep them, the other track's are only not shown."""
        await self._db.execute(
            "INSERT INTO departure_plans (user_id, track, created_at, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " track = excluded.track, updated_at = excluded.updated_at",
            (user_id, track, now, now),
        )

    async def set_item(self, user_id: int, item: str, *, done: bool, now: int) -> None:
        """Tick or untick one item; creates the plan on first use. Idempotent."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO departure_plans (user_id, created_at, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at",
                (user_id, now, now),
            )
            if done:
                await tx.execute(
                    "INSERT OR IGNORE INTO checklist_items (user_id, item, done_at)"
                    " VALUES (?, ?, ?)",
                    (user_id, item, now),
                )
            else:
                await tx.execute(
                    "DELETE FROM checklist_items WHERE user_id = ? AND item = ?", (user_id, item)
                )

    async def set_flight(self, user_id: int, day: date, at: time | None, *, now: int) -> None:
        """Enter or change the flight; creates the plan on first use."""
        values = (day.isoformat(), at.strftime("%H:%M") if at else None)
        await self._db.execute(
            "INSERT INTO departure_plans (user_id, flight_date, flight_time, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " flight_date = excluded.flight_date, flight_time = excluded.flight_time,"
            " updated_at = excluded.updated_at",
            (user_id, *values, now, now),
        )

    async def delete(self, user_id: int) -> bool:
        """Erase the flight and every tick; returns whether there was any. A chosen track is
        kept (alone in its row); without one the row goes too."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM checklist_items WHERE user_id = ?", (user_id,))
            ticks = cursor.rowcount
            await cursor.close()
            cursor = await tx.execute(
                "UPDATE departure_plans SET flight_date = NULL, flight_time = NULL"
                " WHERE user_id = ? AND track IS NOT NULL AND flight_date IS NOT NULL",
                (user_id,),
            )
            flights = cursor.rowcount
            await cursor.close()
            cursor = await tx.execute(
                "DELETE FROM departure_plans WHERE user_id = ? AND track IS NULL", (user_id,)
            )
            rows = cursor.rowcount
            await cursor.close()
        return ticks + flights + rows > 0
