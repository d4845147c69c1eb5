"""A double press of a staff editor's confirm button publishes once.

Telegram delivers both presses as separate updates, and aiogram would handle them at the same
time; the Dispatcher's event isolation (one update per chat at a time) makes the second press see
the dialogue already finished. One test per staff editor: one new history version, one
confirmation to the staff member, and (for the tracker) one news message per subscriber.
"""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import StorageKey

from bot.app import App
from bot.offline.fakeapi import FakeTelegramSession
from bot.offline.simuser import plain
from bot.telegram.isolation import ChatIsolation
from storage.db import Database
from tests.conftest import ADMIN_ID, UserFactory, onboard
from tests.test_tracker import (
    FACT_KEY,
    news_to,
    person,
    staff,
    subscribe,
    update_to_stage_3,
)

PROGRAMME_KEY = "departure.programme"


def confirmations(session: FakeTelegramSession, user_id: int, start: str) -> int:
    """How many sent or edited texts the staff member was shown that begin with `start`."""
    return sum(
        1
        for call in session.calls
        if getattr(call, "chat_id", None) == user_id
        and plain(getattr(call, "text", "") or "").startswith(start)
    )


async def test_double_confirm_of_the_programme_writes_one_version(
    make_user: UserFactory, app: App, db: Database, session: FakeTelegramSession
) -> None:
    admin = make_user(language_code="en", user_id=ADMIN_ID)
    await onboard(admin, "en")
    await admin.send("/programme")
    await admin.send("01.11.2026")
    await admin.send("31.12.2026")
    for _ in range(5):  # keep the cut-off, the three notes and the source
        await admin.press("↩️")
    preview_id = admin.last_message.message_id
    await asyncio.gather(
        admin.press_data("staff:prog_confirm", message_id=preview_id),
        admin.press_data("staff:prog_confirm", message_id=preview_id),
    )
    assert len(await app.content.history(PROGRAMME_KEY)) == 2  # the seed and one edit
    assert confirmations(session, ADMIN_ID, "✅ Published.") == 1


async def test_double_confirm_of_the_tracker_publishes_once(
    make_user: UserFactory, app: App, session: FakeTelegramSession
) -> None:
    reader = await person(make_user, "ru")
    await subscribe(reader, "ru")
    admin = await staff(make_user, "en")
    await update_to_stage_3(admin, "en", source=None)
    preview_id = admin.last_message.message_id
    await asyncio.gather(
        admin.press_data("staff:tracker_confirm", message_id=preview_id),
        admin.press_data("staff:tracker_confirm", message_id=preview_id),
    )
    assert len(await app.content.history(FACT_KEY)) == 2
    assert confirmations(session, ADMIN_ID, "✅ Saved.") == 1
    await app.reminders.run_due()
    assert len(news_to(session, reader.user_id)) == 1


def key(chat: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=chat, user_id=chat)


async def test_isolation_serialises_a_chat_and_forgets_it_afterwards() -> None:
    isolation = ChatIsolation()
    order: list[str] = []

    async def handle(chat: int, name: str, fail: bool = False) -> None:
        async with isolation.lock(key(chat)):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")
            if fail:
                raise RuntimeError("handler failed")

    results = await asyncio.gather(
        handle(7, "a", fail=True), handle(7, "b"), handle(8, "c"), return_exceptions=True
    )
    assert isinstance(results[0], RuntimeError)  # a failing update still releases its chat
    # Chat 7's two updates never overlap; chat 8 runs alongside them.
    assert order.index("a out") < order.index("b in")
    assert order.index("c in") < order.index("a out")
    assert isolation.chats_in_flight == 0  # nothing kept for chats with nothing in flight


async def test_the_app_keeps_no_lock_per_user(make_user: UserFactory, app: App) -> None:
    for _ in range(5):
        await onboard(make_user(language_code="en"), "en")
    isolation = app.dispatcher.fsm.events_isolation
    assert isinstance(isolation, ChatIsolation)
    assert isolation.chats_in_flight == 0
