"""Reminder kinds: features register how their reminders look; the engine renders them at send
time in the recipient's language, with buttons, and keeps unlisted kinds out of /reminders."""

from __future__ import annotations

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.app import App
from bot.offline.fakeapi import FakeTelegramSession
from bot.reminders.engine import ReminderKind, Rendered
from storage.reminders import NewReminder, Reminder, ReminderStatus
from storage.users import UserRecord
from tests.conftest import START, UserFactory, onboard


def _render_news(reminder: Reminder, user: UserRecord) -> Rendered:
    # Any catalog string shows the locale the engine chose: "Main menu" exists in all three.
    button = InlineKeyboardButton(text=_("⬅️ Main menu"), callback_data="menu:root")
    return Rendered(
        f"news {reminder.payload['n']}", InlineKeyboardMarkup(inline_keyboard=[[button]])
    )


NEWS = ReminderKind("test.news", _render_news, lambda r: f"news {r.payload['n']}", listed=False)


def _due_now(user_id: int, kind: str, n: int = 1) -> NewReminder:
    return NewReminder(
        user_id=user_id,
        kind=kind,
        payload={"n": n},
        due_at=int(START),
        fire_at=int(START),
        urgent=True,
    )


async def test_a_registered_kind_is_sent_with_its_buttons_in_the_users_language(
    app: App, make_user: UserFactory, session: FakeTelegramSession
) -> None:
    app.reminders.register_kind(NEWS)
    user = make_user()
    await onboard(user, "kk")
    await app.reminders.schedule(_due_now(user.user_id, "test.news", 7))
    assert await app.reminders.run_due() == 1
    (call,) = [c for c in session.calls_of(SendMessage) if c.text == "news 7"]
    assert call.reply_markup.inline_keyboard[0][0].text == "⬅️ Басты мәзір"


async def test_unlisted_kinds_stay_out_of_the_users_list_and_limit(
    app: App, make_user: UserFactory
) -> None:
    app.reminders.register_kind(NEWS)
    user = make_user()
    await onboard(user, "en")
    await app.reminders.schedule(
        NewReminder(
            user_id=user.user_id,
            kind="test.news",
            payload={"n": 1},
            due_at=int(START) + 86_400,
            fire_at=int(START) + 86_400,
            urgent=False,
        )
    )
    await user.send("/reminders")
    assert "You have no upcoming reminders" in user.last_text
    assert "news" not in user.last_text
    repo = app.reminders.repo
    assert await repo.count_pending_for_user(user.user_id) == 1
    assert await repo.count_pending_for_user(user.user_id, kinds=app.reminders.listed_kinds) == 0


async def test_an_unknown_kind_fails_instead_of_sending_garbage(
    app: App, make_user: UserFactory, session: FakeTelegramSession
) -> None:
    user = make_user()
    await onboard(user, "ru")
    before = len(session.calls_of(SendMessage))
    reminder = await app.reminders.schedule(_due_now(user.user_id, "from.a.newer.version"))
    await app.reminders.run_due()
    assert len(session.calls_of(SendMessage)) == before
    stored = await app.reminders.repo.get(reminder.id)
    assert stored is not None and stored.status is ReminderStatus.FAILED
