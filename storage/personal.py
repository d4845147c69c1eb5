"""Everything /mydata lists about one person, read in one statement.

/mydata is among the most used screens, and it touches eight tables. Asked table by table it
was eleven statements, each a hand-off to SQLite's thread (about a millisecond in all, most of it
waiting); one statement of scalar subqueries is one hand-off. The per-table repositories stay the
writers and the readers of their own rows everywhere else; this read model only gathers.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from storage.checklists import PLAN_COLUMNS, Checklist, checklist_from_row
from storage.db import Database
from storage.tickets import TICKET_COLUMNS, Ticket, ticket_from_row


@dataclass(frozen=True, slots=True)
class PersonalRows:
    """What is stored about one person, as /mydata reports it."""

    upcoming_reminders: int
    selfcheck_on: date | None
    departure_plan: Checklist | None
    subscribed: bool
    announcements_received: int
    announcements_muted: bool
    tickets: tuple[Ticket, ...]
    plan_shared: bool
    plan_followers: int
    plans_followed: int


class PersonalDataRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def summary(
        self,
        user_id: int,
        *,
        reminder_kinds: Collection[str],
        topic: str,
        ticket_limit: int = 100_000,
    ) -> PersonalRows:
        """Counts, flags and the rows a person may see, in one statement.

        `reminder_kinds`: the kinds listed to the person (internal bookkeeping reminders are
        not theirs to manage); `topic`: the subscription reported."""
        kinds = tuple(reminder_kinds)
        kind_marks = ", ".join("?" * len(kinds)) or "NULL"
        ticket_columns = ", ".join(name.strip() for name in TICKET_COLUMNS.split(","))
        sql = (
            "SELECT"
            " (SELECT COUNT(*) FROM reminders WHERE user_id = ? AND status = 'pending'"
            f"  AND kind IN ({kind_marks})),"
            " (SELECT checked_on FROM eligibility_results WHERE user_id = ? LIMIT 1),"
            f" (SELECT json_array({PLAN_COLUMNS}) FROM departure_plans WHERE user_id = ?),"
            " (SELECT json_group_array(item) FROM checklist_items WHERE user_id = ?),"
            " EXISTS (SELECT 1 FROM subscriptions WHERE topic = ? AND user_id = ?),"
            " (SELECT COUNT(*) FROM announcement_recipients WHERE user_id = ? AND status = 'sent'),"
            " (SELECT announcements_muted FROM users WHERE id = ?),"
            f" (SELECT json_group_array(json_array({ticket_columns})) FROM"
            f"  (SELECT {ticket_columns} FROM tickets WHERE user_id = ?"
            "   ORDER BY status = 'closed', id DESC LIMIT ?)),"
            " EXISTS (SELECT 1 FROM plan_shares WHERE user_id = ?),"
            " (SELECT COUNT(*) FROM plan_follows WHERE owner_id = ?),"
            " (SELECT COUNT(*) FROM plan_follows WHERE user_id = ?)"
        )
        u = user_id
        params = (u, *kinds, u, u, u, topic, u, u, u, u, ticket_limit, u, u, u)
        rows = await self._db.fetch_tuples(sql, params)
        (reminders, checked_on, plan, items, subscribed, received, muted, tickets, shared,
         followers, follows) = rows[0]  # fmt: skip
        return PersonalRows(
            upcoming_reminders=int(reminders),
            selfcheck_on=date.fromisoformat(checked_on) if checked_on else None,
            departure_plan=_checklist(user_id, plan, items),
            subscribed=bool(subscribed),
            announcements_received=int(received),
            announcements_muted=bool(muted),
            tickets=_tickets(tickets),
            plan_shared=bool(shared),
            plan_followers=int(followers),
            plans_followed=int(follows),
        )


def _checklist(user_id: int, plan: str | None, items: str) -> Checklist | None:
    return (
        None if plan is None else checklist_from_row(user_id, json.loads(plan), json.loads(items))
    )


def _tickets(encoded: str) -> tuple[Ticket, ...]:
    tickets = [ticket_from_row(row) for row in json.loads(encoded)]
    # The order of an aggregate over an ordered subquery is what SQLite does, not what it
    # promises: sort again (open ones first, newest first), as `TicketRepository.for_user`.
    tickets.sort(key=lambda ticket: (ticket.status == "closed", -ticket.id))
    return tuple(tickets)
