"""First contact, end to end: greeting, language, who the user is, main menu; in every language."""

from __future__ import annotations

import pytest
from aiogram.methods import SetMyCommands

from bot.app import build_dispatcher
from bot.offline.simuser import SimulatedUser
from storage.db import Database
from storage.users import Audience, UserRepository
from tests.conftest import UserFactory, onboard

GREETING = {
    "kk": "Сәлеметсіз бе! Мен — Жолсерік",
    "ru": "Здравствуйте! Я — Жолсерік",
    "en": "Hello! I am Jolserik",
}
AUDIENCE_QUESTION = {"kk": "сіз кімсіз?", "ru": "кто вы?", "en": "Who are you?"}
ALL_SET = {"kk": "Бәрі дайын!", "ru": "Всё готово!", "en": "All set!"}
LABELS = {
    "kk": {
        "eps": "🇰🇷 Заңды жұмыс (EPS)",
        "departure": "🛫 Кореядан кету",
        "questions": "❓ Сұрақтар",
        "family": "👪 Отбасыларға",
        "reminders": "⏰ Еске салулар",
        "announcements": "📢 Хабарландырулар",
        "contacts": "☎️ Байланыстар",
        "mydata": "🔒 Менің деректерім",
        "privacy": "🛡 Құпиялық",
        "language": "🌐 Тіл",
        "help": "ℹ️ Анықтама",
    },
    "ru": {
        "eps": "🇰🇷 Легальная работа (EPS)",
        "departure": "🛫 Выезд из Кореи",
        "questions": "❓ Вопросы",
        "family": "👪 Для семей",
        "reminders": "⏰ Напоминания",
        "announcements": "📢 Объявления",
        "contacts": "☎️ Контакты",
        "mydata": "🔒 Мои данные",
        "privacy": "🛡 Конфиденциальность",
        "language": "🌐 Язык",
        "help": "ℹ️ Помощь",
    },
    "en": {
        "eps": "🇰🇷 Legal work (EPS)",
        "departure": "🛫 Leaving Korea",
        "questions": "❓ Questions",
        "family": "👪 For families",
        "reminders": "⏰ Reminders",
        "announcements": "📢 Announcements",
        "contacts": "☎️ Contacts",
        "mydata": "🔒 My data",
        "privacy": "🛡 Privacy",
        "language": "🌐 Language",
        "help": "ℹ️ Help",
    },
}
_REST = ("reminders", "announcements", "mydata", "privacy", "language", "help")
# "Who are you" orders the menu: what each audience needs first; every section stays reachable.
MENU_ORDER = {
    "work": ("eps", "departure", "questions", "reminders", "announcements", "contacts", *_REST[2:]),
    "family": ("family", "questions", "contacts", "departure", "eps", *_REST),
    "other": ("eps", "questions", "contacts", "departure", *_REST),
}


def menu_buttons(locale: str, audience: str = "work") -> list[str]:
    return [LABELS[locale][key] for key in MENU_ORDER[audience]]


MENU_BUTTONS = {locale: menu_buttons(locale) for locale in ("kk", "ru", "en")}
LANGUAGE_BUTTONS = ["🇰🇿 Қазақша", "🇷🇺 Русский", "🇬🇧 English"]


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_start_greets_in_the_language_telegram_reports(
    make_user: UserFactory, locale: str
) -> None:
    user = make_user(language_code=locale)
    await user.send("/start")
    assert user.last_text.startswith(GREETING[locale])
    assert user.buttons == LANGUAGE_BUTTONS


async def test_unsupported_telegram_language_falls_back_to_default(make_user: UserFactory) -> None:
    user = make_user(language_code="de")
    await user.send("/start")
    assert user.last_text.startswith(GREETING["kk"])  # DEFAULT_LOCALE in the test settings


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
@pytest.mark.parametrize("audience", ["work", "family", "other"])
async def test_full_onboarding(make_user: UserFactory, app, locale: str, audience: str) -> None:
    # The Telegram app says Russian, but the user picks their own language.
    user = make_user(language_code="ru")
    await user.send("/start")
    await user.press(LANGUAGE_BUTTONS[["kk", "ru", "en"].index(locale)])
    assert AUDIENCE_QUESTION[locale] in user.last_text
    assert len(user.buttons) == 3
    await onboard_audience(user, locale, audience)
    assert user.last_text.startswith(ALL_SET[locale])
    assert user.buttons == menu_buttons(locale, audience)
    # The greeting message was edited in place, not repeated.
    assert len(user.bot_messages()) == 1

    record = await app.users.get(user.user_id)
    assert record.language == locale
    assert (
        record.audience
        == {"work": Audience.WORKER, "family": Audience.FAMILY, "other": Audience.OTHER}[audience]
    )


async def onboard_audience(user: SimulatedUser, locale: str, audience: str) -> None:
    labels = {
        "work": {"kk": "Кореяда жұмыс", "ru": "Я работаю", "en": "I work"},
        "family": {"kk": "Туысым", "ru": "родственник", "en": "relative"},
        "other": {"kk": "Басқа", "ru": "Другое", "en": "Someone else"},
    }
    await user.press(labels[audience][locale])


async def test_choosing_a_language_sets_the_chat_command_list(
    make_user: UserFactory, session
) -> None:
    user = make_user(language_code="ru")
    await user.send("/start")
    await user.press("Қазақша")
    chat_commands = [
        c
        for c in session.calls_of(SetMyCommands)
        if c.scope and getattr(c.scope, "chat_id", None) == user.user_id
    ]
    assert chat_commands, "the chat's command list follows the chosen language"
    descriptions = {c.command: c.description for c in chat_commands[-1].commands}
    assert descriptions["menu"] == "Басты мәзір"


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_returning_user_gets_the_menu(make_user: UserFactory, locale: str) -> None:
    user = make_user(language_code="ru")
    await onboard(user, locale)
    await user.send("/start")
    assert user.last_text.startswith(
        {"kk": "Қайта қош келдіңіз!", "ru": "С возвращением!", "en": "Welcome back!"}[locale]
    )
    assert user.buttons == MENU_BUTTONS[locale]


async def test_typing_instead_of_choosing_keeps_the_dialogue_in_place(
    make_user: UserFactory,
) -> None:
    user = make_user(language_code="en")
    await user.send("/start")
    await user.send("Kazakh please")
    assert user.last_text == "Please choose a language with the buttons below."
    assert user.buttons == LANGUAGE_BUTTONS
    await user.press("English")
    await user.send("I am a worker")
    assert user.last_text == "Please choose one of the buttons below, so I know who you are."
    await user.send_sticker()
    assert user.last_text == "Please choose one of the buttons below, so I know who you are."
    await user.press("I work")
    assert user.last_text.startswith("All set!")


async def test_onboarding_survives_a_restart(
    make_user: UserFactory, db: Database, db_path, settings, bot, session, clock
) -> None:
    user = make_user(language_code="ru")
    await user.send("/start")
    await user.press("Русский")
    await db.close()  # the process dies here

    reopened = await Database.open(db_path)
    try:
        app = build_dispatcher(settings, reopened, clock=clock)
        after = SimulatedUser(
            app.dispatcher, bot, session, user_id=user.user_id, language_code="ru"
        )
        await after.send("рабочий")
        # Still in the same step: the bot asks the same question again, in Russian.
        assert "выберите вариант ниже" in after.last_text
        await after.press("Я работаю")
        assert after.last_text.startswith("Всё готово!")
        record = await UserRepository(reopened).get(user.user_id)
        assert record.language == "ru" and record.audience is Audience.WORKER
    finally:
        await reopened.close()


@pytest.mark.parametrize(
    ("language_code", "greeting"),
    [("kk", "Сәлеметсіз бе!"), ("ru", "Здравствуйте!"), ("en", "Hello! I am Jolserik")],
)
async def test_a_first_message_of_any_kind_starts_onboarding(
    make_user: UserFactory, language_code: str, greeting: str
) -> None:
    user = make_user(language_code=language_code)
    await user.send("көмек керек")  # not /start: a person who just writes
    assert user.last_text.startswith(greeting)
    assert len(user.buttons) == 3  # the three languages
    await user.press("English")
    await user.send_sticker()  # half-way through, anything else asks the question again
    assert user.last_text.startswith("Please choose one of the buttons below")
