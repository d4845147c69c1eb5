"""Content repository: the changeable facts the bot states, with source, date and history.

Handlers never hard-code what can change (a negotiation stage, a programme's dates, a phone
number): they read it here. The repository is seeded from `bot/content/facts.json` on start-up (only
keys that are missing, so a staff edit is never overwritten by a deploy), and staff edits go
through `update`, which keeps the previous and the new version in `content_history`. A
correction to the seed reaches a fact staff never edited when the seed's `revision` for it is
higher than the one stored (`seed`).

A source's date may be a day or only a year (an old forum post, a yearly report): the
`source_date` column holds "YYYY-MM-DD" or "YYYY", read into `source_date` or `source_year`.

Reads are cached in memory (a few dozen small rows) and the cache is refreshed on every write;
as with users, one process owns the SQLite file, and a multi-instance deployment swaps this class.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import aiosqlite

from storage.db import Database


class Confidence(StrEnum):
    """How sure the checked source is (High, Medium, Low, unconfirmed). Only H and M may be
    stated; see docs/content.md."""

    HIGH = "H"
    MEDIUM = "M"
    LOW = "L"
    UNCONFIRMED = "UNCONFIRMED"

    @property
    def confirmed(self) -> bool:
        return self in (Confidence.HIGH, Confidence.MEDIUM)


@dataclass(frozen=True, slots=True)
class Fact:
    key: str
    value: Mapping[str, Any]
    source_url: str
    source_date: date | None
    checked_on: date
    confidence: Confidence
    updated_at: int = 0
    updated_by: int | None = None
    source_year: int | None = None  # when the page shows only a year

    @property
    def confirmed(self) -> bool:
        return self.confidence.confirmed


@dataclass(frozen=True, slots=True)
class FactVersion:
    key: str
    value: Mapping[str, Any]
    source_url: str
    source_date: date | None
    checked_on: date
    confidence: Confidence
    changed_at: int
    changed_by: int | None
    source_year: int | None = None
    rechecked: bool = False  # staff confirmed it unchanged; the value is the one before


@dataclass(frozen=True, slots=True)
class FactSeed:
    key: str
    source_url: str
    checked_on: date
    confidence: Confidence
    source_date: date | None = None
    value: Mapping[str, Any] = field(default_factory=dict)
    source_year: int | None = None
    revision: int = 1  # raised when the seed corrects a fact (see ContentRepository.seed)


_COLUMNS = (
    "key, value, source_url, source_date, checked_on, confidence, updated_at, updated_by,"
    " seed_revision"
)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text and len(text) > 4 else None


def _year(text: str | None) -> int | None:
    return int(text) if text and len(text) == 4 else None


def _source_when(source_date: date | None, source_year: int | None) -> str | None:
    """What the source_date column stores: a day, a year, or nothing."""
    if source_date is not None:
        return source_date.isoformat()
    return str(source_year) if source_year else None


def _to_fact(row: aiosqlite.Row) -> Fact:
    return Fact(
        key=row["key"],
        value=json.loads(row["value"]),
        source_url=row["source_url"],
        source_date=_day(row["source_date"]),
        checked_on=date.fromisoformat(row["checked_on"]),
        confidence=Confidence(row["confidence"]),
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
        source_year=_year(row["source_date"]),
    )


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class ContentRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache: dict[str, Fact] | None = None

    async def seed(self, seeds: Iterable[FactSeed], *, now: int) -> int:
        """Insert the facts that are not in the database yet, and apply seed corrections (a
        higher `revision`) to facts staff never edited; return how many rows were written.
        A fact a staff member edited is never overwritten by a deploy."""
        rows = await self._db.fetch_all("SELECT key, updated_by, seed_revision FROM content")
        stored = {row["key"]: (row["updated_by"], row["seed_revision"]) for row in rows}
        written = 0
        async with self._db.transaction() as tx:
            for seed in seeds:
                params = (
                    _dump(seed.value),
                    seed.source_url,
                    _source_when(seed.source_date, seed.source_year),
                    seed.checked_on.isoformat(),
                    seed.confidence.value,
                )
                if seed.key not in stored:
                    await tx.execute(
                        f"INSERT INTO content ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (seed.key, *params, now, None, seed.revision),
                    )
                else:
                    updated_by, revision = stored[seed.key]
                    if updated_by is not None or revision >= seed.revision:
                        continue
                    await tx.execute(
                        "UPDATE content SET value = ?, source_url = ?, source_date = ?,"
                        " checked_on = ?, confidence = ?, updated_at = ?, seed_revision = ?"
                        " WHERE key = ?",
                        (*params, now, seed.revision, seed.key),
                    )
                await tx.execute(
                    "INSERT INTO content_history (key, value, source_url, source_date,"
                    " checked_on, confidence, changed_at, changed_by)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (seed.key, *params, now, None),
                )
                written += 1
        self._cache = None
        return written

    async def _all(self) -> dict[str, Fact]:
        if self._cache is None:
            rows = await self._db.fetch_all(f"SELECT {_COLUMNS} FROM content")
            self._cache = {row["key"]: _to_fact(row) for row in rows}
        return self._cache

    async def get(self, key: str) -> Fact:
        """The current version. A missing key is a bug (every key is seeded): KeyError."""
        return (await self._all())[key]

    async def find(self, key: str) -> Fact | None:
        """The current version, or None for a key that is not stored (an FAQ entry staff
        are still writing, a forged button)."""
        return (await self._all()).get(key)

    async def create(
        self,
        key: str,
        *,
        value: Mapping[str, Any],
        source_url: str,
        confidence: Confidence,
        by: int,
        now: int,
        checked_on: date,
    ) -> Fact:
        """A fact staff add in the bot (a new FAQ entry); its first version joins history like
        every later one. A key that exists already is a bug: IntegrityError."""
        params = (_dump(value), source_url, None, checked_on.isoformat(), confidence.value)
        async with self._db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO content ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (key, *params, now, by),
            )
            await tx.execute(
                "INSERT INTO content_history (key, value, source_url, source_date, checked_on,"
                " confidence, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, *params, now, by),
            )
        self._cache = None
        return await self.get(key)

    async def get_many(self, keys: Iterable[str]) -> dict[str, Fact]:
        facts = await self._all()
        return {key: facts[key] for key in keys}

    async def snapshot(self) -> Mapping[str, Fact]:
        """Every fact by key: the same object until any fact changes, so a reader may keep
        what it derives from it (the FAQ's search index) for as long as `is` holds. Read-only."""
        return await self._all()

    async def all(self) -> list[Fact]:
        """Every fact, by key: what the re-check list looks through."""
        facts = await self._all()
        return [facts[key] for key in sorted(facts)]

    async def mark_rechecked(self, key: str, *, by: int, now: int, checked_on: date) -> Fact:
        """Staff checked the source again and the fact still holds: only the checked day moves
        (value and source stay), and history records the re-check with who and when. It does
        not count as an edit, so a later seed correction can still reach the fact."""
        current = await self.get(key)
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE content SET checked_on = ?, updated_at = ? WHERE key = ?",
                (checked_on.isoformat(), now, key),
            )
            await tx.execute(
                "INSERT INTO content_history (key, value, source_url, source_date, checked_on,"
                " confidence, changed_at, changed_by, change)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'recheck')",
                (
                    key,
                    _dump(current.value),
                    current.source_url,
                    _source_when(current.source_date, current.source_year),
                    checked_on.isoformat(),
                    current.confidence.value,
                    now,
                    by,
                ),
            )
        self._cache = None
        return await self.get(key)

    async def update(
        self,
        key: str,
        *,
        value: Mapping[str, Any],
        by: int | None,
        now: int,
        checked_on: date,
        source_url: str | None = None,
        source_date: date | None = None,
        source_year: int | None = None,
        confidence: Confidence | None = None,
    ) -> Fact:
        """Replace a fact's value (and optionally its source); the new version joins history.

        Omitted source fields keep their current values, so a staff edit that only changes the
        value still shows where the fact came from.
        """
        current = await self.get(key)
        new = Fact(
            key=key,
            value=dict(value),
            source_url=source_url or current.source_url,
            source_date=source_date if source_url else current.source_date,
            checked_on=checked_on,
            confidence=confidence or current.confidence,
            updated_at=now,
            updated_by=by,
            source_year=source_year if source_url else current.source_year,
        )
        params = (
            _dump(new.value),
            new.source_url,
            _source_when(new.source_date, new.source_year),
            new.checked_on.isoformat(),
            new.confidence.value,
        )
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE content SET value = ?, source_url = ?, source_date = ?, checked_on = ?,"
                " confidence = ?, updated_at = ?, updated_by = ? WHERE key = ?",
                (*params, now, by, key),
            )
            await tx.execute(
                "INSERT INTO content_history (key, value, source_url, source_date, checked_on,"
                " confidence, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, *params, now, by),
            )
        self._cache = None
        return new

    async def history(self, key: str, limit: int = 10) -> list[FactVersion]:
        """Versions of one fact, newest first."""
        rows = await self._db.fetch_all(
            "SELECT key, value, source_url, source_date, checked_on, confidence, changed_at,"
            " changed_by, change FROM content_history WHERE key = ? ORDER BY id DESC LIMIT ?",
            (key, limit),
        )
        return [
            FactVersion(
                key=row["key"],
                value=json.loads(row["value"]),
                source_url=row["source_url"],
                source_date=_day(row["source_date"]),
                checked_on=date.fromisoformat(row["checked_on"]),
                confidence=Confidence(row["confidence"]),
                changed_at=row["changed_at"],
                changed_by=row["changed_by"],
                source_year=_year(row["source_date"]),
                rechecked=row["change"] == "recheck",
            )
            for row in rows
        ]
