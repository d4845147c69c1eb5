"""Issue 6: data rights, flood control, staff-only actions, odd updates."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage, SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.app import build_dispatcher
from bot.offline.simuser import SimulatedUser
from bot.telegram.commands import ADMIN_COMMANDS as ADMIN_COMMAND_LIST
from bot.telegram.commands import STAFF_COMMANDS as STAFF_COMMAND_LIST
from handlers.staff import STAFF_ACTIONS, STAFF_COMMANDS
from storage.db import Database
from tests.conftest import ADMIN_ID, UserFactory, onboard

PRIVACY = {"kk": "Құпиялық", "ru": "Конфиденциальность", "en": "Privacy"}
NEW = {"kk": "Жаңа еске салу", "ru": "Новое напоминание", "en": "New reminder"}


async def tables_mentioning(db: Database, user_id: int) -> dict[str, int]:
    """Every table with a user column, and how many rows still point at `user_id`."""
    found: dict[str, int] = {}
    for table in await db.table_names():
        columns = {row[1] for row in await db.fetch_all(f"PRAGMA table_info({table})")}
        column = "user_id" if "user_id" in columns else "id" if table == "users" else None
        if column:
            found[table] = int(
                await db.fetch_value(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (user_id,))
            )
    return found


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_deletemydata_leaves_nothing(make_user: UserFactory, app, db, locale: str) -> None:
    user = make_user()
    await onboard(user, locale)
    await user.send("/reminders")
    await user.press(
        {"kk": "Жаңа еске салу", "ru": "Новое напоминание", "en": "New reminder"}[locale]
    )
    await user.send("25.12.2026")
    await user.press("09:00")
    await user.send("Flight")
    await user.send("/reminders")
    await user.press(
        {"kk": "Жаңа еске салу", "ru": "Новое напоминание", "en": "New reminder"}[locale]
    )
    await user.send("26.12.2026")  # a dialogue left half-way: FSM state and data are stored
    before = await tables_mentioning(db, user.user_id)
    assert before["users"] == 1 and before["reminders"] == 1 and before["fsm_states"] == 1
    armed = list(app.reminders.store._fire_at)
    assert armed

    await user.send("/deletemydata")
    await user.press({"kk": "Иә", "ru": "Да", "en": "Yes"}[locale])
    assert set((await tables_mentioning(db, user.user_id)).values()) == {0}
    assert len(app.reminders.store) == 0  # cancelled in the scheduler too


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_privacy_notice_from_menu_command_and_first_start(
    make_user: UserFactory, locale: str
) -> None:
    user = make_user()
    await onboard(user, locale)
    assert "/privacy" in user.last_text  # shown at first start
    await user.press(PRIVACY[locale])
    assert user.last_text.startswith(PRIVACY[locale])
    assert "/deletemydata" in user.last_text
    assert len(user.buttons) == 3  # my data, delete, back
    await user.send("/privacy")
    assert user.last_text.startswith(PRIVACY[locale])


async def test_mydata_counts_reminders(make_user: UserFactory) -> None:
    user = make_user()
    await onboard(user, "en")
    await user.send("/reminders")
    await user.press("New reminder")
    await user.press("Tomorrow")
    await user.press("12:00")
    await user.send("Call the consulate")
    await user.send("/mydata")
    assert "Upcoming reminders: 1 (texts in /reminders)" in user.last_text


async def test_flood_gets_one_notice_then_silence(settings, db, clock, bot, session) -> None:
    app = build_dispatcher(
        replace(settings, throttle_burst=8, throttle_rate=1.0), db, clock=clock, run_timer=False
    )
    user = SimulatedUser(app.dispatcher, bot, session, user_id=4242, language_code="en")
    replies = []
    for _ in range(20):
        replies.append(len([c for c in await user.send("spam") if isinstance(c, SendMessage)]))
    assert replies[:8] == [1] * 8  # the burst allowance is served
    assert replies[8] == 1 and user.last_text.startswith("You are sending messages very fast")
    assert replies[9:] == [0] * 11  # the rest of the flood is dropped
    clock.advance(5)
    await user.send("hello again")  # served again: a new user is asked for the language
    assert user.last_text.startswith("Please choose a language with the buttons below.")


async def test_flood_of_button_presses(settings, db, clock, bot, session) -> None:
    app = build_dispatcher(
        replace(settings, throttle_burst=3, throttle_rate=0.5), db, clock=clock, run_timer=False
    )
    user = SimulatedUser(app.dispatcher, bot, session, user_id=4243, language_code="en")
    await user.send("/start")
    message_id = user.last_message.message_id
    for _ in range(6):
        await user.press_data("lang:en", message_id=message_id)
    popups = [c.text for c in session.calls_of(AnswerCallbackQuery) if c.text]
    assert popups.count("You are sending messages very fast. Please wait a few seconds.") == 1


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_regular_users_are_refused_every_staff_command(
    make_user: UserFactory, command: str
) -> None:
    user = make_user()
    await onboard(user, "ru")
    await user.send(f"/{command}")
    assert user.last_text == "Эта команда только для сотрудников."
    assert user.buttons == ["⬅️ Главное меню"]  # and a way back


@pytest.mark.parametrize("action", STAFF_ACTIONS)
async def test_regular_users_are_refused_every_staff_button(
    make_user: UserFactory, action: str
) -> None:
    user = make_user()
    await onboard(user, "en")
    await user.press_data(f"staff:{action}", message_id=user.last_message.message_id)
    assert user.popups == ["This command is for staff only."]


async def test_staff_see_stats_counts_only(make_user: UserFactory) -> None:
    worker = make_user()
    await onboard(worker, "kk")
    admin = make_user(language_code="en", user_id=ADMIN_ID)
    await onboard(admin, "en")
    await admin.send("/stats")
    text = admin.last_text
    assert text.startswith("Statistics (counts only)")
    assert "Users: 2, of whom blocked the bot: 0" in text
    assert "By language: en 1, kk 1" in text
    assert str(worker.user_id) not in text
    await worker.send("/start")
    await admin.press("Refresh")
    assert admin.last_text.startswith("Statistics (counts only)")
    await admin.press("Refresh")  # nothing changed since: still no error


async def test_demoted_admin_loses_access_at_once(
    make_user: UserFactory, settings, db, clock, bot, session
) -> None:
    admin = make_user(language_code="en", user_id=ADMIN_ID)
    await onboard(admin, "en")
    app = build_dispatcher(
        replace(settings, admin_ids=frozenset()), db, clock=clock, run_timer=False
    )
    again = SimulatedUser(app.dispatcher, bot, session, user_id=ADMIN_ID, language_code="en")
    await again.send("/stats")
    assert again.last_text == "This command is for staff only."


async def test_edited_messages_and_voice_are_safe(make_user: UserFactory, session) -> None:
    user = make_user()
    await onboard(user, "en")
    before = len(session.calls)
    await user.feed(
        {
            "update_id": session.next_update_id(),
            "edited_message": {
                "message_id": 1,
                "date": 0,
                "edit_date": 1,
                "text": "/deletemydata",
                "chat": {"id": user.user_id, "type": "private", "first_name": "A"},
                "from": {"id": user.user_id, "is_bot": False, "first_name": "A"},
            },
        }
    )
    assert len(session.calls) == before  # edits are not new requests: ignored
    message = user._new_user_message(
        voice={"file_id": "AwACAgIAAxkBAAEB", "file_unique_id": "AgAD", "duration": 3}
    )
    await user.feed({"update_id": session.next_update_id(), "message": message})
    assert user.last_text.startswith("Sorry, I did not understand that.")


async def test_forged_time_button_is_refused(make_user: UserFactory) -> None:
    user = make_user()
    await onboard(user, "en")
    await user.send("/reminders")
    await user.press("New reminder")
    await user.press("Tomorrow")
    await user.press_data("nrem:time:99.99", message_id=user.last_message.message_id)
    assert user.popups == ["This button is out of date."]
    await user.press("09:00")  # the dialogue is still where it was
    assert "step 3 of 3" in user.last_text


# -- staff find their tools ------------------------------------------------------------------


async def test_staff_commands_are_listed_in_the_staff_chats_only(app, bot, session, make_user):
    admin = make_user(language_code="ru", user_id=ADMIN_ID)
    await onboard(admin, "ru")
    worker = make_user()
    await onboard(worker, "ru")
    session.calls.clear()
    await app.dispatcher.emit_startup(bot=bot, **app.dispatcher.workflow_data)
    by_chat = {
        call.scope.chat_id: [c.command for c in call.commands]
        for call in session.calls_of(SetMyCommands)
        if isinstance(call.scope, BotCommandScopeChat)
    }
    assert set(by_chat) == {ADMIN_ID}  # only staff chats get their own list
    assert {"stats", "tracker", "programme"} <= set(by_chat[ADMIN_ID])
    default = next(c for c in session.calls_of(SetMyCommands) if c.language_code == "ru")
    assert "tracker" not in [c.command for c in default.commands]
    listed = STAFF_COMMAND_LIST + ADMIN_COMMAND_LIST
    assert sorted(name for name, _ in listed) == sorted(STAFF_COMMANDS)
    assert "staff" in by_chat[ADMIN_ID]  # the admin's own list has /staff


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_staff_see_a_staff_section_and_staff_lines_in_help(
    make_user: UserFactory, locale: str
) -> None:
    label = {"kk": "🛠 Қызметкерлер", "ru": "🛠 Для сотрудников", "en": "🛠 Staff"}[locale]
    worker = make_user(language_code=locale)
    await onboard(worker, locale)
    await worker.send("/menu")
    assert label not in worker.buttons
    await worker.send("/help")
    assert "/tracker" not in worker.last_text
    admin = make_user(language_code=locale, user_id=ADMIN_ID)
    await onboard(admin, locale)
    await admin.send("/help")
    assert "/tracker" in admin.last_text and "/programme" in admin.last_text
    await admin.send("/menu")
    await admin.press(label)
    # announcements, statistics, the three editors, FAQ entries, re-check, staff and admins
    # (admins only), back to the menu
    assert len(admin.buttons) == 9
    await admin.press({"kk": "Қосылу трекері", "ru": "Трекер", "en": "Accession tracker"}[locale])
    assert admin.last_text.startswith(
        {"kk": "Қосылу трекері", "ru": "Трекер присоединения", "en": "Accession tracker"}[locale]
    )
