"""Shared fixtures: a real SQLite file, the real Dispatcher, and the in-process fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Bot

from bot.app import App, build_bot, build_dispatcher
from bot.clock import ManualClock
from bot.config import Settings
from bot.fakeapi import FAKE_TOKEN, FakeTelegramSession
from bot.simuser import SimulatedUser
from storage.db import Database

START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC).timestamp()
ADMIN_ID = 900_000_001


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "jolserik.sqlite3"


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(db_path)
    yield database
    await database.close()


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(
        bot_token=None,
        database_path=db_path,
        admin_ids=frozenset({ADMIN_ID}),
        default_locale="kk",
    )


@pytest.fixture
def session(clock: ManualClock) -> FakeTelegramSession:
    return FakeTelegramSession(clock=clock.now)


@pytest.fixture
def bot(session: FakeTelegramSession) -> Bot:
    return build_bot(FAKE_TOKEN, session=session)


@pytest.fixture
def app(settings: Settings, db: Database, clock: ManualClock) -> App:
    return build_dispatcher(settings, db, clock=clock)


UserFactory = Callable[..., SimulatedUser]


@pytest.fixture
def make_user(app: App, bot: Bot, session: FakeTelegramSession) -> UserFactory:
    counter = iter(range(100_000_001, 200_000_000))

    def factory(language_code: str | None = "ru", user_id: int | None = None) -> SimulatedUser:
        return SimulatedUser(
            app.dispatcher,
            bot,
            session,
            user_id=user_id if user_id is not None else next(counter),
            language_code=language_code,
        )

    return factory


async def onboard(user: SimulatedUser, language: str, audience: str = "work") -> None:
    """Walk through /start, the language choice and the audience choice."""
    names = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
    await user.send("/start")
    await user.press(names[language])
    labels = {
        "work": {"kk": "Кореяда жұмыс", "ru": "Я работаю", "en": "I work"},
        "family": {"kk": "Туысым", "ru": "родственник", "en": "relative"},
        "other": {"kk": "Басқа", "ru": "Другое", "en": "Someone else"},
    }
    await user.press(labels[audience][language])
