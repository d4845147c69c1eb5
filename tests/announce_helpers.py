"""Shared set-up for the announcement tests (not a test module): users with a language,
audience and zone, drafts, and an engine on the manual clock with `run_due()`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.methods import SendDocument, SendMessage, SendPhoto, SendVideo

from bot.announcements.delivery import AnnouncementEngine
from bot.announcements.model import Audience, ContentKind, Draft, Version
from bot.clock import ManualClock
from bot.offline.fakeapi import FakeTelegramSession
from bot.reminders.rules import QuietHours
from bot.reminders.sender import TelegramSender
from storage.announcements import AnnouncementRepository
from storage.db import Database
from storage.users import Audience as UserAudience
from storage.users import UserRepository

STAFF_ID = 900_000_001
SEND_METHODS = (SendMessage, SendPhoto, SendDocument, SendVideo)


def text_version(locale: str, text: str, entities: tuple[dict[str, Any], ...] = ()) -> Version:
    return Version(locale, ContentKind.TEXT, text, entities)


def draft(
    audience: Audience | None = None,
    *,
    urgent: bool = False,
    scheduled_at: int | None = None,
    locales: tuple[str, ...] = ("kk", "ru", "en"),
    fallback: str = "ru",
) -> Draft:
    return Draft(
        versions={locale: text_version(locale, f"news-{locale}") for locale in locales},
        fallback_locale=fallback,
        audience=audience or Audience(),
        urgent=urgent,
        scheduled_at=scheduled_at,
    )


async def add_user(
    users: UserRepository,
    user_id: int,
    *,
    language: str | None = "ru",
    audience: str | None = "worker",
    time_zone: str | None = None,
    now: int,
) -> None:
    await users.register(user_id, now=now)
    if language is not None:
        await users.set_language(user_id, language)
    if audience is not None:
        await users.set_audience(user_id, UserAudience(audience))
    if time_zone is not None:
        await users.set_time_zone(user_id, time_zone)


def deliveries(session: FakeTelegramSession) -> dict[int, list[str]]:
    """chat id -> texts (or captions) it was sent, in order; failed calls (an injected 429,
    403 or network error) are not deliveries."""
    out: dict[int, list[str]] = {}
    for index, call in enumerate(session.calls):
        if isinstance(call, SEND_METHODS) and index in session.results:
            text = call.text if isinstance(call, SendMessage) else call.caption or ""
            out.setdefault(int(call.chat_id), []).append(text)
    return out


def make_engine(
    db: Database,
    clock: ManualClock,
    *,
    slots: int = 4,
    quiet: QuietHours | None = None,
    on_unreachable: Callable[[int], Any] | None = None,
) -> AnnouncementEngine:
    return AnnouncementEngine(
        AnnouncementRepository(db),
        UserRepository(db),
        clock,
        default_locale="kk",
        quiet_hours=quiet or QuietHours(),
        slots=slots,
        progress_interval=3.0,
        on_unreachable=on_unreachable,
    )


class ClockSleep:
    """`asyncio.sleep` for the manual clock: moves it instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.sleeps: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)  # a sleep yields, so concurrent sends interleave as in real time


def make_sender(bot: Bot, clock: ManualClock, per_second: float = 25.0) -> TelegramSender:
    return TelegramSender(bot, per_second=per_second, clock=clock.now, sleep=ClockSleep(clock))
