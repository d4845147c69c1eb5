"""What the bot holds in memory, logged at start-up and every hour.

The caches are sized by ACTIVE_USERS_CACHE (people whose record and dialogue state stay in
memory, about 0.5 KB each). Too small for the active population and every update pays two more
reads; too large only costs memory. This report is how an operator tells which: when the caches
are full, the line says so and names the setting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

REPORT_EVERY_S = 3600


class Cache(Protocol):
    @property
    def cache_fill(self) -> tuple[int, int]: ...


@dataclass(frozen=True, slots=True)
class MemoryReport:
    rss_mb: float
    people: tuple[int, int]  # (held, capacity) of the user records cache
    dialogues: tuple[int, int]  # (held, capacity) of the dialogue-state cache
    flood_buckets: int

    @property
    def full(self) -> bool:
        return any(held >= capacity for held, capacity in (self.people, self.dialogues))

    def line(self) -> str:
        text = (
            f"memory: RSS {self.rss_mb:.0f} MB; people cached {self.people[0]:,} of "
            f"{self.people[1]:,}; dialogue states {self.dialogues[0]:,} of {self.dialogues[1]:,}; "
            f"flood buckets {self.flood_buckets:,}"
        )
        if self.full:
            text += " (caches full: if this stays, raise ACTIVE_USERS_CACHE)"
        return text


def rss_mb() -> float:
    """Resident memory now (Linux `/proc/self/statm`); elsewhere the peak, which is close."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class MemoryWatch:
    def __init__(self, people: Cache, dialogues: Cache | None, flood: Callable[[], int]) -> None:
        self._people = people
        self._dialogues = dialogues
        self._flood = flood
        self._task: asyncio.Task[None] | None = None

    def report(self) -> MemoryReport:
        dialogues = self._dialogues.cache_fill if self._dialogues is not None else (0, 0)
        return MemoryReport(rss_mb(), self._people.cache_fill, dialogues, self._flood())

    def start(self, every_s: float = REPORT_EVERY_S) -> None:
        log.info(self.report().line())
        if self._task is None:
            self._task = asyncio.create_task(self._run(every_s), name="memory-report")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            report = self.report()
            (log.warning if report.full else log.info)(report.line())
