"""Announcement delivery (issue 13): who gets it, in which language, when, and what staff can do
while it runs. Real SQLite file, real fake Bot API, the manual clock and `run_due()`."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from datetime import time as clock_time

import pytest
from aiogram import Bot

from bot.announcements.delivery import AnnouncementEngine
from bot.announcements.model import (
    Announcement,
    Audience,
    ContentKind,
    Counts,
    Draft,
    RecipientStatus,
    Status,
    Version,
)
from bot.clock import ManualClock
from bot.eps.tracker import TOPIC
from bot.offline.fakeapi import FakeTelegramSession
from bot.reminders.sender import TelegramSender
from storage.checklists import ChecklistRepository
from storage.db import Database
from storage.subscriptions import SubscriptionRepository
from storage.users import UserRepository
from tests.announce_helpers import (
    STAFF_ID,
    add_user,
    deliveries,
    draft,
    make_engine,
    make_sender,
    text_version,
)

HOUR = 3600


@pytest.fixture
def users(db: Database) -> UserRepository:
    return UserRepository(db)


@pytest.fixture
async def engine(db: Database, clock: ManualClock, bot: Bot) -> AnnouncementEngine:
    engine = make_engine(db, clock)
    await engine.start(make_sender(bot, clock), run_timer=False)
    return engine


def now_of(clock: ManualClock) -> int:
    return int(clock.now())


# -- who gets what --------------------------------------------------------------------------


async def test_each_user_gets_one_message_in_their_language_or_the_fallback(
    engine: AnnouncementEngine, users: UserRepository, session: FakeTelegramSession, clock
) -> None:
    now = now_of(clock)
    await add_user(users, 1, language="kk", now=now)
    await add_user(users, 2, language="ru", now=now)
    await add_user(users, 3, language="en", now=now)  # no English version: the fallback
    await add_user(users, 4, language=None, now=now)  # never chose: the default locale (kk)
    created = await engine.create(draft(locales=("kk", "ru"), fallback="ru"), by=STAFF_ID)
    assert created.status is Status.RUNNING and created.counts.total == 4
    assert created.created_by == STAFF_ID

    assert await engine.run_due() == 4
    assert deliveries(session) == {
        1: ["news-kk"],
        2: ["news-ru"],
        3: ["news-ru"],
        4: ["news-kk"],
    }
    done = await engine.get(created.id)
    assert done is not None and done.status is Status.DONE
    assert done.counts == Counts(total=4, sent=4)
    assert done.finished_at is not None and done.started_at is not None
    assert await engine.run_due() == 0
    assert [a.id for a in await engine.recent_for_user(3)] == [created.id]


async def test_audience_filters(
    engine: AnnouncementEngine, users: UserRepository, db: Database, clock: ManualClock
) -> None:
    now = now_of(clock)
    await add_user(users, 1, language="kk", audience="worker", now=now)
    await add_user(users, 2, language="ru", audience="family", now=now)
    await add_user(users, 3, language="en", audience="other", now=now)
    await add_user(users, 4, language=None, audience="worker", now=now)  # default locale kk
    await SubscriptionRepository(db).subscribe(2, TOPIC, now=now)
    await SubscriptionRepository(db).subscribe(3, "something-else", now=now)
    plans = ChecklistRepository(db)
    today = date(2026, 11, 21)  # START is 19:00 in Seoul on that day
    await plans.set_flight(1, today, None, now=now)
    await plans.set_flight(2, today + timedelta(days=3), clock_time(9, 0), now=now)
    await plans.set_flight(3, today + timedelta(days=4), None, now=now)
    await plans.set_flight(4, today - timedelta(days=1), None, now=now)

    cases = {
        Audience(): {1, 2, 3, 4},
        Audience(languages=("kk",)): {1, 4},
        Audience(languages=("ru", "en")): {2, 3},
        Audience(audiences=("worker",)): {1, 4},
        Audience(audiences=("family", "other")): {2, 3},
        Audience(tracker_subscribers=True): {2},
        Audience(flight_within_days=3): {1, 2},
        Audience(flight_within_days=0): {1},
        Audience(languages=("kk",), audiences=("worker",), flight_within_days=10): {1},
    }
    for audience, expected in cases.items():
        assert await engine.count(audience, urgent=False) == len(expected), audience
        created = await engine.create(draft(audience), by=STAFF_ID)
        assert created.counts.total == len(expected), audience
        await engine.run_due()
        receivers = {
            user_id
            for user_id in (1, 2, 3, 4)
            if await engine.repo.recipient_status(created.id, user_id) is RecipientStatus.SENT
        }
        assert receivers == expected, audience


async def test_flight_window_uses_the_day_in_korea(
    engine: AnnouncementEngine, users: UserRepository, db: Database, clock: ManualClock
) -> None:
    """16:00 UTC on 21 November is already 22 November in Seoul: a flight on the 21st is past."""
    clock.set(clock.now() + 6 * HOUR)
    now = now_of(clock)
    await add_user(users, 1, now=now)
    await add_user(users, 2, now=now)
    plans = ChecklistRepository(db)
    await plans.set_flight(1, date(2026, 11, 21), None, now=now)
    await plans.set_flight(2, date(2026, 11, 22), None, now=now)
    assert await engine.count(Audience(flight_within_days=0), urgent=False) == 1
    created = await engine.create(draft(Audience(flight_within_days=0), urgent=True), by=STAFF_ID)
    assert await engine.repo.recipient_status(created.id, 2) is RecipientStatus.PENDING
    assert await engine.repo.recipient_status(created.id, 1) is None


async def test_blocked_never_muted_only_when_urgent(
    engine: AnnouncementEngine, users: UserRepository, session: FakeTelegramSession, clock
) -> None:
    now = now_of(clock)
    for user_id in (1, 2, 3):
        await add_user(users, user_id, now=now)
    await users.mark_blocked(2, now=now)
    await users.set_announcements_muted(3, True)
    assert await users.announcements_muted(3) is True
    assert await users.announcements_muted(1) is False

    assert await engine.count(Audience(), urgent=False) == 1
    assert await engine.count(Audience(), urgent=True) == 2
    await engine.create(draft(), by=STAFF_ID)
    await engine.run_due()
    assert set(deliveries(session)) == {1}
    session.clear()
    await engine.create(draft(urgent=True), by=STAFF_ID)
    await engine.run_due()
    assert set(deliveries(session)) == {1, 3}

    await users.set_announcements_muted(3, False)
    assert await users.announcements_muted(3) is False
    assert await engine.count(Audience(), urgent=False) == 2


async def test_quiet_hours_defer_to_the_morning_in_each_readers_zone(
    engine: AnnouncementEngine, users: UserRepository, session: FakeTelegramSession, clock
) -> None:
    clock.set(clock.now() + 4 * HOUR)  # 14:00 UTC: 23:00 in Seoul, 19:00 in Kazakhstan
    now = now_of(clock)
    await add_user(users, 1, audience="worker", now=now)  # Seoul by audience: night
    await add_user(users, 2, audience="family", now=now)  # Almaty by audience: evening
    await add_user(users, 3, audience="worker", time_zone="Asia/Almaty", now=now)  # own zone

    created = await engine.create(draft(), by=STAFF_ID)
    assert await engine.run_due() == 2
    assert set(deliveries(session)) == {2, 3}
    running = await engine.get(created.id)
    assert running is not None and running.status is Status.RUNNING
    assert running.counts.remaining == 1

    clock.set(now + 9 * HOUR - 60)  # 07:59 in Seoul: still quiet
    assert await engine.run_due() == 0
    clock.advance(60)  # 08:00 in Seoul
    assert await engine.run_due() == 1
    assert set(deliveries(session)) == {1, 2, 3}
    done = await engine.get(created.id)
    assert done is not None and done.status is Status.DONE

    session.clear()
    clock.set(now)
    await engine.create(draft(urgent=True), by=STAFF_ID)  # urgent: night or not
    assert await engine.run_due() == 3


async def test_entities_and_media_arrive_as_staff_wrote_them(
    engine: AnnouncementEngine, users: UserRepository, session: FakeTelegramSession, clock
) -> None:
    now = now_of(clock)
    await add_user(users, 1, language="ru", now=now)
    await add_user(users, 2, language="kk", now=now)
    bold = {"type": "bold", "offset": 0, "length": 5}
    link = {"type": "text_link", "offset": 6, "length": 4, "url": "https://example.org/"}
    versions = {
        "ru": text_version("ru", "Важно: <b> здесь", (bold, link)),
        "kk": Version("kk", ContentKind.PHOTO, "Маңыз: сурет", (bold,), "photo-file-1"),
    }
    await engine.create(Draft(versions, fallback_locale="ru"), by=STAFF_ID)
    await engine.run_due()
    text_message = session.messages[(1, 1)]
    assert text_message.text == "Важно: <b> здесь"  # not parsed as HTML
    assert text_message.entities == [bold, link]
    assert text_message.media_kind is None
    photo = session.messages[(2, 1)]
    assert (photo.media_kind, photo.file_id, photo.text) == (
        "photo",
        "photo-file-1",
        "Маңыз: сурет",
    )
    assert photo.entities == [bold]
    sent = [call for call in session.calls if call.__api_method__ in {"sendMessage", "sendPhoto"}]
    assert all(call.parse_mode is None for call in sent)


# -- staff control ----------------------------------------------------------------------------


async def test_pause_resume_and_cancel_mid_run(
    engine: AnnouncementEngine, users: UserRepository, session: FakeTelegramSession, clock
) -> None:
    now = now_of(clock)
    for user_id in range(1, 11):
        await add_user(users, user_id, now=now)
    progress: list[Announcement] = []

    async def on_progress(announcement: Announcement) -> None:
        progress.append(announcement)

    engine.on_progress = on_progress
    created = await engine.create(draft(), by=STAFF_ID)
    assert await engine.run_due(limit=3) == 3

    assert await engine.pause(created.id) is True
    assert await engine.pause(created.id) is False
    assert await engine.run_due() == 0
    paused = await engine.get(created.id)
    assert paused is not None and paused.status is Status.PAUSED
    assert paused.counts == Counts(total=10, sent=3)

    assert await engine.resume(created.id) is True
    assert await engine.resume(created.id) is False
    assert await engine.run_due(limit=2) == 2
    assert await engine.cancel(created.id) is True
    assert await engine.run_due() == 0
    cancelled = await engine.get(created.id)
    assert cancelled is not None and cancelled.status is Status.CANCELLED
    assert cancelled.counts == Counts(total=10, sent=5, cancelled=5)
    assert sum(len(texts) for texts in deliveries(session).values()) == 5
    assert progress[-1].status is Status.CANCELLED and progress[-1].counts.cancelled == 5

    assert await engine.cancel(created.id) is False
    assert await engine.resume(created.id) is False
    assert await engine.pause(created.id) is False


async def test_progress_is_reported_at_intervals_and_once_at_the_end(
    engine: AnnouncementEngine, users: UserRepository, clock: ManualClock
) -> None:
    now = now_of(clock)
    for user_id in range(1, 201):  # 8 s at 25/s on the manual clock
        await add_user(users, user_id, now=now)
    seen: list[tuple[float, Status, int]] = []

    async def on_progress(announcement: Announcement) -> None:
        seen.append((clock.now(), announcement.status, announcement.counts.sent))
        raise RuntimeError("the UI's edit failed")  # logged; delivery goes on

    engine.on_progress = on_progress
    created = await engine.create(draft(), by=STAFF_ID)
    assert await engine.run_due() == 200
    assert seen[-1][1:] == (Status.DONE, 200)
    during = [moment for moment, status, _ in seen if status is Status.RUNNING]
    assert 2 <= len(during) <= 3
    assert all(b - a >= 3.0 for a, b in zip([created.created_at, *during], during, strict=False))


async def test_scheduled_announcement_starts_on_time_and_survives_a_restart(
    engine: AnnouncementEngine,
    users: UserRepository,
    session: FakeTelegramSession,
    db: Database,
    clock: ManualClock,
    bot: Bot,
) -> None:
    now = now_of(clock)
    await add_user(users, 1, now=now)
    created = await engine.create(draft(scheduled_at=now + HOUR), by=STAFF_ID)
    assert created.status is Status.SCHEDULED and created.counts.total == 0
    assert await engine.run_due() == 0
    await add_user(users, 2, now=now)  # joins before the start: recipients are chosen then
    await engine.shutdown()

    restarted = make_engine(db, clock)
    await restarted.start(make_sender(bot, clock), run_timer=False)
    clock.advance(HOUR - 1)
    assert await restarted.run_due() == 0
    clock.advance(1)
    assert await restarted.run_due() == 2
    done = await restarted.get(created.id)
    assert done is not None and done.status is Status.DONE and done.counts.sent == 2
    assert set(deliveries(session)) == {1, 2}


async def test_replace_or_cancel_before_the_start(
    engine: AnnouncementEngine, users: UserRepository, session: FakeTelegramSession, clock
) -> None:
    now = now_of(clock)
    await add_user(users, 1, language="kk", now=now)
    await add_user(users, 2, language="ru", now=now)
    first = await engine.create(draft(scheduled_at=now + HOUR), by=STAFF_ID)
    second = await engine.create(draft(scheduled_at=now + HOUR), by=STAFF_ID)

    new_draft = Draft(
        {"ru": text_version("ru", "corrected")},
        fallback_locale="ru",
        audience=Audience(languages=("ru",)),
        scheduled_at=now + 2 * HOUR,
    )
    replaced = await engine.replace_scheduled(first.id, new_draft)
    assert replaced is not None and replaced.draft == new_draft
    assert await engine.cancel(second.id) is True
    assert await engine.replace_scheduled(second.id, new_draft) is None

    clock.advance(HOUR)
    assert await engine.run_due() == 0  # moved an hour later; the other one is cancelled
    clock.advance(HOUR)
    assert await engine.run_due() == 1
    assert deliveries(session) == {2: ["corrected"]}
    assert await engine.replace_scheduled(first.id, new_draft) is None  # started: too late
    statuses = {a.id: a.status for a in await engine.recent()}
    assert statuses == {second.id: Status.CANCELLED, first.id: Status.DONE}
    assert [a.id for a in await engine.recent(limit=1)] == [second.id]  # newest first


async def test_an_announcement_with_nobody_to_reach_is_done_at_once(
    engine: AnnouncementEngine, clock: ManualClock
) -> None:
    created = await engine.create(draft(), by=STAFF_ID)
    assert created.counts.total == 0
    assert await engine.run_due() == 0
    done = await engine.get(created.id)
    assert done is not None and done.status is Status.DONE


async def test_set_progress_message(engine: AnnouncementEngine) -> None:
    created = await engine.create(
        draft(), by=STAFF_ID, progress_chat_id=STAFF_ID, progress_message_id=7
    )
    assert (created.progress_chat_id, created.progress_message_id) == (STAFF_ID, 7)
    await engine.set_progress_message(created.id, STAFF_ID, 8)
    again = await engine.get(created.id)
    assert again is not None and again.progress_message_id == 8


async def test_a_user_who_erases_their_data_leaves_the_queue(
    engine: AnnouncementEngine, users: UserRepository, clock: ManualClock
) -> None:
    now = now_of(clock)
    await add_user(users, 1, now=now)
    await add_user(users, 2, now=now)
    created = await engine.create(draft(), by=STAFF_ID)
    await users.delete(2)
    assert await engine.run_due() == 1
    done = await engine.get(created.id)
    assert done is not None and done.counts == Counts(total=1, sent=1)


# -- the background runner --------------------------------------------------------------------


async def test_background_runner_delivers_and_shuts_down(
    db: Database, users: UserRepository, bot: Bot, session: FakeTelegramSession, clock
) -> None:
    now = now_of(clock)
    for user_id in range(1, 61):
        await add_user(users, user_id, now=now)
    engine = make_engine(db, clock, slots=8)
    ended = asyncio.Event()

    async def on_progress(announcement: Announcement) -> None:
        if announcement.status is Status.DONE:
            ended.set()

    engine.on_progress = on_progress
    await engine.start(TelegramSender(bot, per_second=2000), run_timer=True)
    try:
        created = await engine.create(draft(), by=STAFF_ID)
        await asyncio.wait_for(ended.wait(), timeout=10)
    finally:
        await engine.shutdown()
    done = await engine.get(created.id)
    assert done is not None and done.counts == Counts(total=60, sent=60)
    assert all(len(texts) == 1 for texts in deliveries(session).values())
    assert len(deliveries(session)) == 60
