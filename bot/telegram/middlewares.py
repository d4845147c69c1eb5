"""Update-level middleware: know who is talking before any handler or locale choice runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.clock import Clock
from storage.users import Role, UserRepository

# last_seen is refreshed at most this often, so a busy user does not cost a write per update.
LAST_SEEN_RESOLUTION_S = 3600


class UserMiddleware(BaseMiddleware):
    """Loads (or registers) the sender's record and exposes it as `user_record`.

    Reads are cheap and happen on every update; writes happen only when something changed: a new
    user, an admin list change, a stale last-seen time, or a user returning after blocking us.
    The record is read afresh after any role change (the repository drops its cached copy), so
    staff an admin removed are regular users from their very next update.
    """

    def __init__(self, users: UserRepository, clock: Clock, admin_ids: frozenset[int]) -> None:
        self._users = users
        self._clock = clock
        self._admin_ids = admin_ids

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: User | None = data.get("event_from_user")
        if sender is None or sender.is_bot:
            return await handler(event, data)
        now = int(self._clock.now())
        record = await self._users.get(sender.id)
        wanted_role = Role.ADMIN if sender.id in self._admin_ids else None
        if record is None:
            record = await self._users.register(sender.id, now=now, role=wanted_role or Role.USER)
        else:
            changed = False
            if (wanted_role is Role.ADMIN) != (record.role is Role.ADMIN):
                # ADMIN_IDS is the only source of admins: adding or removing an id there takes
                # effect at that person's next update (and is in the staff audit log).
                await self._users.apply_admin_ids(sender.id, wanted_role is Role.ADMIN, now=now)
                changed = True
            if record.blocked_at is not None or now - record.last_seen_at >= LAST_SEEN_RESOLUTION_S:
                await self._users.touch(sender.id, now=now)
                changed = True
            if changed:
                record = await self._users.get(sender.id) or record
        data["user_record"] = record
        return await handler(event, data)
