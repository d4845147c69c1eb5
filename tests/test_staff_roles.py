"""Issue 13, staff roles: admins (ADMIN_IDS) add and remove staff in the bot with /staff, every
change is in an audit log, and a removed staff member is a regular user at their next update.

The kk and ru texts are the translations handed over with this feature
(/tmp/roles_translations.json); those cases pass once they are in the catalogs."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import DeleteMyCommands, SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.app import App
from bot.offline.fakeapi import FakeTelegramSession
from bot.offline.simuser import SimulatedUser
from handlers.staff import STAFF_ACTIONS, STAFF_COMMANDS
from storage.users import Role, RoleAction
from tests.conftest import ADMIN_ID, UserFactory, onboard

LOCALES = ["kk", "ru", "en"]

TITLE = {
    "kk": "👥 Қызметкерлер мен әкімшілер",
    "ru": "👥 Сотрудники и администраторы",
    "en": "👥 Staff and admins",
}
ADD = {"kk": "➕ Қызметкер қосу", "ru": "➕ Добавить сотрудника", "en": "➕ Add staff"}
ASK_PERSON = {
    "kk": "Сол адамның кез келген хабарламасын маған жіберіңіз (forward)",
    "ru": "Перешлите мне любое сообщение этого человека",
    "en": "Forward me any message from the person",
}
CONFIRM_ADD = {
    "kk": "✅ Иә, қызметкер болсын",
    "ru": "✅ Да, сделать сотрудником",
    "en": "✅ Yes, make staff",
}
ADDED = {
    "kk": "✅ {id} енді қызметкер.",
    "ru": "✅ {id} теперь сотрудник.",
    "en": "✅ {id} is a staff member now.",
}
REMOVE = {"kk": "➖ Шығару: {id}", "ru": "➖ Исключить {id}", "en": "➖ Remove {id}"}
CONFIRM_REMOVE = {"kk": "✅ Иә, шығару", "ru": "✅ Да, исключить", "en": "✅ Yes, remove"}
REMOVED = {
    "kk": "✅ {id} енді қызметкер емес.",
    "ru": "✅ {id} больше не сотрудник.",
    "en": "✅ {id} is no longer a staff member.",
}
UNKNOWN = {
    "kk": "{id} нөмірлі ешкім бұл ботты әлі іске қоспаған.",
    "ru": "Никто с id {id} ещё не запускал этого бота.",
    "en": "Nobody with the id {id} has started this bot yet.",
}
HIDDEN = {
    "kk": "Бұл адамның құпиялық баптаулары",
    "ru": "Настройки конфиденциальности этого человека",
    "en": "This person's privacy settings hide who they are",
}
NOT_AN_ID = {
    "kk": "Бұл Telegram id емес.",
    "ru": "Это не Telegram id.",
    "en": "That is not a Telegram id.",
}
ONLY_ADMINS = {
    "kk": "Қызметкерлерді тек әкімшілер басқарады.",
    "ru": "Управлять сотрудниками могут только администраторы.",
    "en": "Only admins manage staff.",
}
AUDIT = {"kk": "🕘 Өзгерістер журналы", "ru": "🕘 Журнал изменений", "en": "🕘 Audit log"}
MADE_STAFF = {
    "kk": "➕ {id} қызметкер болды · әкімші {by}",
    "ru": "➕ добавлен сотрудник {id} · администратор {by}",
    "en": "➕ {id} made staff · by admin {by}",
}
UNSTAFFED = {
    "kk": "➖ {id} қызметкерлерден шығарылды · әкімші {by}",
    "ru": "➖ снят статус сотрудника: {id} · администратор {by}",
    "en": "➖ {id} removed from staff · by admin {by}",
}
MADE_ADMIN = {
    "kk": "👑 {id} әкімші болды · баптаулар бойынша (ADMIN_IDS)",
    "ru": "👑 назначен администратор {id} · по настройкам (ADMIN_IDS)",
    "en": "👑 {id} made admin · by the settings (ADMIN_IDS)",
}
TIMES = {"kk": "Уақыт: Сеул (UTC+9)", "ru": "Время: Сеул (UTC+9)", "en": "Times: Seoul (UTC+9)"}
ADMIN_NOT_REMOVABLE = {
    "kk": "әкімшілер бот баптауларындағы ADMIN_IDS тізімінен алынады",
    "ru": "администраторы задаются в ADMIN_IDS",
    "en": "admins come from ADMIN_IDS",
}
OUT_OF_DATE = {
    "kk": "Бұл батырма ескірген.",
    "ru": "Эта кнопка устарела.",
    "en": "This button is out of date.",
}
STAFF_REFUSAL = "This command is for staff only."
REFUSAL = {
    "kk": "Бұл пәрмен тек қызметкерлерге арналған.",
    "ru": "Эта команда только для сотрудников.",
    "en": STAFF_REFUSAL,
}
STAFF_SECTION = {"kk": "🛠 Қызметкерлер", "ru": "🛠 Для сотрудников", "en": "🛠 Staff"}


async def admin_and_worker(
    make_user: UserFactory, locale: str
) -> tuple[SimulatedUser, SimulatedUser]:
    admin = make_user(language_code=locale, user_id=ADMIN_ID)
    await onboard(admin, locale)
    worker = make_user(language_code=locale)
    await onboard(worker, locale)
    return admin, worker


async def add_by_id(admin: SimulatedUser, target_id: int, locale: str) -> None:
    await admin.send("/staff")
    await admin.press(ADD[locale])
    await admin.send(str(target_id))
    await admin.press(CONFIRM_ADD[locale])


def chat_commands(session: FakeTelegramSession, chat_id: int) -> list[str] | None:
    """The newest command list set for one chat (None: deleted, or never set)."""
    for call in reversed(session.calls):
        if isinstance(call, SetMyCommands | DeleteMyCommands) and isinstance(
            call.scope, BotCommandScopeChat
        ):
            if call.scope.chat_id != chat_id:
                continue
            return [c.command for c in call.commands] if isinstance(call, SetMyCommands) else None
    return None


# -- adding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_admin_adds_staff_by_a_forwarded_message(
    make_user: UserFactory, app: App, session: FakeTelegramSession, locale: str
) -> None:
    admin, worker = await admin_and_worker(make_user, locale)
    await admin.send("/staff")
    assert admin.last_text.startswith(TITLE[locale])
    await admin.press(ADD[locale])
    assert ASK_PERSON[locale] in admin.last_text
    await admin.send_forwarded("Сәлем!", worker.user_id)
    assert f"{worker.user_id}" in admin.last_text
    assert "2" in admin.last_text.split("\n", 1)[0]  # step 2 of 2
    await admin.press(CONFIRM_ADD[locale])
    assert admin.last_text.startswith(ADDED[locale].format(id=worker.user_id))
    assert f"🛠 {worker.user_id}" in admin.last_text  # listed now
    record = await app.users.get(worker.user_id)
    assert record is not None and record.role is Role.STAFF
    # Their own command list has the staff commands, not /staff; their next message is staff's.
    listed = chat_commands(session, worker.user_id)
    assert listed is not None and "tracker" in listed and "staff" not in listed
    await worker.send("/stats")
    assert worker.last_text != REFUSAL[locale]


@pytest.mark.parametrize("locale", LOCALES)
async def test_admin_adds_staff_by_id(make_user: UserFactory, app: App, locale: str) -> None:
    admin, worker = await admin_and_worker(make_user, locale)
    await add_by_id(admin, worker.user_id, locale)
    assert admin.last_text.startswith(ADDED[locale].format(id=worker.user_id))
    assert REMOVE[locale].format(id=worker.user_id) in admin.buttons
    changes = await app.users.role_changes()
    assert [(c.action, c.actor_id, c.target_id) for c in changes[:1]] == [
        (RoleAction.ADD_STAFF, ADMIN_ID, worker.user_id)
    ]


@pytest.mark.parametrize("locale", LOCALES)
async def test_unknown_id_and_bad_input_keep_the_step(make_user: UserFactory, locale: str) -> None:
    admin, _ = await admin_and_worker(make_user, locale)
    await admin.send("/staff")
    await admin.press(ADD[locale])
    await admin.send("555000111")
    assert admin.last_text.startswith("⚠️ " + UNKNOWN[locale].format(id=555000111))
    assert len(admin.last_text) < 300  # briefly, in place: the question is not sent again
    await admin.send("Aigerim")
    assert admin.last_text.startswith("⚠️ " + NOT_AN_ID[locale])
    await admin.send_sticker()
    assert admin.last_text.startswith("⚠️ " + NOT_AN_ID[locale])
    assert any(label.startswith("✖️") for label in admin.buttons)  # still at the step


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_hidden_forward_asks_for_the_id(make_user: UserFactory, locale: str) -> None:
    admin, worker = await admin_and_worker(make_user, locale)
    await admin.send("/staff")
    await admin.press(ADD[locale])
    await admin.send_forwarded("hello", None)
    assert admin.last_text.startswith("⚠️ " + HIDDEN[locale])
    await admin.send(str(worker.user_id))  # the id then works
    await admin.press(CONFIRM_ADD[locale])
    assert admin.last_text.startswith(ADDED[locale].format(id=worker.user_id))


async def test_admins_and_staff_cannot_be_added_twice(make_user: UserFactory, app: App) -> None:
    admin, worker = await admin_and_worker(make_user, "en")
    await admin.send("/staff")
    await admin.press(ADD["en"])
    await admin.send(str(ADMIN_ID))
    assert "is an admin already (from ADMIN_IDS)" in admin.last_text
    await app.users.add_staff(worker.user_id, by=ADMIN_ID, now=0)
    await admin.send_forwarded("hi", worker.user_id)
    assert f"{worker.user_id} is a staff member already." in admin.last_text


async def test_a_double_confirm_adds_once(make_user: UserFactory, app: App) -> None:
    admin, worker = await admin_and_worker(make_user, "en")
    await admin.send("/staff")
    await admin.press(ADD["en"])
    await admin.send(str(worker.user_id))
    message_id = admin.last_message.message_id
    await admin.press_data("staff:roles_confirm", message_id=message_id)
    await admin.press_data("staff:roles_confirm", message_id=message_id)
    assert admin.popups == [OUT_OF_DATE["en"]]
    added = [c for c in await app.users.role_changes() if c.action is RoleAction.ADD_STAFF]
    assert len(added) == 1


async def test_typing_at_the_confirmation_says_use_the_buttons(make_user: UserFactory) -> None:
    admin, worker = await admin_and_worker(make_user, "en")
    await admin.send("/staff")
    await admin.press(ADD["en"])
    await admin.send(str(worker.user_id))
    await admin.send("yes")
    assert admin.last_text.startswith("⚠️ Please use the buttons below.")
    await admin.press("⬅️ Back")
    assert ASK_PERSON["en"] in admin.last_text
    await admin.press("✖️ Cancel")
    assert admin.last_text.startswith("✖️ Cancelled: nothing was changed.")


# -- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_staff_who_are_not_admins_are_refused(
    make_user: UserFactory, app: App, locale: str
) -> None:
    _, worker = await admin_and_worker(make_user, locale)
    await app.users.add_staff(worker.user_id, by=ADMIN_ID, now=0)
    await worker.send("/staff")
    assert worker.last_text.startswith(ONLY_ADMINS[locale])
    assert len(worker.buttons) == 2  # back to the staff section, and to the menu
    for action in ("roles_panel", "roles_add", "roles_audit", f"roles_ask.{worker.user_id}"):
        await worker.press_data(f"staff:{action}", message_id=worker.last_message.message_id)
        assert worker.popups and worker.popups[0].startswith(ONLY_ADMINS[locale])
    await worker.send("/menu")
    await worker.press(STAFF_SECTION[locale])
    assert TITLE[locale] not in worker.buttons  # the button is for admins only
    assert [c for c in await app.users.role_changes() if c.action is RoleAction.ADD_STAFF]


async def test_a_removed_staff_member_is_refused_every_staff_command_and_button(
    make_user: UserFactory, app: App
) -> None:
    admin, worker = await admin_and_worker(make_user, "en")
    await add_by_id(admin, worker.user_id, "en")
    await worker.send("/stats")
    assert not worker.last_text.startswith(STAFF_REFUSAL)  # staff for now
    await admin.send("/staff")
    await admin.press(REMOVE["en"].format(id=worker.user_id))
    await admin.press(CONFIRM_REMOVE["en"])
    for command in STAFF_COMMANDS:
        await worker.send(f"/{command}")
        assert worker.last_text == STAFF_REFUSAL, command
        assert worker.buttons == ["⬅️ Main menu"], command
    for action in STAFF_ACTIONS:
        await worker.press_data(f"staff:{action}", message_id=worker.last_message.message_id)
        assert worker.popups == [STAFF_REFUSAL], action
    await worker.send("/menu")
    assert "🛠 Staff" not in worker.buttons


# -- removing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_admin_removes_staff(
    make_user: UserFactory, app: App, session: FakeTelegramSession, locale: str
) -> None:
    admin, worker = await admin_and_worker(make_user, locale)
    await add_by_id(admin, worker.user_id, locale)
    await admin.press(REMOVE[locale].format(id=worker.user_id))
    assert str(worker.user_id) in admin.last_text
    await admin.press(CONFIRM_REMOVE[locale])
    assert admin.last_text.startswith(REMOVED[locale].format(id=worker.user_id))
    assert f"🛠 {worker.user_id}" not in admin.last_text
    record = await app.users.get(worker.user_id)
    assert record is not None and record.role is Role.USER
    listed = chat_commands(session, worker.user_id)
    assert listed is not None and "tracker" not in listed and "menu" in listed
    await worker.send("/stats")
    assert worker.last_text == REFUSAL[locale]


async def test_removal_cancelled_and_double_pressed(make_user: UserFactory, app: App) -> None:
    admin, worker = await admin_and_worker(make_user, "en")
    await add_by_id(admin, worker.user_id, "en")
    await admin.press(REMOVE["en"].format(id=worker.user_id))
    await admin.press("✖️ Cancel")
    assert admin.last_text.startswith("✖️ Cancelled: nothing was changed.")
    assert (await app.users.get(worker.user_id)).role is Role.STAFF  # type: ignore[union-attr]
    await admin.press(REMOVE["en"].format(id=worker.user_id))
    message_id = admin.last_message.message_id
    await admin.press_data("staff:roles_remove", message_id=message_id)
    await admin.press_data("staff:roles_remove", message_id=message_id)
    assert admin.popups == [OUT_OF_DATE["en"]]
    removed = [c for c in await app.users.role_changes() if c.action is RoleAction.REMOVE_STAFF]
    assert len(removed) == 1


@pytest.mark.parametrize("locale", LOCALES)
async def test_admins_cannot_be_removed_in_the_bot(make_user: UserFactory, locale: str) -> None:
    admin, _ = await admin_and_worker(make_user, locale)
    await admin.send("/staff")
    assert not any(str(ADMIN_ID) in label for label in admin.buttons)  # no Remove for admins
    await admin.press_data(f"staff:roles_ask.{ADMIN_ID}", message_id=admin.last_message.message_id)
    assert ADMIN_NOT_REMOVABLE[locale] in admin.last_text


async def test_a_removed_staff_member_leaves_a_staff_dialogue(
    make_user: UserFactory, app: App, bot
) -> None:
    admin, worker = await admin_and_worker(make_user, "en")
    await add_by_id(admin, worker.user_id, "en")
    await worker.send("/tracker")
    await worker.press("✏️ Update the stage and note")
    key = StorageKey(bot_id=bot.id, chat_id=worker.user_id, user_id=worker.user_id)
    assert (await app.dispatcher.fsm.storage.get_state(key) or "").startswith("TrackerEdit:")
    await admin.send("/staff")
    await admin.press(REMOVE["en"].format(id=worker.user_id))
    await admin.press(CONFIRM_REMOVE["en"])
    assert await app.dispatcher.fsm.storage.get_state(key) is None
    await worker.send("/help")
    assert "Continue" not in " ".join(worker.buttons)


# -- the list and the audit log ------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_list_shows_admins_and_staff(
    make_user: UserFactory, app: App, locale: str
) -> None:
    admin, worker = await admin_and_worker(make_user, locale)
    await app.users.add_staff(worker.user_id, by=ADMIN_ID, now=0)
    await admin.send("/menu")
    await admin.press(STAFF_SECTION[locale])
    await admin.press(TITLE[locale])
    text = admin.last_text
    assert text.startswith(TITLE[locale])
    language = {"kk": "🇰🇿 Қазақша", "ru": "🇷🇺 Русский", "en": "🇬🇧 English"}[locale]
    assert f"👑 {ADMIN_ID} · " in text and f"🛠 {worker.user_id} · " in text
    assert text.count(language) == 2
    assert "ADMIN_IDS" in text
    assert admin.buttons[-2:] == [
        {"kk": "⬅️ Қызметкерлер бөлімі", "ru": "⬅️ Раздел сотрудников", "en": "⬅️ Staff"}[locale],
        {"kk": "⬅️ Басты мәзір", "ru": "⬅️ Главное меню", "en": "⬅️ Main menu"}[locale],
    ]


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_audit_log_says_who_did_what_when(
    make_user: UserFactory, app: App, locale: str
) -> None:
    admin, worker = await admin_and_worker(make_user, locale)
    await add_by_id(admin, worker.user_id, locale)
    await admin.press(REMOVE[locale].format(id=worker.user_id))
    await admin.press(CONFIRM_REMOVE[locale])
    await admin.press(AUDIT[locale])
    text = admin.last_text
    assert text.startswith(AUDIT[locale])
    assert TIMES[locale] in text  # the admin works in Korea: Seoul time, named
    made = MADE_STAFF[locale].format(id=worker.user_id, by=ADMIN_ID)
    unmade = UNSTAFFED[locale].format(id=worker.user_id, by=ADMIN_ID)
    # Newest first; the admin's own first message made them an admin, by the configuration.
    assert (
        text.index(unmade) < text.index(made) < text.index(MADE_ADMIN[locale].format(id=ADMIN_ID))
    )
    assert "19:00 · " in text  # 10:00 UTC is 19:00 in Seoul
    await admin.press("⬅️")
    assert admin.last_text.startswith(TITLE[locale])


async def test_a_long_audit_log_fits_a_phone(make_user: UserFactory, app: App) -> None:
    admin, worker = await admin_and_worker(make_user, "en")
    for day in range(30):  # one change a day: a day heading per entry, the longest case
        now = 1_790_000_000 + day * 86_400
        await app.users.add_staff(worker.user_id, by=ADMIN_ID, now=now)
        await app.users.remove_staff(worker.user_id, by=ADMIN_ID, now=now + 3600)
    await admin.send("/staff")
    await admin.press(AUDIT["en"])
    assert len(admin.last_text) <= 1200
    assert admin.last_text.count(" · by admin ") >= 10


# -- ADMIN_IDS ---------------------------------------------------------------------------------


async def test_admin_ids_sync_is_audited(make_user: UserFactory, app: App, bot) -> None:
    worker = make_user(language_code="en")
    await onboard(worker, "en")
    former = make_user(language_code="en")
    await onboard(former, "en")
    await app.users.set_role(former.user_id, Role.ADMIN)  # an admin no longer in ADMIN_IDS
    await app.users.sync_admins(frozenset({worker.user_id}), now=1_790_000_000)
    changes = {(c.action, c.target_id, c.actor_id) for c in await app.users.role_changes()}
    assert (RoleAction.ADD_ADMIN, worker.user_id, None) in changes
    assert (RoleAction.REMOVE_ADMIN, former.user_id, None) in changes
    assert (await app.users.get(former.user_id)).role is Role.USER  # type: ignore[union-attr]
    before = len(await app.users.role_changes())
    await app.users.sync_admins(frozenset({worker.user_id}), now=1_790_000_001)
    assert len(await app.users.role_changes()) == before  # nothing changed, nothing logged
    # The start-up runs the same sync with the real settings: the worker is no admin there.
    await app.dispatcher.emit_startup(bot=bot, **app.dispatcher.workflow_data)
    assert (await app.users.get(worker.user_id)).role is Role.USER  # type: ignore[union-attr]
    latest = (await app.users.role_changes())[0]
    assert (latest.action, latest.target_id, latest.actor_id) == (
        RoleAction.REMOVE_ADMIN,
        worker.user_id,
        None,
    )


async def test_admin_commands_list_staff_for_admins_only(
    make_user: UserFactory, app: App, bot, session: FakeTelegramSession
) -> None:
    _, worker = await admin_and_worker(make_user, "en")
    await app.users.add_staff(worker.user_id, by=ADMIN_ID, now=0)
    await app.dispatcher.emit_startup(bot=bot, **app.dispatcher.workflow_data)
    admin_list = chat_commands(session, ADMIN_ID)
    staff_list = chat_commands(session, worker.user_id)
    assert admin_list is not None and "staff" in admin_list and "tracker" in admin_list
    assert staff_list is not None and "staff" not in staff_list and "tracker" in staff_list


async def test_help_keeps_the_dialogue_and_continue_leads_back(make_user: UserFactory) -> None:
    admin, worker = await admin_and_worker(make_user, "en")
    await admin.send("/staff")
    await admin.press(ADD["en"])
    await admin.send(str(worker.user_id))
    await admin.send("/help")
    await admin.press("↩️ Continue: Adding staff")
    assert str(worker.user_id) in admin.last_text and CONFIRM_ADD["en"] in admin.buttons
    await admin.send("/eps")  # another section: the dialogue is left, and that is said
    assert "«Adding staff» was left unfinished" in admin.last_text
