"""Announcements repository: SQLite is the durable queue of a staff announcement.

One row per announcement (its draft as JSON and its counts) and one row per recipient. Every
state change is one conditional UPDATE, as for reminders, so two workers (or a worker and staff
pressing "cancel") can never both win: a recipient is claimed once, hence sent at most once.
Counts are kept by triggers (migration 0011), so a progress update reads one row, never scans
100,000 recipients.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.announcements.model import (
    Announcement,
    Audience,
    Counts,
    Draft,
    RecipientStatus,
    Status,
    Version,
)
from storage.db import Database

# What a crash leaves behind: the send may or may not have reached Telegram.
INTERRUPTED = "interrupted"

_COLUMNS = (
    "id, created_by, created_at, status, draft, started_at, finished_at, progress_chat_id,"
    " progress_message_id, n_total, n_sent, n_blocked, n_failed, n_cancelled"
)
_OPEN = (Status.SCHEDULED.value, Status.RUNNING.value, Status.PAUSED.value)


@dataclass(frozen=True, slots=True)
class Selection:
    """Who an announcement reaches, in storage terms (the engine builds it from `Audience`).

    Empty tuples and None mean "no filter". Blocked users are always left out; muted users
    unless `include_muted`. `default_locale` is the language of users who never chose one,
    both for the language filter and for the version they get.
    """

    default_locale: str
    languages: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    subscribed_to: str | None = None  # a subscriptions topic
    flight_from: str | None = None  # ISO days, inclusive (departure_plans.flight_date)
    flight_to: str | None = None
    include_muted: bool = False

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause over `users u`, with its parameters."""
        clauses = ["u.blocked_at IS NULL"]
        params: list[Any] = []
        if not self.include_muted:
            clauses.append("u.announcements_muted = 0")
        if self.languages:
            clauses.append(f"COALESCE(u.language, ?) IN ({', '.join('?' * len(self.languages))})")
            params += [self.default_locale, *self.languages]
        if self.audiences:
            clauses.append(f"u.audience IN ({', '.join('?' * len(self.audiences))})")
            params += list(self.audiences)
        if self.subscribed_to is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM subscriptions s WHERE s.topic = ? AND s.user_id = u.id)"
            )
            params.append(self.subscribed_to)
        if self.flight_from is not None and self.flight_to is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM departure_plans p WHERE p.user_id = u.id"
                " AND p.flight_date BETWEEN ? AND ?)"
            )
            params += [self.flight_from, self.flight_to]
        return " AND ".join(clauses), params


# (users.time_zone, users.audience) -> when this recipient may get it (quiet hours).
PlanNotBefore = Callable[[str | None, str | None], int]


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one send ended, to be recorded (sending -> sent | blocked | failed)."""

    announcement_id: int
    user_id: int
    status: RecipientStatus
    at: int
    error: str | None = None

    def params(self) -> tuple[Any, ...]:
        return (self.status.value, self.at, self.error, self.announcement_id, self.user_id)


_FINISH = (
    "UPDATE announcement_recipients SET status = ?, finished_at = ?, error = ?"
    " WHERE announcement_id = ? AND user_id = ? AND status = 'sending'"
)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A recipient taken for sending: who, and in which language."""

    announcement_id: int
    user_id: int
    locale: str


def _draft_json(draft: Draft) -> str:
    data = {
        "versions": {locale: v.to_json() for locale, v in draft.versions.items()},
        "fallback_locale": draft.fallback_locale,
        "audience": draft.audience.to_json(),
        "urgent": draft.urgent,
        "scheduled_at": draft.scheduled_at,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _draft_from_json(text: str) -> Draft:
    data = json.loads(text)
    return Draft(
        versions={k: Version.from_json(v) for k, v in data["versions"].items()},
        fallback_locale=data["fallback_locale"],
        audience=Audience.from_json(data.get("audience") or {}),
        urgent=bool(data.get("urgent")),
        scheduled_at=data.get("scheduled_at"),
    )


def _to_announcement(row: aiosqlite.Row | tuple[Any, ...]) -> Announcement:
    (
        ann_id,
        created_by,
        created_at,
        status,
        draft,
        started_at,
        finished_at,
        chat_id,
        message_id,
        total,
        sent,
        blocked,
        failed,
        cancelled,
    ) = tuple(row)
    return Announcement(
        id=ann_id,
        created_by=created_by,
        created_at=created_at,
        status=Status(status),
        draft=_draft_from_json(draft),
        started_at=started_at,
        finished_at=finished_at,
        counts=Counts(total, sent, blocked, failed, cancelled),
        progress_chat_id=chat_id,
        progress_message_id=message_id,
    )


class AnnouncementRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- creating and starting ------------------------------------------------------------

    async def create(
        self,
        draft: Draft,
        *,
        by: int,
        now: int,
        progress: tuple[int, int] | None = None,
        start: tuple[Selection, PlanNotBefore] | None = None,
    ) -> int:
        """Store an announcement: SCHEDULED, or, with `start`, RUNNING with its recipients
        materialized in the same transaction (a crash never leaves one running with half its
        recipients)."""
        chat_id, message_id = progress or (None, None)
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO announcements (created_by, created_at, status, draft, scheduled_at,"
                " progress_chat_id, progress_message_id) VALUES (?, ?, 'scheduled', ?, ?, ?, ?)",
                (by, now, _draft_json(draft), draft.scheduled_at, chat_id, message_id),
            )
            announcement_id = int(cursor.lastrowid or 0)
            await cursor.close()
            if start is not None:
                await self._start(tx, announcement_id, now, *start)
        return announcement_id

    async def start(
        self, announcement_id: int, *, now: int, selection: Selection, plan: PlanNotBefore
    ) -> bool:
        """SCHEDULED -> RUNNING with recipients materialized; False when it was not scheduled
        any more (cancelled, or started by another worker)."""
        async with self._db.transaction() as tx:
            return await self._start(tx, announcement_id, now, selection, plan)

    @staticmethod
    async def _start(
        tx: aiosqlite.Connection,
        announcement_id: int,
        now: int,
        selection: Selection,
        plan: PlanNotBefore,
    ) -> bool:
        cursor = await tx.execute(
            "UPDATE announcements SET status = 'running', started_at = ?"
            " WHERE id = ? AND status = 'scheduled'",
            (now, announcement_id),
        )
        started = cursor.rowcount > 0
        await cursor.close()
        if not started:
            return False
        where, params = selection.where()
        # Quiet hours depend on the reader's zone, which depends on (time_zone, audience): a
        # handful of distinct pairs. Plan each once in Python (the rule lives in bot/), then
        # materialize every recipient in one INSERT ... SELECT joined with those times.
        cursor = await tx.execute(
            f"SELECT DISTINCT u.time_zone, u.audience FROM users u WHERE {where}", params
        )
        pairs = [(row[0], row[1]) for row in await cursor.fetchall()]
        await cursor.close()
        times = [(tz or "", aud or "", plan(tz, aud)) for tz, aud in pairs]
        values = ", ".join("(?, ?, ?)" for _ in times) or "(NULL, NULL, NULL)"
        flat = [item for triple in times for item in triple]
        cursor = await tx.execute(
            f"WITH plan(tz, aud, not_before) AS (VALUES {values})"
            " INSERT INTO announcement_recipients (announcement_id, user_id, locale, not_before)"
            " SELECT ?, u.id, COALESCE(u.language, ?), COALESCE(p.not_before, ?)"
            " FROM users u LEFT JOIN plan p"
            " ON p.tz = COALESCE(u.time_zone, '') AND p.aud = COALESCE(u.audience, '')"
            f" WHERE {where}",
            [*flat, announcement_id, selection.default_locale, now, *params],
        )
        await cursor.close()
        # changes(), not rowcount: Python reports -1 for a statement that begins with WITH.
        await tx.execute(
            "UPDATE announcements SET n_total = changes() WHERE id = ?", (announcement_id,)
        )
        return True

    async def count(self, selection: Selection) -> int:
        where, params = selection.where()
        return int(
            await self._db.fetch_value(f"SELECT COUNT(*) FROM users u WHERE {where}", params) or 0
        )

    # -- reading --------------------------------------------------------------------------

    async def get(self, announcement_id: int) -> Announcement | None:
        rows = await self._db.fetch_tuples(
            f"SELECT {_COLUMNS} FROM announcements WHERE id = ?", (announcement_id,)
        )
        return _to_announcement(rows[0]) if rows else None

    async def recent(self, limit: int) -> list[Announcement]:
        rows = await self._db.fetch_tuples(
            f"SELECT {_COLUMNS} FROM announcements ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_to_announcement(row) for row in rows]

    async def received_by(self, user_id: int, limit: int) -> list[Announcement]:
        """Running or finished announcements this user was sent, newest first."""
        columns = ", ".join(f"a.{name.strip()}" for name in _COLUMNS.split(","))
        rows = await self._db.fetch_tuples(
            f"SELECT {columns} FROM announcement_recipients r"
            " JOIN announcements a ON a.id = r.announcement_id"
            " WHERE r.user_id = ? AND r.status = 'sent' AND a.status IN ('running', 'done')"
            " ORDER BY a.id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_to_announcement(row) for row in rows]

    async def count_received(self, user_id: int) -> int:
        """How many announcements this user was sent (for /mydata)."""
        value = await self._db.fetch_value(
            "SELECT COUNT(*) FROM announcement_recipients WHERE user_id = ? AND status = 'sent'",
            (user_id,),
        )
        return int(value or 0)

    async def ids_with_status(self, status: Status) -> list[int]:
        rows = await self._db.fetch_tuples(
            "SELECT id FROM announcements WHERE status = ? ORDER BY id", (status.value,)
        )
        return [int(row[0]) for row in rows]

    async def due_scheduled(self, now: int) -> list[int]:
        rows = await self._db.fetch_tuples(
            "SELECT id FROM announcements WHERE status = 'scheduled'"
            " AND COALESCE(scheduled_at, 0) <= ? ORDER BY scheduled_at, id",
            (now,),
        )
        return [int(row[0]) for row in rows]

    async def next_scheduled_at(self) -> int | None:
        value = await self._db.fetch_value(
            "SELECT MIN(COALESCE(scheduled_at, 0)) FROM announcements WHERE status = 'scheduled'"
        )
        return None if value is None else int(value)

    async def next_not_before(self, announcement_id: int) -> int | None:
        """When the earliest pending recipient may get it (quiet hours), or None if none."""
        value = await self._db.fetch_value(
            "SELECT MIN(not_before) FROM announcement_recipients"
            " WHERE announcement_id = ? AND status = 'pending'",
            (announcement_id,),
        )
        return None if value is None else int(value)

    async def recipient_status(self, announcement_id: int, user_id: int) -> RecipientStatus | None:
        value = await self._db.fetch_value(
            "SELECT status FROM announcement_recipients WHERE announcement_id = ? AND user_id = ?",
            (announcement_id, user_id),
        )
        return None if value is None else RecipientStatus(value)

    # -- changing -------------------------------------------------------------------------

    async def replace_draft(self, announcement_id: int, draft: Draft) -> bool:
        changed = await self._db.execute(
            "UPDATE announcements SET draft = ?, scheduled_at = ?"
            " WHERE id = ? AND status = 'scheduled'",
            (_draft_json(draft), draft.scheduled_at, announcement_id),
        )
        return changed > 0

    async def set_progress_message(
        self, announcement_id: int, chat_id: int, message_id: int
    ) -> None:
        await self._db.execute(
            "UPDATE announcements SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, announcement_id),
        )

    async def move(
        self, announcement_id: int, to: Status, *, allowed: Sequence[Status], now: int
    ) -> bool:
        """One conditional status change (pause, resume); False if it was in another state."""
        states = tuple(status.value for status in allowed)
        changed = await self._db.execute(
            "UPDATE announcements SET status = ?,"
            " finished_at = CASE WHEN ? IN ('done', 'cancelled') THEN ? ELSE finished_at END"
            f" WHERE id = ? AND status IN ({', '.join('?' * len(states))})",
            (to.value, to.value, now, announcement_id, *states),
        )
        return changed > 0

    async def cancel(self, announcement_id: int, *, now: int) -> bool:
        """Scheduled, running or paused -> cancelled; its pending recipients with it. Rows being
        sent right now finish as they go."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE announcements SET status = 'cancelled', finished_at = ?"
                f" WHERE id = ? AND status IN ({', '.join('?' * len(_OPEN))})",
                (now, announcement_id, *_OPEN),
            )
            cancelled = cursor.rowcount > 0
            await cursor.close()
            if cancelled:
                await tx.execute(
                    "UPDATE announcement_recipients SET status = 'cancelled', finished_at = ?"
                    " WHERE announcement_id = ? AND status = 'pending'",
                    (now, announcement_id),
                )
        return cancelled

    async def claim(
        self, announcement_id: int, *, now: int, limit: int, settle: Sequence[Outcome] = ()
    ) -> list[Claimed]:
        """pending -> sending for up to `limit` recipients whose time has come, only while the
        announcement is running (a pause or cancel in any process stops the next claim).

        `settle` records finished sends first, in the same transaction: the runner frees a slot
        only with the claim that reuses it, so at no commit are more rows in 'sending' than
        there are slots (what bounds the loss of a crash), and 100 sends cost one transaction,
        not 100 (the one SQLite thread is the bottleneck at 1,000 messages per second)."""
        async with self._db.transaction() as tx:
            if settle:
                await tx.executemany(_FINISH, [outcome.params() for outcome in settle])
            cursor = await tx.execute(
                "UPDATE announcement_recipients SET status = 'sending'"
                " WHERE announcement_id = ? AND status = 'pending' AND user_id IN ("
                "  SELECT user_id FROM announcement_recipients"
                "  WHERE announcement_id = ? AND status = 'pending' AND not_before <= ?"
                "  ORDER BY not_before LIMIT ?)"
                " AND EXISTS (SELECT 1 FROM announcements WHERE id = ? AND status = 'running')"
                " RETURNING user_id, locale",
                (announcement_id, announcement_id, now, limit, announcement_id),
            )
            rows = list(await cursor.fetchall())
            await cursor.close()
        return [Claimed(announcement_id, int(user_id), str(locale)) for user_id, locale in rows]

    async def finish(self, outcome: Outcome) -> None:
        """sending -> sent | blocked | failed, for one recipient."""
        await self._db.execute(_FINISH, outcome.params())

    async def settle(self, outcomes: Sequence[Outcome]) -> None:
        """Record several finished sends in one transaction."""
        if outcomes:
            await self._db.execute_many(_FINISH, [outcome.params() for outcome in outcomes])

    async def complete_if_drained(self, announcement_id: int, *, now: int) -> bool:
        """running -> done once no recipient is pending or being sent."""
        changed = await self._db.execute(
            "UPDATE announcements SET status = 'done', finished_at = ?"
            " WHERE id = ? AND status = 'running' AND NOT EXISTS ("
            "  SELECT 1 FROM announcement_recipients WHERE announcement_id = ?"
            "  AND status IN ('pending', 'sending'))",
            (now, announcement_id, announcement_id),
        )
        return changed > 0

    async def fail_interrupted(self, *, now: int) -> int:
        """At start-up: a recipient left in 'sending' may or may not have got the message.
        Sending again could repeat it, so it is closed as failed and never re-sent."""
        return await self._db.execute(
            "UPDATE announcement_recipients SET status = 'failed', error = ?, finished_at = ?"
            " WHERE status = 'sending'",
            (INTERRUPTED, now),
        )
