"""Main menu, help, language switching and the privacy screens, as the user sees them."""

from __future__ import annotations

import pytest
from aiogram.methods import SendMessage

from storage.users import Audience
from tests.conftest import UserFactory, onboard

MENU_TITLE = {"kk": "Басты мәзір", "ru": "Главное меню", "en": "Main menu"}


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_menu_command_and_back_button(make_user: UserFactory, locale: str) -> None:
    user = make_user()
    await onboard(user, locale)
    await user.send("/menu")
    assert user.last_text.startswith(MENU_TITLE[locale])
    menu_message = user.last_message.message_id
    await user.press({"kk": "Анықтама", "ru": "Помощь", "en": "Help"}[locale])
    # The same message now shows help, with a way back.
    assert user.last_message.message_id == menu_message
    assert user.buttons == [
        {"kk": "⬅️ Басты мәзір", "ru": "⬅️ Главное меню", "en": "⬅️ Main menu"}[locale]
    ]
    await user.press("⬅️")
    assert user.last_text.startswith(MENU_TITLE[locale])
    assert user.last_message.message_id == menu_message


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        # Each section with its command; the commands no section stands for, described.
        ("kk", ["Мен не істей аламын", "Менің деректерім", "тілдерінің бірін таңдау. /language"]),
        ("ru", ["Что я умею", "Мои данные", "английский. /language", "/cancel: "]),
        ("en", ["What I can do", "My data", "Russian and English. /language", "/cancel: "]),
    ],
)
async def test_help_explains_each_section(
    make_user: UserFactory, locale: str, expected: list[str]
) -> None:
    user = make_user()
    await onboard(user, locale)
    await user.send("/help")
    for fragment in expected:
        assert fragment in user.last_text


async def test_language_can_be_changed_any_time(make_user: UserFactory, app) -> None:
    user = make_user(language_code="ru")
    await onboard(user, "ru")
    await user.send("/language")
    assert user.last_text == "Тілді таңдаңыз · Выберите язык · Choose your language"
    await user.press("English")
    assert user.last_text.startswith("Done! I will speak English from now on.")
    assert user.buttons == [
        "🇰🇷 Legal work (EPS)",
        "🛫 Leaving Korea",
        "❓ Questions",
        "⏰ Reminders",
        "📢 Announcements",
        "☎️ Contacts",
        "🔒 My data",
        "🛡 Privacy",
        "🌐 Language",
        "ℹ️ Help",
    ]
    await user.send("/help")
    assert "What I can do" in user.last_text
    assert (await app.users.get(user.user_id)).language == "en"


async def test_language_section_from_the_menu_has_a_way_back(make_user: UserFactory) -> None:
    user = make_user(language_code="kk")
    await onboard(user, "kk")
    await user.send("/menu")
    await user.press("🌐 Тіл")
    assert user.buttons[-1] == "⬅️ Басты мәзір"
    await user.press("⬅️ Басты мәзір")
    assert user.last_text.startswith("Басты мәзір")


@pytest.mark.parametrize(
    ("locale", "lines"),
    [
        (
            "kk",
            [
                "Тіл: 🇰🇿 Қазақша",
                "Сіз кімсіз: 👷 Кореяда жұмыс істеймін",
                "Сеул (UTC+9)",
                "2026 ж. 21 қараша",
            ],
        ),
        (
            "ru",
            ["Язык: 🇷🇺 Русский", "Кто вы: 👷 Я работаю в Корее", "Сеул (UTC+9)", "21 ноября 2026"],
        ),
        (
            "en",
            [
                "Language: 🇬🇧 English",
                "Who you are: 👷 I work in Korea",
                "Seoul (UTC+9)",
                "21 November 2026",
            ],
        ),
    ],
)
async def test_my_data_shows_everything_stored(
    make_user: UserFactory, locale: str, lines: list[str]
) -> None:
    user = make_user()
    await onboard(user, locale)
    await user.send("/mydata")
    text = user.last_text.replace("\u202f", " ").replace("\xa0", " ")
    for line in lines:
        assert line in text


async def test_family_members_default_to_kazakhstan_time(make_user: UserFactory) -> None:
    user = make_user()
    await onboard(user, "en", audience="family")
    await user.send("/mydata")
    assert "Almaty (UTC+5)" in user.last_text


async def test_changing_who_i_am(make_user: UserFactory, app) -> None:
    user = make_user()
    await onboard(user, "ru")
    await user.send("/mydata")
    await user.press("Изменить ответ")
    assert user.last_text == "Кто вы?"
    await user.press("родственник")
    assert user.last_text.startswith("Сохранено.")
    assert "Алматы (UTC+5)" in user.last_text
    assert (await app.users.get(user.user_id)).audience is Audience.FAMILY


async def test_keep_data_deletes_nothing(make_user: UserFactory, app) -> None:
    user = make_user()
    await onboard(user, "en")
    await user.send("/mydata")
    await user.press("Delete my data")
    assert user.last_text.startswith("Delete all your data?")
    assert user.buttons == ["Yes, delete everything", "No, keep it"]
    await user.press("No, keep it")
    assert user.last_text.startswith("Nothing was deleted.")
    assert await app.users.get(user.user_id) is not None


@pytest.mark.parametrize(
    ("locale", "done"),
    [
        ("kk", "Дайын. Сіз туралы"),
        ("ru", "Готово. Всё, что я хранил"),
        ("en", "Done. Everything I stored"),
    ],
)
async def test_delete_my_data(make_user: UserFactory, app, db, locale: str, done: str) -> None:
    user = make_user()
    await onboard(user, locale)
    await user.send("/mydata")
    await user.press(
        {"kk": "Деректерімді өшіру", "ru": "Удалить мои данные", "en": "Delete my data"}[locale]
    )
    await user.press({"kk": "Иә", "ru": "Да", "en": "Yes"}[locale])
    assert user.last_text.startswith(done)
    assert await app.users.get(user.user_id) is None
    assert (
        await db.fetch_value("SELECT COUNT(*) FROM fsm_states WHERE user_id = ?", (user.user_id,))
        == 0
    )


@pytest.mark.parametrize(
    ("locale", "sorry"),
    [
        ("kk", "Кешіріңіз, түсінбедім."),
        ("ru", "Извините, я не понял."),
        ("en", "Sorry, I did not understand that."),
    ],
)
async def test_anything_unexpected_gets_a_way_back(
    make_user: UserFactory, locale: str, sorry: str
) -> None:
    user = make_user()
    await onboard(user, locale)
    for act in (
        user.send_photo(),
        user.send_sticker(),
        user.send("/nosuchcommand"),
    ):
        await act
        assert user.last_text.startswith(sorry)
        assert len(user.buttons) == 10  # the main menu
    # Words are a question: the FAQ's answer, or a way to a person and back to the menu.
    await user.send("what is this")
    assert user.buttons[-1] == {"kk": "⬅️ Басты мәзір", "ru": "⬅️ Главное меню"}.get(
        locale, "⬅️ Main menu"
    )


async def test_out_of_date_button(make_user: UserFactory) -> None:
    user = make_user()
    await onboard(user, "en")
    await user.press_data("gone:away", message_id=user.last_message.message_id)
    assert user.popups == ["This button is out of date."]
    assert user.last_text.startswith("Main menu")


async def test_group_chats_get_silence(make_user: UserFactory, session) -> None:
    user = make_user()
    before = len(session.calls)
    await user.feed(
        {
            "update_id": session.next_update_id(),
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "/start",
                "chat": {"id": -100200300, "type": "supergroup", "title": "Staff"},
                "from": {"id": user.user_id, "is_bot": False, "first_name": "A"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
    )
    assert not [c for c in session.calls[before:] if isinstance(c, SendMessage)]
