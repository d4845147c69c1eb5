"""Shared departure plans: a worker's one active share code, and the family members who follow
with it (storage/migrations/0014_plan_shares.sql).

Only the code, the two user ids, the family member's optional label and times are stored. A
follow is bound to the code it was made with: deleting the code (revoke, new code, the worker's
/deletemydata) deletes its follows in the same statement (ON DELETE CASCADE), so access ends at
once.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Share:
    user_id: int  # the worker who shares
    code: str
    created_at: int


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    user_id: int  # the family member
    owner_id: int  # the worker whose plan it is
    label: str | None
    created_at: int


_FOLLOW_COLUMNS = "id, user_id, owner_id, label, created_at"


def _follow(row: aiosqlite.Row) -> Follow:
    return Follow(
        id=row["id"],
        user_id=row["user_id"],
        owner_id=row["owner_id"],
        label=row["label"],
        created_at=row["created_at"],
    )


class ShareRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the worker's side ------------------------------------------------------------------------

    async def share_of(self, user_id: int) -> Share | None:
        row = await self._db.fetch_one(
            "SELECT user_id, code, created_at FROM plan_shares WHERE user_id = ?", (user_id,)
        )
        return None if row is None else Share(row["user_id"], row["code"], row["created_at"])

    async def replace_code(self, user_id: int, code: str, *, now: int) -> list[Follow]:
        """Make `code` the worker's one active code; the old code and every follow made with it
        go in the same transaction. Returns the follows that ended (their reminders go too).
        Raises `aiosqlite.IntegrityError` if `code` is already taken (the caller draws again)."""
        async with self._db.transaction() as tx:
            ended = await _follows_of_owner(tx, user_id)
            await tx.execute("DELETE FROM plan_shares WHERE user_id = ?", (user_id,))
            await tx.execute(
                "INSERT INTO plan_shares (user_id, code, created_at) VALUES (?, ?, ?)",
                (user_id, code, now),
            )
        return ended

    async def revoke(self, user_id: int) -> list[Follow]:
        """Stop sharing: delete the code and, with it, every follow. Returns the follows that
        ended."""
        async with self._db.transaction() as tx:
            ended = await _follows_of_owner(tx, user_id)
            await tx.execute("DELETE FROM plan_shares WHERE user_id = ?", (user_id,))
        return ended

    async def followers_of(self, owner_id: int) -> list[Follow]:
        rows = await self._db.fetch_all(
            f"SELECT {_FOLLOW_COLUMNS} FROM plan_follows WHERE owner_id = ? ORDER BY created_at,"
            " id",
            (owner_id,),
        )
        return [_follow(row) for row in rows]

    # -- the family member's side -----------------------------------------------------------------

    async def owner_of_code(self, code: str) -> int | None:
        value = await self._db.fetch_value(
            "SELECT user_id FROM plan_shares WHERE code = ?", (code,)
        )
        return None if value is None else int(value)

    async def follow(self, user_id: int, code: str, *, now: int) -> tuple[Follow, bool] | None:
        """Follow the plan shared with `code`: (the follow, whether it is new), or None when the
        code is not active. Following the same plan again keeps the existing follow."""
        async with self._db.transaction() as tx:
            async with tx.execute(
                "SELECT user_id FROM plan_shares WHERE code = ?", (code,)
            ) as cursor:
                found = await cursor.fetchone()
            if found is None:
                return None
            owner_id = int(found[0])
            cursor = await tx.execute(
                "INSERT INTO plan_follows (user_id, owner_id, code, created_at) VALUES"
                " (?, ?, ?, ?) ON CONFLICT (user_id, owner_id) DO NOTHING",
                (user_id, owner_id, code, now),
            )
            created = cursor.rowcount > 0
            await cursor.close()
            async with tx.execute(
                f"SELECT {_FOLLOW_COLUMNS} FROM plan_follows WHERE user_id = ? AND owner_id = ?",
                (user_id, owner_id),
            ) as cursor:
                row = await cursor.fetchone()
        assert row is not None  # noqa: S101 - inserted or found just above
        return _follow(row), created

    async def follows_of(self, user_id: int) -> list[Follow]:
        rows = await self._db.fetch_all(
            f"SELECT {_FOLLOW_COLUMNS} FROM plan_follows WHERE user_id = ? ORDER BY created_at, id",
            (user_id,),
        )
        return [_follow(row) for row in rows]

    async def get_follow(self, user_id: int, follow_id: int) -> Follow | None:
        """One follow of this family member (someone else's id finds nothing)."""
        row = await self._db.fetch_one(
            f"SELECT {_FOLLOW_COLUMNS} FROM plan_follows WHERE id = ? AND user_id = ?",
            (follow_id, user_id),
        )
        return None if row is None else _follow(row)

    async def set_label(self, user_id: int, follow_id: int, label: str | None) -> bool:
        changed = await self._db.execute(
            "UPDATE plan_follows SET label = ? WHERE id = ? AND user_id = ?",
            (label, follow_id, user_id),
        )
        return changed > 0

    async def unfollow(self, user_id: int, follow_id: int) -> bool:
        changed = await self._db.execute(
            "DELETE FROM plan_follows WHERE id = ? AND user_id = ?", (follow_id, user_id)
        )
        return changed > 0

    async def count_follows(self, user_id: int) -> int:
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM plan_follows WHERE user_id = ?", (user_id,)
            )
            or 0
        )


async def _follows_of_owner(tx: aiosqlite.Connection, owner_id: int) -> list[Follow]:
    async with tx.execute(
        f"SELECT {_FOLLOW_COLUMNS} FROM plan_follows WHERE owner_id = ?", (owner_id,)
    ) as cursor:
        return [_follow(row) for row in await cursor.fetchall()]
