"""The SQLite connection, its pragmas and the versioned migrations.

Two `aiosqlite` connections serve the whole process, each with its own thread:

- the **writer** runs every write and every transaction. SQLite allows one writer at a time
  anyway; `transaction()` holds an asyncio lock so that another task's statements cannot slip
  into an open transaction on it.
- the **reader** (`PRAGMA query_only`) runs the point and bulk reads of `fetch_*`. In WAL mode it
  sees every committed write, and it keeps reads flowing while a write waits out a lock held by
  somebody else (a `sqlite3` shell, a backup): with one connection, a 2 s external lock froze
  every read in the bot for 2 s, because all statements queued behind the waiting write in the
  one thread.

Every statement is **one hand-off** to its connection's thread: the statement, its rows and the
cursor's closing run as one function there. aiosqlite's own `execute` + `fetchone` + `close`
cost three hand-offs (~250 µs for a primary-key read, against ~95 µs in one; the read itself is
~4 µs). That function goes through `aiosqlite.Connection._execute`, aiosqlite's queue to its
thread: the library has no public "run this in your thread" call, and its `execute_fetchall`
(one hand-off, public) cannot report a row count or pick tuples over rows.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
T = TypeVar("T")
Params = Sequence[Any]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Read `storage/migrations/NNNN_name.sql` in version order; numbering must be gap-free."""
    found: list[Migration] = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migration numbering has a gap before {migration.version:04d}")
    return found


class Database:
    """A thin async wrapper: pragmas, migrations, short helpers, and guarded transactions."""

    def __init__(
        self, connection: aiosqlite.Connection, reader: aiosqlite.Connection, path: Path
    ) -> None:
        self._conn = connection
        self._reader = reader
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await _connect(path)
        await connection.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable across application crashes in WAL mode; only an OS crash or power
        # loss can drop the last commits, which is the usual trade-off for a bot.
        await connection.execute("PRAGMA synchronous = NORMAL")
        reader = await _connect(path)
        await reader.execute("PRAGMA query_only = ON")  # a write here would be our bug
        db = cls(connection, reader, path)
        if migrate:
            await db.migrate()
        return db

    async def close(self) -> None:
        await self._reader.close()
        await self._conn.close()

    # -- migrations ---------------------------------------------------------------------------

    async def schema_version(self) -> int:
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
        )
        async with self._conn.execute("SELECT MAX(version) FROM schema_migrations") as cursor:
            row = await cursor.fetchone()
        return int(row[0] or 0) if row else 0

    async def migrate(self, target: int | None = None) -> list[int]:
        """Apply pending migrations up to `target` (all by default); return the versions applied.

        Each migration runs in its own transaction together with its bookkeeping row, so a
        failure leaves the database at the previous version, and re-running is a no-op.
        """
        applied: list[int] = []
        async with self._write_lock:
            current = await self.schema_version()
            for migration in load_migrations():
                if migration.version <= current:
                    continue
                if target is not None and migration.version > target:
                    break
                # Built from our own migration files, never from outside input.
                script = (
                    "BEGIN IMMEDIATE;\n"
                    f"{migration.sql}\n;"
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                    f"({migration.version}, '{migration.name}', {int(time.time())});\n"
                    "COMMIT;"
                )
                try:
                    await self._conn.executescript(script)
                except Exception:
                    if self._conn.in_transaction:
                        await self._conn.execute("ROLLBACK")
                    raise
                log.info("applied migration %04d_%s", migration.version, migration.name)
                applied.append(migration.version)
        return applied

    # -- queries ------------------------------------------------------------------------------

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        return await _in_thread(self._reader, _one, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        return await _in_thread(self._reader, _all, sql, params)

    async def fetch_tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Plain tuples: for bulk reads, where building `Row` objects is half the cost."""
        return await _in_thread(self._reader, _tuples, sql, params)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one writing statement in autocommit mode; return the number of rows changed."""
        async with self._write_lock:
            return await _in_thread(self._conn, _changes, sql, params)

    async def execute_returning(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run one writing statement with a `RETURNING` clause; return its rows (one hand-off
        for the write and the fresh row, where a write and a read took two)."""
        async with self._write_lock:
            return await _in_thread(self._conn, _all, sql, params)

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any exception."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def table_names(self) -> list[str]:
        rows = await self.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
        return [row[0] for row in rows]


# -- one hand-off per statement ------------------------------------------------------------------
# The functions below run in a connection's own thread, each doing a statement's whole work.


async def _connect(path: Path) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = aiosqlite.Row
    await connection.execute("PRAGMA foreign_keys = ON")
    await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return connection


async def _in_thread(
    connection: aiosqlite.Connection,
    work: Callable[[sqlite3.Connection, str, Params], T],
    sql: str,
    params: Params,
) -> T:
    raw: sqlite3.Connection = connection._conn  # private: see the module docstring
    return await connection._execute(work, raw, sql, params)


def _one(raw: sqlite3.Connection, sql: str, params: Params) -> Any:
    cursor = raw.execute(sql, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def _all(raw: sqlite3.Connection, sql: str, params: Params) -> list[Any]:
    cursor = raw.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _tuples(raw: sqlite3.Connection, sql: str, params: Params) -> list[tuple[Any, ...]]:
    cursor = raw.cursor()
    cursor.row_factory = None
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def _changes(raw: sqlite3.Connection, sql: str, params: Params) -> int:
    cursor = raw.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()
