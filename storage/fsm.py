"""aiogram FSM storage on the project's SQLite database.

Dialogue state survives restarts because it lives in the same file as everything else. Data is
stored as JSON (plain values only, never pickles), so a stored state can always be read back by a
newer release. A row whose state and data are both empty is deleted, keeping the table small and
leaving nothing behind about a finished dialogue.
"""

from __future__ import annotations

import json
import time
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


def _state_name(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


class SQLiteStorage(BaseStorage):
    """`BaseStorage` whose rows live in the `fsm_states` table."""

    def __init__(
        self,
        db: Database,
        key_builder: KeyBuilder | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._keys = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._clock = clock

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = _state_name(state)
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO fsm_states (key, user_id, state, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET state = excluded.state,"
                " updated_at = excluded.updated_at",
                (self._keys.build(key), key.user_id, name, int(self._clock())),
            )
            await self._drop_if_empty(tx, key)

    async def get_state(self, key: StorageKey) -> str | None:
        value = await self._db.fetch_value(
            "SELECT state FROM fsm_states WHERE key = ?", (self._keys.build(key),)
        )
        return str(value) if value is not None else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        payload = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO fsm_states (key, user_id, data, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET data = excluded.data,"
                " updated_at = excluded.updated_at",
                (self._keys.build(key), key.user_id, payload, int(self._clock())),
            )
            await self._drop_if_empty(tx, key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        raw = await self._db.fetch_value(
            "SELECT data FROM fsm_states WHERE key = ?", (self._keys.build(key),)
        )
        if not raw:
            return {}
        loaded = json.loads(raw)
        return loaded if isinstance(loaded, dict) else {}

    async def close(self) -> None:
        """The database is owned by the application, which closes it at shutdown."""

    async def _drop_if_empty(self, tx: Any, key: StorageKey) -> None:
        await tx.execute(
            "DELETE FROM fsm_states WHERE key = ? AND state IS NULL AND data = '{}'",
            (self._keys.build(key),),
        )
