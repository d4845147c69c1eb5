"""Subscriptions repository: who wants a message when a topic changes (now: the accession
tracker; later announcements can reuse it with their own topic).

A subscription is only a (topic, user) pair: nothing about the person beyond the wish. Blocked
users keep their row (they come back by writing to the bot again) but are not recipients.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Recipient:
    """What fan-out needs to plan a delivery: who, and which clock they live by."""

    user_id: int
    time_zone: str | None
    audience: str | None


class SubscriptionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def subscribe(self, user_id: int, topic: str, *, now: int) -> bool:
        """Return whether the user was not subscribed before."""
        changed = await self._db.execute(
            "INSERT INTO subscriptions (topic, user_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (topic, user_id) DO NOTHING",
            (topic, user_id, now),
        )
        return changed > 0

    async def unsubscribe(self, user_id: int, topic: str) -> bool:
        """Return whether there was a subscription to remove."""
        changed = await self._db.execute(
            "DELETE FROM subscriptions WHERE topic = ? AND user_id = ?", (topic, user_id)
        )
        return changed > 0

    async def is_subscribed(self, user_id: int, topic: str) -> bool:
        found = await self._db.fetch_value(
            "SELECT 1 FROM subscriptions WHERE topic = ? AND user_id = ?", (topic, user_id)
        )
        return found is not None

    async def topics_of(self, user_id: int) -> list[str]:
        rows = await self._db.fetch_tuples(
            "SELECT topic FROM subscriptions WHERE user_id = ? ORDER BY topic", (user_id,)
        )
        return [row[0] for row in rows]

    async def count_reachable(self, topic: str) -> int:
        """Subscribers who have not blocked the bot: how many a change will be sent to."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM subscriptions s JOIN users u ON u.id = s.user_id"
                " WHERE s.topic = ? AND u.blocked_at IS NULL",
                (topic,),
            )
            or 0
        )

    async def recipients(self, topic: str) -> list[Recipient]:
        """Reachable subscribers with their zone settings, in subscription order."""
        rows = await self._db.fetch_tuples(
            "SELECT s.user_id, u.time_zone, u.audience FROM subscriptions s"
            " JOIN users u ON u.id = s.user_id"
            " WHERE s.topic = ? AND u.blocked_at IS NULL ORDER BY s.created_at, s.user_id",
            (topic,),
        )
        return [Recipient(user_id, time_zone, audience) for user_id, time_zone, audience in rows]
