"""Users repository: who talks to the bot, in which language, zone and role.

It stores the minimum a feature needs; it never stores names, phone numbers, passport numbers
or a person's legal status.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import aiosqlite

from storage.db import Database


class Role(StrEnum):
    USER = "user"
    STAFF = "staff"
    ADMIN = "admin"


class RoleAction(StrEnum):
    """What one entry of the staff audit log records (the `staff_audit.action` column)."""

    ADD_STAFF = "add_staff"  # an admin made a user staff
    REMOVE_STAFF = "remove_staff"  # an admin made a staff member a regular user again
    ADD_ADMIN = "add_admin"  # ADMIN_IDS made someone an admin
    REMOVE_ADMIN = "remove_admin"  # an id left ADMIN_IDS: that admin is a regular user again


class Audience(StrEnum):
    """Who the person is; it picks sensible defaults (e.g. time zone) and broadcast targets."""

    WORKER = "worker"  # works (or worked) in Korea
    FAMILY = "family"  # family member in Kazakhstan
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    language: str | None
    time_zone: str | None
    role: Role
    audience: Audience | None
    created_at: int
    last_seen_at: int
    blocked_at: int | None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class RoleChange:
    """One entry of the staff audit log: who (`actor_id`; None is the bot's configuration,
    ADMIN_IDS), did what, to whom, when."""

    id: int
    at: int
    actor_id: int | None
    action: RoleAction
    target_id: int


_COLUMNS = "id, language, time_zone, role, audience, created_at, last_seen_at, blocked_at"


def _to_record(row: aiosqlite.Row) -> UserRecord:
    return UserRecord(
        id=row["id"],
        language=row["language"],
        time_zone=row["time_zone"],
        role=Role(row["role"]),
        audience=Audience(row["audience"]) if row["audience"] else None,
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        blocked_at=row["blocked_at"],
    )


class UserRepository:
    """Intent-named operations on the `users` table.

    Every update needs its sender's record, so recent records are cached (bounded LRU). All
    writes go through this class and drop the cached record, so the cache cannot go stale while
    one process owns the database file; a multi-instance deployment replaces this class.
    """

    def __init__(self, db: Database, cache_size: int = 60_000) -> None:
        self._db = db
        self._cache: OrderedDict[int, UserRecord] = OrderedDict()
        self._cache_size = cache_size
        self._writes = 0  # counts writes, so a read that raced one does not cache a stale row
        self._deletion_listeners: list[Callable[[int], None]] = []

    @property
    def cache_fill(self) -> tuple[int, int]:
        """(records held, capacity): for the memory report."""
        return len(self._cache), self._cache_size

    def on_delete(self, listener: Callable[[int], None]) -> None:
        """Called with the user id after `delete`: other caches drop what they hold."""
        self._deletion_listeners.append(listener)

    async def get(self, user_id: int) -> UserRecord | None:
        cached = self._cache.get(user_id)
        if cached is not None:
            self._cache.move_to_end(user_id)
            return cached
        writes_before = self._writes
        sql = f"SELECT {_COLUMNS} FROM users WHERE id = ?"
        row = await self._db.fetch_one(sql, (user_id,))
        if row is None:
            return None
        record = _to_record(row)
        if self._writes == writes_before:  # else the row may be older than a write's: not kept
            self._remember(record)
        return record

    def _remember(self, record: UserRecord) -> None:
        self._cache[record.id] = record
        self._cache.move_to_end(record.id)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _forget(self, user_id: int) -> None:
        """Drop the cached record around a write the cache cannot follow (a transaction)."""
        self._writes += 1
        self._cache.pop(user_id, None)

    async def _write(self, sql: str, params: tuple[object, ...], user_id: int) -> int:
        """One statement that changes the user's row, returning the row as it now is: the cache
        holds the new record at once (the update after a language change does not read it
        again). `sql` is an UPDATE or INSERT of the `users` row of `user_id`, without RETURNING.
        """
        self._writes += 1
        self._cache.pop(user_id, None)
        rows = await self._db.execute_returning(f"{sql} RETURNING {_COLUMNS}", params)
        self._writes += 1  # a read that started before this write must not cache its old row
        self._cache.pop(user_id, None)
        if len(rows) == 1:
            self._remember(_to_record(rows[0]))
        return len(rows)

    async def register(self, user_id: int, *, now: int, role: Role = Role.USER) -> UserRecord:
        """Create the user if new; return the stored record either way. A new user created as
        an admin (listed in ADMIN_IDS) is in the audit log, by the configuration."""
        insert = (
            "INSERT INTO users (id, role, created_at, last_seen_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING"
        )
        if role is not Role.ADMIN:  # the common case: one statement, no transaction
            await self._write(insert, (user_id, role.value, now, now), user_id)
        else:
            self._forget(user_id)
            async with self._db.transaction() as tx:
                cursor = await tx.execute(insert, (user_id, role.value, now, now))
                created = cursor.rowcount > 0
                await cursor.close()
                if created:
                    await _audit(tx, now, None, RoleAction.ADD_ADMIN, user_id)
            self._forget(user_id)
        record = await self.get(user_id)
        assert record is not None  # noqa: S101 - inserted just above
        return record

    async def touch(self, user_id: int, *, now: int) -> None:
        """Note activity. A user who writes again has evidently unblocked the bot."""
        await self._write(
            "UPDATE users SET last_seen_at = ?, blocked_at = NULL WHERE id = ?",
            (now, user_id),
            user_id,
        )

    async def set_language(self, user_id: int, language: str) -> None:
        await self._write(
            "UPDATE users SET language = ? WHERE id = ?", (language, user_id), user_id
        )

    async def set_audience(self, user_id: int, audience: Audience) -> None:
        await self._write(
            "UPDATE users SET audience = ? WHERE id = ?", (audience.value, user_id), user_id
        )

    async def set_time_zone(self, user_id: int, time_zone: str | None) -> None:
        await self._write(
            "UPDATE users SET time_zone = ? WHERE id = ?", (time_zone, user_id), user_id
        )

    async def set_role(self, user_id: int, role: Role) -> None:
        """Set a role without an audit entry: for tests and data fixes. Role changes people
        make go through `add_staff`, `remove_staff` and `apply_admin_ids`, which are audited."""
        await self._write("UPDATE users SET role = ? WHERE id = ?", (role.value, user_id), user_id)

    async def _change_role(
        self,
        user_id: int,
        *,
        allowed_from: tuple[Role, ...],
        to: Role,
        action: RoleAction,
        actor_id: int | None,
        now: int,
    ) -> bool:
        """Change the role and write the audit entry in one transaction, only if the user now
        has one of `allowed_from`: a second press of Confirm, or two admins at once, change
        nothing and log nothing. True when the role changed."""
        self._forget(user_id)
        placeholders = ", ".join("?" for _ in allowed_from)
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                f"UPDATE users SET role = ? WHERE id = ? AND role IN ({placeholders})",
                (to.value, user_id, *(role.value for role in allowed_from)),
            )
            changed = cursor.rowcount > 0
            await cursor.close()
            if changed:
                await _audit(tx, now, actor_id, action, user_id)
        # Dropped again after the write: the sender's next update reads the new role.
        self._forget(user_id)
        return changed

    async def add_staff(self, user_id: int, *, by: int, now: int) -> bool:
        """An admin makes a regular user staff. False when they are staff or admin already (or
        unknown): nothing changed, nothing logged."""
        return await self._change_role(
            user_id,
            allowed_from=(Role.USER,),
            to=Role.STAFF,
            action=RoleAction.ADD_STAFF,
            actor_id=by,
            now=now,
        )

    async def remove_staff(self, user_id: int, *, by: int, now: int) -> bool:
        """An admin makes a staff member a regular user again; admins are not touched (they
        come from ADMIN_IDS). False when nothing changed."""
        return await self._change_role(
            user_id,
            allowed_from=(Role.STAFF,),
            to=Role.USER,
            action=RoleAction.REMOVE_STAFF,
            actor_id=by,
            now=now,
        )

    async def apply_admin_ids(self, user_id: int, is_admin: bool, *, now: int) -> bool:
        """Make a known user's role follow ADMIN_IDS (listed: admin; no longer listed: a
        regular user), logged with the configuration as the actor. True when it changed."""
        if is_admin:
            return await self._change_role(
                user_id,
                allowed_from=(Role.USER, Role.STAFF),
                to=Role.ADMIN,
                action=RoleAction.ADD_ADMIN,
                actor_id=None,
                now=now,
            )
        return await self._change_role(
            user_id,
            allowed_from=(Role.ADMIN,),
            to=Role.USER,
            action=RoleAction.REMOVE_ADMIN,
            actor_id=None,
            now=now,
        )

    async def role_changes(self, limit: int = 20) -> list[RoleChange]:
        """The newest entries of the staff audit log, newest first."""
        rows = await self._db.fetch_all(
            "SELECT id, at, actor_id, action, target_id FROM staff_audit ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            RoleChange(
                id=row["id"],
                at=row["at"],
                actor_id=row["actor_id"],
                action=RoleAction(row["action"]),
                target_id=row["target_id"],
            )
            for row in rows
        ]

    async def mark_blocked(self, user_id: int, *, now: int) -> None:
        await self._write(
            "UPDATE users SET blocked_at = ? WHERE id = ? AND blocked_at IS NULL",
            (now, user_id),
            user_id,
        )

    async def set_announcements_muted(self, user_id: int, muted: bool) -> None:
        """Through `_write`, like every write, so no cached record outlives the change."""
        await self._write(
            "UPDATE users SET announcements_muted = ? WHERE id = ?", (int(muted), user_id), user_id
        )

    async def announcements_muted(self, user_id: int) -> bool:
        """Read from the table, not the cache: `UserRecord` does not carry the flag (only the
        settings screen needs it; the delivery engine filters on it in SQL)."""
        value = await self._db.fetch_value(
            "SELECT announcements_muted FROM users WHERE id = ?", (user_id,)
        )
        return bool(value)

    async def delete(self, user_id: int) -> bool:
        """Erase the user and, through foreign keys and explicit deletes, all their data."""
        self._forget(user_id)
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM fsm_states WHERE user_id = ?", (user_id,))
            cursor = await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
            deleted = cursor.rowcount > 0
            await cursor.close()
        self._forget(user_id)
        for listener in self._deletion_listeners:
            listener(user_id)
        return deleted

    async def staff(self) -> list[UserRecord]:
        """Everyone with a staff or admin role."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM users WHERE role IN (?, ?) ORDER BY id",
            (Role.STAFF.value, Role.ADMIN.value),
        )
        return [_to_record(row) for row in rows]

    async def sync_admins(self, admin_ids: frozenset[int], *, now: int) -> None:
        """ADMIN_IDS is the only source of admins: at start-up, known users listed there become
        admins and admins no longer listed become regular users (the user middleware does the
        same at each one's next message). Each change is in the audit log, by the
        configuration."""
        for record in await self.staff():
            if record.role is Role.ADMIN and record.id not in admin_ids:
                await self.apply_admin_ids(record.id, False, now=now)
        for admin_id in sorted(admin_ids):
            record = await self.get(admin_id)
            if record is not None and record.role is not Role.ADMIN:
                await self.apply_admin_ids(admin_id, True, now=now)

    async def count(self) -> int:
        return int(await self._db.fetch_value("SELECT COUNT(*) FROM users") or 0)


async def _audit(
    tx: aiosqlite.Connection, now: int, actor_id: int | None, action: RoleAction, target_id: int
) -> None:
    """One audit entry, inside the caller's transaction (with the role change it records)."""
    await tx.execute(
        "INSERT INTO staff_audit (at, actor_id, action, target_id) VALUES (?, ?, ?, ?)",
        (now, actor_id, action.value, target_id),
    )
