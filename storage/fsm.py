"""aiogram FSM storage on the project's SQLite database.

Dialogue state survives restarts because it lives in the same file as everything else. Data is
stored as JSON (plain values only, never pickles), so a stored state can always be read back by a
newer release. A row whose state and data are both empty is deleted, keeping the table small and
leaving nothing behind about a finished dialogue.

Cost: aiogram reads the state on every update, and handlers clear it on every navigation. So the
storage keeps a bounded write-through cache of recent keys (absent ones too) and writes only
when a value really changes, each change being one statement. SQLite stays the truth; the cache
is correct because one process owns the file (a multi-instance deployment would use a shared
store such as Redis instead of this class).
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)

from storage.db import Database

EMPTY = "{}"


def _state_name(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


class SQLiteStorage(BaseStorage):
    """`BaseStorage` whose rows live in the `fsm_states` table."""

    def __init__(
        self,
        db: Database,
        key_builder: KeyBuilder | None = None,
        clock: Callable[[], float] = time.time,
        cache_size: int = 60_000,
    ) -> None:
        self._db = db
        self._keys = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._clock = clock
        self._cache: OrderedDict[str, tuple[str | None, str]] = OrderedDict()
        self._cache_size = cache_size

    @property
    def cache_fill(self) -> tuple[int, int]:
        """(dialogue states held, capacity): for the memory report."""
        return len(self._cache), self._cache_size

    async def _load(self, key: str) -> tuple[str | None, str]:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        row = await self._db.fetch_one("SELECT state, data FROM fsm_states WHERE key = ?", (key,))
        entry = (row[0], row[1] or EMPTY) if row else (None, EMPTY)
        self._remember(key, entry)
        return entry

    def _remember(self, key: str, entry: tuple[str | None, str]) -> None:
        self._cache[key] = entry
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _store(self, key: StorageKey, state: str | None, data: str) -> None:
        built = self._keys.build(key)
        if (state, data) == await self._load(built):
            return  # nothing changes: no write
        if state is None and data == EMPTY:
            await self._db.execute("DELETE FROM fsm_states WHERE key = ?", (built,))
        else:
            await self._db.execute(
                "INSERT INTO fsm_states (key, user_id, state, data, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state,"
                " data = excluded.data, updated_at = excluded.updated_at",
                (built, key.user_id, state, data, int(self._clock())),
            )
        self._remember(built, (state, data))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        _, data = await self._load(self._keys.build(key))
        await self._store(key, _state_name(state), data)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._load(self._keys.build(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        current, _ = await self._load(self._keys.build(key))
        payload = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        await self._store(key, current, payload)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, raw = await self._load(self._keys.build(key))
        loaded = json.loads(raw)  # a fresh dict each time: callers may mutate it freely
        return loaded if isinstance(loaded, dict) else {}

    def forget_user(self, user_id: int) -> None:
        """Drop cached entries of a user whose rows were deleted behind our back (privacy)."""
        suffix = f":{user_id}:"
        for key in [k for k in self._cache if suffix in k]:
            del self._cache[key]

    async def close(self) -> None:
        """The database is owned by the application, which closes it at shutdown."""
