"""Tickets repository: the "Ask a person" relay's questions, answers and their delivery.

SQLite is both the record and the queue (migration 0012): a question or an answer is stored
first, as 'pending', and delivered after; every delivery step is one conditional UPDATE, so the
handler that just stored a question and the background retry loop can never both post it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiosqlite

from storage.db import Database


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Direction(StrEnum):
    QUESTION = "question"  # the person -> the staff chat
    ANSWER = "answer"  # staff -> the person


class Delivery(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"  # the person blocked the bot
    FAILED = "failed"  # given up after many attempts


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    user_id: int
    status: TicketStatus
    language: str
    audience: str | None
    display_name: str | None
    created_at: int
    first_answer_at: int | None
    closed_at: int | None
    closed_by: int | None
    staff_chat_id: int | None
    staff_thread_id: int | None
    staff_post_id: int | None

    @property
    def is_open(self) -> bool:
        return self.status is TicketStatus.OPEN


@dataclass(frozen=True, slots=True)
class TicketMessage:
    id: int
    ticket_id: int
    direction: Direction
    text: str
    photo_id: str | None
    faq_key: str | None
    sent_by: int | None
    source_message_id: int | None
    created_at: int
    delivery: Delivery
    attempts: int
    next_attempt_at: int | None
    delivered_at: int | None
    chat_message_id: int | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class StaffMessage:
    """One message the bot posted in the staff chat for a ticket."""

    chat_id: int
    message_id: int
    ticket_id: int
    posted_at: int


@dataclass(frozen=True, slots=True)
class UserTicketCounts:
    """What the per-user limits need: open tickets, and when each recent one was created."""

    open: int
    created_since: tuple[int, ...]  # creation times in the window, oldest first


@dataclass(frozen=True, slots=True)
class Block:
    user_id: int
    blocked_at: int
    blocked_by: int | None
    ticket_id: int | None


TICKET_COLUMNS = (
    "id, user_id, status, language, audience, display_name, created_at, first_answer_at,"
    " closed_at, closed_by, staff_chat_id, staff_thread_id, staff_post_id"
)
_MESSAGE = (
    "id, ticket_id, direction, text, photo_id, faq_key, sent_by, source_message_id, created_at,"
    " delivery, attempts, next_attempt_at, delivered_at, chat_message_id, last_error"
)


# A pending message with no undelivered message of its ticket and direction before it.
_READY = (
    "m.delivery = 'pending' AND NOT EXISTS (SELECT 1 FROM ticket_messages e"
    " WHERE e.ticket_id = m.ticket_id AND e.direction = m.direction AND e.id < m.id"
    " AND e.delivery IN ('pending', 'sending'))"
)


def ticket_from_row(row: Sequence[Any]) -> Ticket:
    values = tuple(row)
    return Ticket(
        id=values[0],
        user_id=values[1],
        status=TicketStatus(values[2]),
        language=values[3],
        audience=values[4],
        display_name=values[5],
        created_at=values[6],
        first_answer_at=values[7],
        closed_at=values[8],
        closed_by=values[9],
        staff_chat_id=values[10],
        staff_thread_id=values[11],
        staff_post_id=values[12],
    )


def _message(row: Sequence[Any]) -> TicketMessage:
    values = tuple(row)
    return TicketMessage(
        id=values[0],
        ticket_id=values[1],
        direction=Direction(values[2]),
        text=values[3],
        photo_id=values[4],
        faq_key=values[5],
        sent_by=values[6],
        source_message_id=values[7],
        created_at=values[8],
        delivery=Delivery(values[9]),
        attempts=values[10],
        next_attempt_at=values[11],
        delivered_at=values[12],
        chat_message_id=values[13],
        last_error=values[14],
    )


class TicketRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _returning(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """A writing statement with RETURNING, under the write lock like every write (a bare
        read path could slip into another task's open transaction)."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(sql, params)
            rows = [tuple(row) for row in await cursor.fetchall()]
            await cursor.close()
        return rows

    # -- tickets ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        user_id: int,
        language: str,
        audience: str | None,
        display_name: str | None,
        text: str,
        photo_id: str | None,
        source_message_id: int | None,
        now: int,
    ) -> Ticket:
        """The ticket and its first question, pending delivery, in one transaction: a crash
        never leaves a ticket without its question."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO tickets (user_id, language, audience, display_name, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, language, audience, display_name, now),
            )
            ticket_id = int(cursor.lastrowid or 0)
            await cursor.close()
            await _insert_message(
                tx,
                ticket_id,
                Direction.QUESTION,
                text=text,
                photo_id=photo_id,
                source_message_id=source_message_id,
                now=now,
            )
        ticket = await self.get(ticket_id)
        assert ticket is not None  # noqa: S101 - inserted just above
        return ticket

    async def get(self, ticket_id: int) -> Ticket | None:
        rows = await self._db.fetch_tuples(
            f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,)
        )
        return ticket_from_row(rows[0]) if rows else None

    async def for_user(self, user_id: int, *, limit: int = 50) -> list[Ticket]:
        """The person's tickets, open ones first, newest first within each."""
        rows = await self._db.fetch_tuples(
            f"SELECT {TICKET_COLUMNS} FROM tickets WHERE user_id = ?"
            " ORDER BY status = 'closed', id DESC LIMIT ?",
            (user_id, limit),
        )
        return [ticket_from_row(row) for row in rows]

    async def open_tickets(self, *, limit: int) -> list[Ticket]:
        rows = await self._db.fetch_tuples(
            f"SELECT {TICKET_COLUMNS} FROM tickets WHERE status = 'open' ORDER BY id LIMIT ?",
            (limit,),
        )
        return [ticket_from_row(row) for row in rows]

    async def count_open(self) -> int:
        value = await self._db.fetch_value("SELECT COUNT(*) FROM tickets WHERE status = 'open'")
        return int(value or 0)

    async def limits_for(self, user_id: int, *, since: int) -> UserTicketCounts:
        open_count = await self._db.fetch_value(
            "SELECT COUNT(*) FROM tickets WHERE user_id = ? AND status = 'open'", (user_id,)
        )
        rows = await self._db.fetch_tuples(
            "SELECT created_at FROM tickets WHERE user_id = ? AND created_at >= ?"
            " ORDER BY created_at",
            (user_id, since),
        )
        return UserTicketCounts(int(open_count or 0), tuple(int(row[0]) for row in rows))

    async def close(self, ticket_id: int, *, by: int | None, now: int) -> bool:
        """open -> closed; False when it was closed already (a double press, two staff)."""
        changed = await self._db.execute(
            "UPDATE tickets SET status = 'closed', closed_at = ?, closed_by = ?"
            " WHERE id = ? AND status = 'open'",
            (now, by, ticket_id),
        )
        return changed > 0

    async def close_all_for_user(self, user_id: int, *, by: int | None, now: int) -> list[int]:
        rows = await self._returning(
            "UPDATE tickets SET status = 'closed', closed_at = ?, closed_by = ?"
            " WHERE user_id = ? AND status = 'open' RETURNING id",
            (now, by, user_id),
        )
        return sorted(int(row[0]) for row in rows)

    async def set_topic(self, ticket_id: int, *, chat_id: int, thread_id: int) -> None:
        """Recorded as soon as the topic exists, before the post: a retry reuses it."""
        await self._db.execute(
            "UPDATE tickets SET staff_chat_id = ?, staff_thread_id = ? WHERE id = ?",
            (chat_id, thread_id, ticket_id),
        )

    async def set_post(self, ticket_id: int, *, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE tickets SET staff_chat_id = ?, staff_post_id = ? WHERE id = ?",
            (chat_id, message_id, ticket_id),
        )

    async def forget_staff_thread(self, ticket_id: int) -> None:
        """The topic or post is gone from the staff chat (deleted by hand): the next delivery
        posts the ticket afresh."""
        await self._db.execute(
            "UPDATE tickets SET staff_thread_id = NULL, staff_post_id = NULL WHERE id = ?",
            (ticket_id,),
        )

    async def by_thread(self, chat_id: int, thread_id: int) -> Ticket | None:
        rows = await self._db.fetch_tuples(
            f"SELECT {TICKET_COLUMNS} FROM tickets WHERE staff_chat_id = ? AND staff_thread_id = ?",
            (chat_id, thread_id),
        )
        return ticket_from_row(rows[0]) if rows else None

    # -- messages and their delivery --------------------------------------------------------

    async def add_question(
        self,
        ticket_id: int,
        *,
        text: str,
        photo_id: str | None,
        source_message_id: int | None,
        now: int,
    ) -> TicketMessage:
        async with self._db.transaction() as tx:
            message_id = await _insert_message(
                tx,
                ticket_id,
                Direction.QUESTION,
                text=text,
                photo_id=photo_id,
                source_message_id=source_message_id,
                now=now,
            )
        found = await self.message(message_id)
        assert found is not None  # noqa: S101 - inserted just above
        return found

    async def add_answer(
        self,
        ticket_id: int,
        *,
        text: str,
        photo_id: str | None,
        sent_by: int,
        source_message_id: int | None,
        faq_key: str | None,
        now: int,
    ) -> TicketMessage:
        """Store a staff answer, pending delivery. The ticket's first answer also records how
        long the person waited (anonymously: `relay_response_times`), in the same
        transaction."""
        async with self._db.transaction() as tx:
            message_id = await _insert_message(
                tx,
                ticket_id,
                Direction.ANSWER,
                text=text,
                photo_id=photo_id,
                sent_by=sent_by,
                faq_key=faq_key,
                source_message_id=source_message_id,
                now=now,
            )
            cursor = await tx.execute(
                "UPDATE tickets SET first_answer_at = ? WHERE id = ? AND first_answer_at IS NULL"
                " RETURNING created_at",
                (now, ticket_id),
            )
            row = await cursor.fetchone()
            await cursor.close()
            if row is not None:
                await tx.execute(
                    "INSERT INTO relay_response_times (asked_at, wait_seconds) VALUES (?, ?)",
                    (int(row[0]), max(0, now - int(row[0]))),
                )
        found = await self.message(message_id)
        assert found is not None  # noqa: S101 - inserted just above
        return found

    async def message(self, message_id: int) -> TicketMessage | None:
        rows = await self._db.fetch_tuples(
            f"SELECT {_MESSAGE} FROM ticket_messages WHERE id = ?", (message_id,)
        )
        return _message(rows[0]) if rows else None

    async def messages(self, ticket_id: int) -> list[TicketMessage]:
        rows = await self._db.fetch_tuples(
            f"SELECT {_MESSAGE} FROM ticket_messages WHERE ticket_id = ? ORDER BY id",
            (ticket_id,),
        )
        return [_message(row) for row in rows]

    async def due(
        self,
        *,
        now: int,
        direction: Direction,
        limit: int = 100,
        ticket_id: int | None = None,
    ) -> list[int]:
        """Pending messages whose attempt time has come, oldest first; a message waits while an
        earlier one of the same ticket and direction is undelivered, so they land in order."""
        where = "" if ticket_id is None else " AND m.ticket_id = ?"
        params: list[Any] = [direction.value, now]
        if ticket_id is not None:
            params.append(ticket_id)
        rows = await self._db.fetch_tuples(
            f"SELECT m.id FROM ticket_messages m WHERE {_READY} AND m.direction = ?"
            f" AND m.next_attempt_at <= ?{where} ORDER BY m.id LIMIT ?",
            [*params, limit],
        )
        return [int(row[0]) for row in rows]

    async def next_attempt_at(self, direction: Direction) -> int | None:
        """When the next message of this direction may be tried (one waiting behind an earlier
        message of its ticket does not count: the earlier one's time does)."""
        value = await self._db.fetch_value(
            f"SELECT MIN(m.next_attempt_at) FROM ticket_messages m WHERE {_READY}"
            " AND m.direction = ?",
            (direction.value,),
        )
        return None if value is None else int(value)

    async def count_pending(self, direction: Direction) -> int:
        value = await self._db.fetch_value(
            "SELECT COUNT(*) FROM ticket_messages WHERE delivery = 'pending' AND direction = ?",
            (direction.value,),
        )
        return int(value or 0)

    async def claim(self, message_id: int) -> TicketMessage | None:
        """pending -> sending; None when someone else took it (or it is gone)."""
        rows = await self._returning(
            "UPDATE ticket_messages SET delivery = 'sending', attempts = attempts + 1"
            f" WHERE id = ? AND delivery = 'pending' RETURNING {_MESSAGE}",
            (message_id,),
        )
        return _message(rows[0]) if rows else None

    async def set_landed(self, message_id: int, chat_message_id: int | None) -> None:
        """The text part landed (the photo may still be to come): a retry sends only what is
        missing."""
        await self._db.execute(
            "UPDATE ticket_messages SET chat_message_id = ? WHERE id = ?",
            (chat_message_id, message_id),
        )

    async def delivered(self, message_id: int, *, now: int, chat_message_id: int | None) -> None:
        await self._db.execute(
            "UPDATE ticket_messages SET delivery = 'delivered', delivered_at = ?,"
            " chat_message_id = ?, last_error = NULL WHERE id = ? AND delivery = 'sending'",
            (now, chat_message_id, message_id),
        )

    async def retry_at(self, message_id: int, *, at: int, error: str | None) -> None:
        await self._db.execute(
            "UPDATE ticket_messages SET delivery = 'pending', next_attempt_at = ?, last_error = ?"
            " WHERE id = ? AND delivery = 'sending'",
            (at, error, message_id),
        )

    async def give_up(self, message_id: int, delivery: Delivery, *, error: str | None) -> None:
        """sending -> undeliverable | failed: kept in the ticket, never sent again."""
        await self._db.execute(
            "UPDATE ticket_messages SET delivery = ?, last_error = ?"
            " WHERE id = ? AND delivery = 'sending'",
            (delivery.value, error, message_id),
        )

    async def release_interrupted(self) -> int:
        """At start-up: a delivery a stop interrupted is tried again (a post may repeat; a
        question or an answer is never lost)."""
        return await self._db.execute(
            "UPDATE ticket_messages SET delivery = 'pending' WHERE delivery = 'sending'"
        )

    async def retry_now(self, *, now: int) -> int:
        """Every pending message due at once (the staff chat is back: no need to wait out the
        backoff)."""
        return await self._db.execute(
            "UPDATE ticket_messages SET next_attempt_at = ?"
            " WHERE delivery = 'pending' AND next_attempt_at > ?",
            (now, now),
        )

    async def ticket_of_answer(self, user_id: int, chat_message_id: int) -> Ticket | None:
        """The ticket whose answer the person's message replies to."""
        columns = ", ".join(f"t.{name.strip()}" for name in TICKET_COLUMNS.split(","))
        rows = await self._db.fetch_tuples(
            f"SELECT {columns} FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id"
            " WHERE t.user_id = ? AND m.direction = 'answer' AND m.chat_message_id = ?",
            (user_id, chat_message_id),
        )
        return ticket_from_row(rows[0]) if rows else None

    async def last_answer(self, ticket_id: int) -> TicketMessage | None:
        rows = await self._db.fetch_tuples(
            f"SELECT {_MESSAGE} FROM ticket_messages WHERE ticket_id = ? AND direction = 'answer'"
            " ORDER BY id DESC LIMIT 1",
            (ticket_id,),
        )
        return _message(rows[0]) if rows else None

    async def first_question(self, ticket_id: int) -> TicketMessage | None:
        rows = await self._db.fetch_tuples(
            f"SELECT {_MESSAGE} FROM ticket_messages WHERE ticket_id = ?"
            " AND direction = 'question' ORDER BY id LIMIT 1",
            (ticket_id,),
        )
        return _message(rows[0]) if rows else None

    async def count_messages(self, ticket_id: int) -> int:
        value = await self._db.fetch_value(
            "SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = ?", (ticket_id,)
        )
        return int(value or 0)

    # -- the staff chat's messages ----------------------------------------------------------

    async def remember_staff_message(
        self, ticket_id: int, *, chat_id: int, message_id: int, now: int
    ) -> None:
        await self._db.execute(
            "INSERT INTO ticket_staff_messages (chat_id, message_id, ticket_id, posted_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (chat_id, message_id, ticket_id, now),
        )

    async def by_staff_message(self, chat_id: int, message_id: int) -> Ticket | None:
        columns = ", ".join(f"t.{name.strip()}" for name in TICKET_COLUMNS.split(","))
        rows = await self._db.fetch_tuples(
            f"SELECT {columns} FROM ticket_staff_messages s JOIN tickets t ON t.id = s.ticket_id"
            " WHERE s.chat_id = ? AND s.message_id = ?",
            (chat_id, message_id),
        )
        return ticket_from_row(rows[0]) if rows else None

    async def staff_messages_of(self, ticket_id: int) -> list[StaffMessage]:
        rows = await self._db.fetch_tuples(
            "SELECT chat_id, message_id, ticket_id, posted_at FROM ticket_staff_messages"
            " WHERE ticket_id = ? ORDER BY message_id",
            (ticket_id,),
        )
        return [StaffMessage(*row) for row in rows]

    async def staff_answers_of(self, ticket_id: int) -> list[StaffMessage]:
        """Staff members' own answers in the staff chat (they may quote what was asked): deleted
        with the person's data where Telegram allows it."""
        rows = await self._db.fetch_tuples(
            "SELECT t.staff_chat_id, m.source_message_id, t.id, m.created_at"
            " FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id"
            " WHERE t.id = ? AND m.direction = 'answer' AND m.source_message_id IS NOT NULL"
            " AND t.staff_chat_id IS NOT NULL ORDER BY m.id",
            (ticket_id,),
        )
        return [StaffMessage(*row) for row in rows]

    # -- blocks -----------------------------------------------------------------------------

    async def block(self, user_id: int, *, by: int | None, ticket_id: int | None, now: int) -> bool:
        changed = await self._db.execute(
            "INSERT INTO relay_blocks (user_id, blocked_at, blocked_by, ticket_id)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
            (user_id, now, by, ticket_id),
        )
        return changed > 0

    async def unblock(self, user_id: int) -> bool:
        return await self._db.execute("DELETE FROM relay_blocks WHERE user_id = ?", (user_id,)) > 0

    async def block_of(self, user_id: int) -> Block | None:
        rows = await self._db.fetch_tuples(
            "SELECT user_id, blocked_at, blocked_by, ticket_id FROM relay_blocks WHERE user_id = ?",
            (user_id,),
        )
        return Block(*rows[0]) if rows else None

    async def blocked_user_of_ticket(self, ticket_id: int) -> int | None:
        """Who a block made from ticket N is about, also after that ticket was deleted."""
        value = await self._db.fetch_value(
            "SELECT user_id FROM relay_blocks WHERE ticket_id = ?", (ticket_id,)
        )
        return None if value is None else int(value)

    # -- estimates, retention ---------------------------------------------------------------

    async def wait_times(self, *, since: int) -> list[int]:
        """First-answer waits of the questions asked since then, in seconds."""
        rows = await self._db.fetch_tuples(
            "SELECT wait_seconds FROM relay_response_times WHERE asked_at >= ?", (since,)
        )
        return [int(row[0]) for row in rows]

    async def closed_before(self, moment: int, *, limit: int = 200) -> list[Ticket]:
        rows = await self._db.fetch_tuples(
            f"SELECT {TICKET_COLUMNS} FROM tickets WHERE status = 'closed' AND closed_at < ?"
            " ORDER BY id LIMIT ?",
            (moment, limit),
        )
        return [ticket_from_row(row) for row in rows]

    async def delete(self, ticket_ids: Sequence[int]) -> int:
        """Delete tickets with their messages and staff-chat records (foreign keys)."""
        if not ticket_ids:
            return 0
        marks = ", ".join("?" for _ in ticket_ids)
        return await self._db.execute(f"DELETE FROM tickets WHERE id IN ({marks})", ticket_ids)

    async def forget_wait_times(self, *, before: int) -> int:
        return await self._db.execute(
            "DELETE FROM relay_response_times WHERE asked_at < ?", (before,)
        )


async def _insert_message(
    tx: aiosqlite.Connection,
    ticket_id: int,
    direction: Direction,
    *,
    text: str,
    now: int,
    photo_id: str | None = None,
    sent_by: int | None = None,
    faq_key: str | None = None,
    source_message_id: int | None = None,
) -> int:
    cursor = await tx.execute(
        "INSERT INTO ticket_messages (ticket_id, direction, text, photo_id, faq_key, sent_by,"
        " source_message_id, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ticket_id, direction.value, text, photo_id, faq_key, sent_by, source_message_id, now, now),
    )
    message_id = int(cursor.lastrowid or 0)
    await cursor.close()
    return message_id
