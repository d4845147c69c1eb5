"""One update per chat at a time, without keeping a lock for every chat ever seen.

aiogram's `SimpleEventIsolation` does what we need (a double press of a button is handled after
the first press finished, so it finds the dialogue already moved on), but it keeps one lock per
chat for the life of the process ("TODO: Unused locks cleaner is needed" in its source): about
300 bytes for each user who ever wrote, which grows without bound. This one holds a chat's lock
only while an update of that chat is being handled or waiting, so memory follows the updates in
flight, not the user count.

Per process: several instances behind one webhook would use aiogram's `RedisEventIsolation`
instead (it is a swap in `bot.app.build_dispatcher`, nothing else changes).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


class _Entry:
    __slots__ = ("holders", "lock")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.holders = 0  # updates of this chat being handled or waiting for the lock


class ChatIsolation(BaseEventIsolation):
    def __init__(self) -> None:
        self._entries: dict[StorageKey, _Entry] = {}

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.holders += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.holders -= 1
            if entry.holders == 0:
                del self._entries[key]

    @property
    def chats_in_flight(self) -> int:
        return len(self._entries)

    async def close(self) -> None:
        self._entries.clear()
