"""Reminders repository. Every state change is one conditional UPDATE, so two workers (or a
worker and a user pressing "cancel") can never both win: that is what makes delivery at most once.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiosqlite

from storage.db import Database


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    MISSED = "missed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    user_id: int
    kind: str
    payload: dict[str, Any]
    due_at: int
    fire_at: int
    urgent: bool
    status: ReminderStatus
    attempts: int
    created_at: int
    sent_at: int | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class NewReminder:
    user_id: int
    kind: str
    payload: dict[str, Any]
    due_at: int
    fire_at: int
    urgent: bool


# Rows per statement of a fan-out insert: small enough that the event loop never waits long.
FAN_OUT_CHUNK = 500

_COLUMNS = (
    "id, user_id, kind, payload, due_at, fire_at, urgent, status, attempts, created_at,"
    " sent_at, last_error"
)


def _kinds_clause(kinds: Collection[str] | None) -> tuple[str, tuple[str, ...]]:
    """An `AND kind IN (...)` fragment with one bound parameter per kind ('' when unfiltered)."""
    if kinds is None:
        return "", ()
    names = tuple(kinds)
    if not names:
        return " AND 0", ()
    return f" AND kind IN ({', '.join('?' * len(names))})", names


def _to_reminder(row: aiosqlite.Row) -> Reminder:
    return Reminder(
        id=row["id"],
        user_id=row["user_id"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        due_at=row["due_at"],
        fire_at=row["fire_at"],
        urgent=bool(row["urgent"]),
        status=ReminderStatus(row["status"]),
        attempts=row["attempts"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        last_error=row["last_error"],
    )


def _payload(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class ReminderRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, new: NewReminder, *, now: int) -> Reminder:
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO reminders (user_id, kind, payload, due_at, fire_at, urgent,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    new.user_id,
                    new.kind,
                    _payload(new.payload),
                    new.due_at,
                    new.fire_at,
                    int(new.urgent),
                    now,
                ),
            )
            reminder_id = cursor.lastrowid
            await cursor.close()
        created = await self.get(int(reminder_id or 0))
        assert created is not None  # noqa: S101 - inserted just above
        return created

    async def create_many(self, rows: list[NewReminder], *, now: int) -> list[tuple[int, int]]:
        """Bulk insert (fan-out to subscribers, benchmarks, imports): one transaction for all
        rows. Returns the (id, fire_at) of each new row, for arming.

        Ids come from SQLite's rowid (max + 1 for each row). Inside the transaction nobody else
        can write, so the new rows are exactly those above the maximum read at its start.
        A payload object shared by many rows (the same news for every subscriber) is encoded once.

        Rows go in chunks of `FAN_OUT_CHUNK`, each its own hand-off to SQLite's thread, with the
        event loop free in between: one 10,000-row `executemany` held the loop ~0.1 s (binding
        parameters needs the GIL), so every user's update waited that long. Still one
        transaction: a crash never leaves half the subscribers with the news.
        """
        encoded: dict[int, str] = {}

        def payload_of(reminder: NewReminder) -> str:
            key = id(reminder.payload)
            if key not in encoded:
                encoded[key] = _payload(reminder.payload)
            return encoded[key]

        async with self._db.transaction() as tx:
            cursor = await tx.execute("SELECT COALESCE(MAX(id), 0) FROM reminders")
            row = await cursor.fetchone()
            await cursor.close()
            before = int(row[0]) if row else 0
            for start in range(0, len(rows), FAN_OUT_CHUNK):
                params = [
                    (r.user_id, r.kind, payload_of(r), r.due_at, r.fire_at, int(r.urgent), now)
                    for r in rows[start : start + FAN_OUT_CHUNK]
                ]
                await tx.executemany(
                    "INSERT INTO reminders (user_id, kind, payload, due_at, fire_at, urgent,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    params,
                )
            cursor = await tx.execute(
                "SELECT id, fire_at FROM reminders WHERE id > ? ORDER BY id", (before,)
            )
            created = [(int(r[0]), int(r[1])) for r in await cursor.fetchall()]
            await cursor.close()
        return created

    async def get(self, reminder_id: int) -> Reminder | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM reminders WHERE id = ?", (reminder_id,)
        )
        return _to_reminder(row) if row else None

    async def upcoming_for_user(
        self, user_id: int, limit: int = 50, *, kinds: Collection[str] | None = None
    ) -> list[Reminder]:
        """Pending reminders, soonest first; only of `kinds` when given."""
        kind_filter, kind_params = _kinds_clause(kinds)
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM reminders WHERE user_id = ? AND status = 'pending'"
            f"{kind_filter} ORDER BY fire_at, id LIMIT ?",
            (user_id, *kind_params, limit),
        )
        return [_to_reminder(row) for row in rows]

    async def pending_of_kind_prefix(self, user_id: int, prefix: str) -> list[Reminder]:
        """Pending reminders of one feature: kinds starting with `prefix`, e.g. 'departure.'."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM reminders WHERE user_id = ? AND status = 'pending'"
            " AND substr(kind, 1, ?) = ? ORDER BY fire_at, id",
            (user_id, len(prefix), prefix),
        )
        return [_to_reminder(row) for row in rows]

    async def recently_missed(
        self, user_id: int, since: int, limit: int = 5, *, kinds: Collection[str] | None = None
    ) -> list[Reminder]:
        kind_filter, kind_params = _kinds_clause(kinds)
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM reminders WHERE user_id = ? AND status = 'missed'"
            f" AND due_at >= ?{kind_filter} ORDER BY due_at DESC LIMIT ?",
            (user_id, since, *kind_params, limit),
        )
        return [_to_reminder(row) for row in rows]

    async def count_pending_for_user(
        self, user_id: int, *, kinds: Collection[str] | None = None
    ) -> int:
        kind_filter, kind_params = _kinds_clause(kinds)
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM reminders WHERE user_id = ? AND status = 'pending'"
                + kind_filter,
                (user_id, *kind_params),
            )
            or 0
        )

    async def pending_schedule(self) -> list[tuple[int, int]]:
        """(fire_at, id) of every pending reminder, earliest first: what the scheduler arms."""
        rows = await self._db.fetch_tuples(
            "SELECT fire_at, id FROM reminders WHERE status = 'pending' ORDER BY fire_at, id"
        )
        return [(fire_at, reminder_id) for fire_at, reminder_id in rows]

    async def claim(self, reminder_id: int, *, now: int) -> Reminder | None:
        """pending -> sending. Only one caller can win; the loser gets None."""
        changed = await self._db.execute(
            "UPDATE reminders SET status = 'sending', claimed_at = ?, attempts = attempts + 1"
            " WHERE id = ? AND status = 'pending'",
            (now, reminder_id),
        )
        return await self.get(reminder_id) if changed else None

    async def finish(
        self, reminder_id: int, status: ReminderStatus, *, now: int, error: str | None = None
    ) -> None:
        """sending -> sent | failed | missed | cancelled."""
        await self._db.execute(
            "UPDATE reminders SET status = ?, sent_at = CASE WHEN ? = 'sent' THEN ? END,"
            " last_error = ? WHERE id = ? AND status = 'sending'",
            (status.value, status.value, now, error, reminder_id),
        )

    async def cancel(self, reminder_id: int, *, user_id: int) -> bool:
        """The user's own pending reminder only; returns whether anything was cancelled."""
        changed = await self._db.execute(
            "UPDATE reminders SET status = 'cancelled' WHERE id = ? AND user_id = ?"
            " AND status = 'pending'",
            (reminder_id, user_id),
        )
        return changed > 0

    async def restore(self, reminder_id: int, *, user_id: int, now: int) -> Reminder | None:
        """Undo a cancel: the user's own cancelled reminder is pending again, if its time is
        still ahead. Returns it, or None when there is nothing to restore."""
        changed = await self._db.execute(
            "UPDATE reminders SET status = 'pending', last_error = NULL WHERE id = ?"
            " AND user_id = ? AND status = 'cancelled' AND fire_at > ?",
            (reminder_id, user_id, now),
        )
        return await self.get(reminder_id) if changed else None

    async def mark_followed_up(self, reminder_id: int, *, user_id: int) -> Reminder | None:
        """A delivered reminder is snoozed once: the first press of "Snooze" or "Tomorrow"
        marks it and gets it back; a second press (a double tap, an old message) gets None."""
        changed = await self._db.execute(
            "UPDATE reminders SET payload = json_set(payload, '$.followed_up', 1)"
            " WHERE id = ? AND user_id = ? AND status = 'sent'"
            " AND json_extract(payload, '$.followed_up') IS NULL",
            (reminder_id, user_id),
        )
        return await self.get(reminder_id) if changed else None

    async def cancel_all_for_user(self, user_id: int) -> list[int]:
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "SELECT id FROM reminders WHERE user_id = ? AND status = 'pending'", (user_id,)
            )
            ids = [row[0] for row in await cursor.fetchall()]
            await cursor.close()
            await tx.execute(
                "UPDATE reminders SET status = 'cancelled'"
                " WHERE user_id = ? AND status = 'pending'",
                (user_id,),
            )
        return ids

    async def cancel_pending_of_kind(self, kind: str) -> list[int]:
        """Cancel every pending reminder of one kind (e.g. news superseded by newer news);
        return their ids, so the caller can disarm them."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE reminders SET status = 'cancelled' WHERE kind = ? AND status = 'pending'"
                " RETURNING id",
                (kind,),
            )
            ids = [int(row[0]) for row in await cursor.fetchall()]
            await cursor.close()
        return ids

    async def reschedule(
        self, reminder_id: int, *, due_at: int, fire_at: int, payload: dict[str, Any]
    ) -> bool:
        changed = await self._db.execute(
            "UPDATE reminders SET due_at = ?, fire_at = ?, payload = ? WHERE id = ?"
            " AND status = 'pending'",
            (due_at, fire_at, _payload(payload), reminder_id),
        )
        return changed > 0

    async def fail_interrupted(self) -> int:
        """At start-up: a reminder left in 'sending' may or may not have reached Telegram.
        Sending it again could repeat it, so it is closed as failed (at-most-once delivery)."""
        return await self._db.execute(
            "UPDATE reminders SET status = 'failed', last_error = 'interrupted'"
            " WHERE status = 'sending'",
        )

    async def miss_overdue(self, *, before: int) -> int:
        """At start-up: pending reminders that should have fired before `before` are missed."""
        return await self._db.execute(
            "UPDATE reminders SET status = 'missed' WHERE status = 'pending' AND fire_at < ?",
            (before,),
        )

    async def count_by_status(self) -> dict[str, int]:
        rows = await self._db.fetch_all("SELECT status, COUNT(*) FROM reminders GROUP BY status")
        return {row[0]: row[1] for row in rows}
