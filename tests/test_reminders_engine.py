"""The reminders engine on a real SQLite file with a controlled clock: due, early, late, quiet
hours, time-zone changes, cancel, restarts, crashes, and Telegram's errors."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

import pytest
from aiogram.methods import SendMessage

from bot.app import App, build_bot
from bot.clock import SystemClock
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession
from bot.reminders.engine import custom_reminder
from bot.reminders.rules import plan_fire_time
from storage.reminders import NewReminder, ReminderStatus
from storage.users import Audience, UserRecord
from tests.conftest import START

HOUR = 3600


def sent_texts(session: FakeTelegramSession, chat_id: int | None = None) -> list[str]:
    return [
        c.text
        for c in session.calls_of(SendMessage)
        if chat_id is None or int(c.chat_id) == chat_id
    ]


async def make_user(
    app: App, user_id: int = 501, *, language: str = "ru", audience: Audience = Audience.WORKER
) -> UserRecord:
    await app.users.register(user_id, now=int(START))
    await app.users.set_language(user_id, language)
    await app.users.set_audience(user_id, audience)
    record = await app.users.get(user_id)
    assert record is not None
    return record


def simple(
    user_id: int,
    due_at: float,
    text: str = "Билет",
    *,
    urgent: bool = True,
    zone: str = "Asia/Seoul",
) -> NewReminder:
    fire_at = plan_fire_time(int(due_at), zone, urgent=urgent)
    return NewReminder(
        user_id=user_id,
        kind="custom",
        payload={"text": text},
        due_at=int(due_at),
        fire_at=fire_at,
        urgent=urgent,
    )


async def test_sent_when_due_not_before(app: App, clock, session) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + 60, "Купить билет"))
    clock.advance(59)
    assert await app.reminders.run_due() == 0
    assert sent_texts(session) == []
    clock.advance(1)
    assert await app.reminders.run_due() == 1
    assert sent_texts(session, user.id) == ["⏰ <b>Напоминание</b>\nКупить билет"]
    stored = await app.reminders.repo.get(reminder.id)
    assert stored.status is ReminderStatus.SENT and stored.attempts == 1
    assert stored.sent_at == int(START + 60)
    clock.advance(HOUR)
    assert await app.reminders.run_due() == 0  # never twice
    assert len(sent_texts(session)) == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [("kk", "⏰ <b>Еске салу</b>\n"), ("en", "⏰ <b>Reminder</b>\n")],
)
async def test_reminder_speaks_the_users_language_and_escapes_html(
    app: App, clock, session, language: str, expected: str
) -> None:
    user = await make_user(app, language=language)
    await app.reminders.schedule(simple(user.id, START + 10, "<b>bold</b> & co"))
    clock.advance(10)
    await app.reminders.run_due()
    assert sent_texts(session) == [expected + "&lt;b&gt;bold&lt;/b&gt; &amp; co"]


async def test_quiet_hours_move_non_urgent_reminders_to_the_morning(
    app: App, clock, session
) -> None:
    user = await make_user(app)
    at_night = datetime(2026, 11, 21, 14, 30, tzinfo=UTC).timestamp()  # 23:30 in Seoul
    reminder = await app.reminders.schedule(simple(user.id, at_night, urgent=False))
    morning = datetime(2026, 11, 21, 23, 0, tzinfo=UTC).timestamp()  # 08:00 in Seoul
    assert reminder.fire_at == morning
    clock.set(at_night + 60)
    assert await app.reminders.run_due() == 0
    clock.set(morning)
    assert await app.reminders.run_due() == 1


async def test_custom_reminders_keep_their_exact_time(app: App) -> None:
    user = await make_user(app)
    new = custom_reminder(user, date(2026, 11, 22), time(23, 30), "Звонок домой")
    assert new.urgent is True
    assert new.fire_at == new.due_at == datetime(2026, 11, 22, 14, 30, tzinfo=UTC).timestamp()


async def test_time_zone_change_keeps_the_wall_clock(app: App, clock, session) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(
        custom_reminder(user, date(2026, 12, 25), time(9, 0), "Рейс")
    )
    assert reminder.fire_at == datetime(2026, 12, 25, 0, 0, tzinfo=UTC).timestamp()
    await app.users.set_time_zone(user.id, "Asia/Almaty")
    assert await app.reminders.replan_user(await app.users.get(user.id)) == 1
    moved = await app.reminders.repo.get(reminder.id)
    assert moved.fire_at == datetime(2026, 12, 25, 4, 0, tzinfo=UTC).timestamp()
    assert moved.payload["zone"] == "Asia/Almaty"
    clock.set(datetime(2026, 12, 25, 0, 0, tzinfo=UTC).timestamp())
    assert await app.reminders.run_due() == 0  # 09:00 in Seoul is not 09:00 in Almaty
    clock.set(datetime(2026, 12, 25, 4, 0, tzinfo=UTC).timestamp())
    assert await app.reminders.run_due() == 1


async def test_absolute_reminders_ignore_zone_changes(app: App) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + HOUR))  # no "local"
    await app.users.set_time_zone(user.id, "Asia/Almaty")
    assert await app.reminders.replan_user(await app.users.get(user.id)) == 0
    assert (await app.reminders.repo.get(reminder.id)).fire_at == reminder.fire_at


async def test_cancelled_reminder_never_fires(app: App, clock, session) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + 60))
    assert await app.reminders.cancel(reminder.id, user_id=user.id) is True
    assert await app.reminders.cancel(reminder.id, user_id=user.id) is False
    clock.advance(120)
    assert await app.reminders.run_due() == 0
    assert (await app.reminders.repo.get(reminder.id)).status is ReminderStatus.CANCELLED
    assert sent_texts(session) == []


async def test_users_cannot_cancel_each_others_reminders(app: App) -> None:
    owner, other = await make_user(app, 601), await make_user(app, 602)
    reminder = await app.reminders.schedule(simple(owner.id, START + 60))
    assert await app.reminders.cancel(reminder.id, user_id=other.id) is False
    assert (await app.reminders.repo.get(reminder.id)).status is ReminderStatus.PENDING


async def test_restart_rearms_every_pending_reminder(app: App, restart, clock, session) -> None:
    user = await make_user(app)
    for minutes in (10, 20, 30):
        await app.reminders.schedule(simple(user.id, START + minutes * 60, f"r{minutes}"))
    again = await restart()
    assert len(again.reminders.store) == 3
    clock.advance(30 * 60)
    assert await again.reminders.run_due() == 3
    assert [t.split("\n")[1] for t in sent_texts(session)] == ["r10", "r20", "r30"]


async def test_late_within_grace_is_sent_once_at_startup(app: App, restart, session) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + 60))
    again = await restart(downtime=2 * HOUR)  # down for two hours; grace is three
    assert await again.reminders.run_due() == 1
    assert (await again.reminders.repo.get(reminder.id)).status is ReminderStatus.SENT
    assert await again.reminders.run_due() == 0
    assert len(sent_texts(session)) == 1


async def test_late_beyond_grace_is_marked_missed(app: App, restart, session) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + 60))
    again = await restart(downtime=5 * HOUR)
    assert await again.reminders.run_due() == 0
    assert (await again.reminders.repo.get(reminder.id)).status is ReminderStatus.MISSED
    assert sent_texts(session) == []


async def test_crash_between_claim_and_send_never_repeats(
    app: App, restart, clock, session
) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + 60))
    clock.advance(60)
    # The process claims the reminder, then dies before it can record the outcome.
    assert await app.reminders.repo.claim(reminder.id, now=int(clock.now())) is not None
    again = await restart(graceful=False)
    assert await again.reminders.run_due() == 0
    stored = await again.reminders.repo.get(reminder.id)
    assert stored.status is ReminderStatus.FAILED and stored.last_error == "interrupted"
    assert sent_texts(session) == []


async def test_double_fire_sends_once(app: App, clock, session) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + 60))
    clock.advance(60)
    results = await asyncio.gather(*(app.reminders.deliver(reminder.id) for _ in range(5)))
    assert results.count(ReminderStatus.SENT) == 1
    assert results.count(None) == 4
    assert len(sent_texts(session)) == 1


async def test_blocked_user_is_marked_and_their_reminders_cancelled(
    app: App, clock, session
) -> None:
    user = await make_user(app)
    first = await app.reminders.schedule(simple(user.id, START + 60))
    later = await app.reminders.schedule(simple(user.id, START + 2 * HOUR))
    session.fail("sendMessage", 403)
    clock.advance(60)
    await app.reminders.run_due()
    assert (await app.users.get(user.id)).blocked_at is not None
    assert (await app.reminders.repo.get(first.id)).status is ReminderStatus.FAILED
    assert (await app.reminders.repo.get(later.id)).status is ReminderStatus.CANCELLED
    assert later.id not in app.reminders.store
    clock.advance(2 * HOUR)
    assert await app.reminders.run_due() == 0


async def test_429_is_retried_and_sent_once(app: App, clock, session, clock_sleep) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + 60))
    session.fail("sendMessage", 429, retry_after=12)
    clock.advance(60)
    await app.reminders.run_due()
    assert (await app.reminders.repo.get(reminder.id)).status is ReminderStatus.SENT
    assert 12 in clock_sleep.sleeps
    assert len(session.calls_of(SendMessage)) == 2  # refused once, then delivered


async def test_network_failure_beyond_the_limit_marks_failed(app: App, clock, session) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + 60))
    session.fail("sendMessage", 0, times=10)
    clock.advance(60)
    await app.reminders.run_due()
    stored = await app.reminders.repo.get(reminder.id)
    assert stored.status is ReminderStatus.FAILED and stored.last_error == "TelegramNetworkError"


async def test_deleted_user_reminders_are_gone(app: App, clock, session) -> None:
    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + 60))
    await app.users.delete(user.id)
    assert await app.reminders.repo.get(reminder.id) is None
    clock.advance(60)
    await app.reminders.run_due()
    assert sent_texts(session) == []


async def test_apscheduler_timer_fires_on_the_wall_clock(settings, db) -> None:
    """The production path: APScheduler's own clock calls `deliver` through our job store."""
    session = FakeTelegramSession()
    bot = build_bot(FAKE_TOKEN, session=session)
    from bot.app import build_dispatcher

    app = build_dispatcher(settings, db, clock=SystemClock(), run_timer=True)
    await app.users.register(701, now=int(START))
    await app.reminders.start(bot)
    try:
        due = int(datetime.now(UTC).timestamp()) + 1
        reminder = await app.reminders.schedule(simple(701, due, "tick"))
        job = app.reminders.store.lookup_job(str(reminder.id))
        assert job is not None and job.next_run_time.timestamp() == due
        for _ in range(60):
            if session.calls_of(SendMessage):
                break
            await asyncio.sleep(0.05)
        assert next(c.text for c in session.calls_of(SendMessage)).endswith("tick")
        await asyncio.sleep(0.05)
        assert (await app.reminders.repo.get(reminder.id)).status is ReminderStatus.SENT
        assert app.reminders.store.lookup_job(str(reminder.id)) is None
    finally:
        await app.reminders.shutdown()


def member(status: str, user: dict) -> dict:
    return {"status": status, "user": user, **({"until_date": 0} if status == "kicked" else {})}


def member_update(session: FakeTelegramSession, user_id: int, old: str, new: str) -> dict:
    person = {"id": user_id, "is_bot": False, "first_name": "A"}
    bot_user = {"id": 7000000001, "is_bot": True, "first_name": "Jolserik"}
    return {
        "update_id": session.next_update_id(),
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private", "first_name": "A"},
            "from": person,
            "date": int(START),
            "old_chat_member": member(old, bot_user),
            "new_chat_member": member(new, bot_user),
        },
    }


async def test_blocking_the_bot_cancels_reminders_at_once(app: App, bot, session) -> None:
    from aiogram.types import Update

    user = await make_user(app)
    reminder = await app.reminders.schedule(simple(user.id, START + HOUR))
    update = member_update(session, user.id, "member", "kicked")
    await app.dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
    assert (await app.users.get(user.id)).blocked_at is not None
    assert (await app.reminders.repo.get(reminder.id)).status is ReminderStatus.CANCELLED
    assert reminder.id not in app.reminders.store

    update = member_update(session, user.id, "kicked", "member")
    await app.dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
    assert (await app.users.get(user.id)).blocked_at is None
    assert session.calls_of(SendMessage) == []  # silence: these are not messages to answer


def test_moved_away_and_back_fires_once_and_keeps_the_timer_alive() -> None:
    """Regression: T1 -> T2 -> T1 left two equal heap entries; APScheduler then failed to
    remove the second job and its timer stopped."""
    from types import SimpleNamespace

    from bot.reminders.engine import ReminderJobStore

    store = ReminderJobStore(lambda rid, fire_at: SimpleNamespace(id=str(rid)))
    store.put(1, 1000.0)
    store.put(1, 2000.0)
    store.put(1, 1000.0)
    due = store.get_due_jobs(datetime.fromtimestamp(1500, tz=UTC))
    assert [job.id for job in due] == ["1"]
    store.remove_job("1")  # what APScheduler does after submitting: must not raise
    assert store.get_next_run_time() is None


async def test_quiet_hours_come_from_the_settings(settings, db, clock, bot, clock_sleep) -> None:
    from dataclasses import replace

    from tests.conftest import start_app

    custom = replace(settings, quiet_hours=(time(21, 0), time(9, 30)))
    app = await start_app(custom, db, clock, bot, clock_sleep)
    evening = int(datetime(2026, 11, 21, 12, 30, tzinfo=UTC).timestamp())  # 21:30 in Seoul
    assert app.reminders.plan(evening, "Asia/Seoul", urgent=False) == int(
        datetime(2026, 11, 22, 0, 30, tzinfo=UTC).timestamp()  # 09:30 next morning
    )
    assert app.reminders.plan(evening, "Asia/Seoul", urgent=True) == evening
