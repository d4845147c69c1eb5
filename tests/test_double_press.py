"""A double press of a staff editor's confirm button publishes once.

Telegram delivers both presses as separate updates, and aiogram would handle them at the same
time; the Dispatcher's event isolation (one update per chat at a time) makes the second press see
the dialogue already finished. One test per staff editor: one new history version, one
confirmation to the staff member, and (for the tracker) one news message per subscriber.
"""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.offline.fakeapi import FakeTelegramSession
from bot.offline.simuser import plain
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
