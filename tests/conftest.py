"""Shared fixtures: a real SQLite file, the real Dispatcher, and the in-process fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Bot

from bot.app import App, build_bot, build_dispatcher
from bot.clock import ManualClock
from bot.config import Settings
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession
from bot.offline.simuser import SimulatedUser
from bot.reminders.sender import TelegramSender
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
        # The manual clock does not move between messages: flood control would see every test
        # conversation as a flood. tests/test_throttling.py checks it with real settings.
        throttle_burst=100_000,
    )


@pytest.fixture
def session(clock: ManualClock) -> FakeTelegramSession:
    return FakeTelegramSession(clock=clock.now)


@pytest.fixture
def bot(session: FakeTelegramSession) -> Bot:
    return build_bot(FAKE_TOKEN, session=session)


class ClockSleep:
    """An `asyncio.sleep` stand-in that moves the manual clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.sleeps: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock.advance(seconds)


@pytest.fixture
def clock_sleep(clock: ManualClock) -> ClockSleep:
    return ClockSleep(clock)


async def start_app(
    settings: Settings, db: Database, clock: ManualClock, bot: Bot, clock_sleep: ClockSleep
) -> App:
    """The real app, with reminders armed but APScheduler's wall clock not running: tests
    deliver with `app.reminders.run_due()` after moving the manual clock."""
    app = build_dispatcher(settings, db, clock=clock, run_timer=False)
    sender = TelegramSender(bot, clock=clock.now, sleep=clock_sleep)
    await app.start(bot, run_timer=False, sender=sender)
    return app


@pytest.fixture
async def app(
    settings: Settings, db: Database, clock: ManualClock, bot: Bot, clock_sleep: ClockSleep
) -> App:
    return await start_app(settings, db, clock, bot, clock_sleep)


Restart = Callable[..., Awaitable[App]]


@pytest.fixture
async def restart(
    app: App,
    db: Database,
    settings: Settings,
    clock: ManualClock,
    bot: Bot,
    clock_sleep: ClockSleep,
) -> AsyncIterator[Restart]:
    """`new_app = await restart(downtime=3600)`: stop the bot, let time pass, start it again
    on the same database file, as a crash or a deploy would."""
    opened: list[Database] = []

    async def do_restart(*, downtime: float = 0, graceful: bool = True) -> App:
        if graceful:
            await app.reminders.shutdown()
        await (opened[-1] if opened else db).close()
        clock.advance(downtime)
        reopened = await Database.open(settings.database_path)
        opened.append(reopened)
        return await start_app(settings, reopened, clock, bot, clock_sleep)

    yield do_restart
    for database in opened:
        await database.close()


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
