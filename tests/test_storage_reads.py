"""The storage layer's read path (issue 16): one hand-off per statement on a read connection
that keeps reads flowing while a write waits, and /mydata's summary in one statement that says
exactly what the per-table repositories say."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, time
from pathlib import Path

import aiosqlite

from storage.db import Database
from storage.eligibility import StoredOutcome
from storage.reminders import FAN_OUT_CHUNK, NewReminder
from storage.repositories import sqlite_repositories

NOW = 1_790_000_000
OWNER, RELATIVE, STRANGER = 501, 502, 503


async def test_reads_flow_while_a_write_waits_for_another_connections_lock(
    db: Database, db_path: Path
) -> None:
    await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    await db.execute("INSERT INTO notes (body) VALUES ('kept')")
    outsider = sqlite3.connect(db_path, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")  # a `sqlite3` shell or a backup holding the write lock
    try:
        write = asyncio.create_task(db.execute("INSERT INTO notes (body) VALUES ('later')"))
        await asyncio.sleep(0.05)  # the write is now waiting out the busy timeout
        assert not write.done()
        row = await asyncio.wait_for(db.fetch_one("SELECT body FROM notes WHERE id = 1"), 1.0)
        assert row is not None and row["body"] == "kept"
        assert not write.done(), "the read did not wait behind the blocked write"
    finally:
        outsider.execute("ROLLBACK")
        outsider.close()
    assert await write == 1
    assert await db.fetch_value("SELECT COUNT(*) FROM notes") == 2  # read-after-write: seen


async def test_each_read_shape_and_the_row_count_of_a_write(db: Database) -> None:
    await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    assert await db.execute("INSERT INTO notes (body) VALUES ('a'), ('b')") == 2
    assert await db.execute("UPDATE notes SET body = 'c' WHERE id = 99") == 0
    row = await db.fetch_one("SELECT id, body FROM notes WHERE id = ?", (2,))
    assert isinstance(row, aiosqlite.Row) and row["body"] == "b"
    assert await db.fetch_one("SELECT id FROM notes WHERE id = 99") is None
    assert [r["body"] for r in await db.fetch_all("SELECT body FROM notes ORDER BY id")] == [
        "a",
        "b",
    ]
    assert await db.fetch_tuples("SELECT id, body FROM notes ORDER BY id") == [
        (1, "a"),
        (2, "b"),
    ]


async def test_the_read_connection_refuses_writes(db: Database) -> None:
    try:
        await db.fetch_all("CREATE TABLE sneaky (id INTEGER)")
    except sqlite3.OperationalError as error:
        assert "readonly" in str(error).replace(" ", "").lower()
    else:
        raise AssertionError("a write went through the read connection")


async def test_mydata_summary_matches_every_repository(db: Database) -> None:
    repos = sqlite_repositories(db)
    for user_id in (OWNER, RELATIVE, STRANGER):
        await repos.users.register(user_id, now=NOW)
    await repos.checklists.set_track(OWNER, "irregular", now=NOW)
    await repos.checklists.set_flight(OWNER, date(2026, 12, 20), time(9, 30), now=NOW)
    for item in ("passport", "ticket"):
        await repos.checklists.set_item(OWNER, item, done=True, now=NOW)
    await repos.selfchecks.save(
        OWNER, date(2026, 11, 1), [StoredOutcome("age", "met", "age_ok")], now=NOW
    )
    await repos.subscriptions.subscribe(OWNER, "eps_tracker", now=NOW)
    for kind in ("flight", "flight", "internal"):
        await repos.reminders.create(
            NewReminder(OWNER, kind, {}, NOW + 3600, NOW + 3600, False), now=NOW
        )
    for text in ("first", "second", "third"):
        await repos.tickets.create(
            user_id=OWNER, language="kk", audience="worker", display_name=None, text=text,
            photo_id=None, source_message_id=None, now=NOW,
        )  # fmt: skip
    first = (await repos.tickets.for_user(OWNER))[-1]
    await repos.tickets.close(first.id, by=None, now=NOW + 5)
    await repos.shares.replace_code(OWNER, "ABCDEFGH", now=NOW)
    await repos.shares.follow(RELATIVE, "ABCDEFGH", now=NOW)

    owner = await repos.personal.summary(OWNER, reminder_kinds=("flight",), topic="eps_tracker")
    assert (
        owner.upcoming_reminders
        == 2
        == await repos.reminders.count_pending_for_user(OWNER, kinds=("flight",))
    )
    assert owner.selfcheck_on == date(2026, 11, 1) == await repos.selfchecks.checked_on(OWNER)
    assert owner.departure_plan == await repos.checklists.get(OWNER)
    assert owner.departure_plan is not None
    assert owner.departure_plan.done == {"passport", "ticket"}
    assert owner.subscribed and await repos.subscriptions.is_subscribed(OWNER, "eps_tracker")
    assert owner.tickets == tuple(await repos.tickets.for_user(OWNER, limit=100))
    assert [t.status for t in owner.tickets] == ["open", "open", "closed"]
    assert owner.plan_shared and owner.plan_followers == 1 and owner.plans_followed == 0
    assert owner.announcements_received == 0
    assert owner.announcements_muted is False

    relative = await repos.personal.summary(RELATIVE, reminder_kinds=("flight",), topic="x")
    assert relative.plans_followed == 1 == await repos.shares.count_follows(RELATIVE)
    assert not relative.plan_shared and relative.departure_plan is None

    await repos.users.set_announcements_muted(STRANGER, True)
    stranger = await repos.personal.summary(STRANGER, reminder_kinds=(), topic="eps_tracker")
    assert stranger == type(stranger)(
        upcoming_reminders=0, selfcheck_on=None, departure_plan=None, subscribed=False,
        announcements_received=0, announcements_muted=True, tickets=(), plan_shared=False,
        plan_followers=0, plans_followed=0,
    )  # fmt: skip


async def test_a_chunked_fan_out_insert_returns_every_row_in_order_and_lets_others_run(
    db: Database,
) -> None:
    repos = sqlite_repositories(db)
    news = {"headline": "same object for every row"}
    rows = [
        NewReminder(100_000 + n, "tracker_news", news, NOW + n, NOW + n, False)
        for n in range(3 * FAN_OUT_CHUNK + 7)
    ]
    await db.execute_many(
        "INSERT INTO users (id, role, created_at, last_seen_at) VALUES (?, 'user', ?, ?)",
        [(r.user_id, NOW, NOW) for r in rows],
    )
    ticks = 0
    done = False

    async def other_users_updates() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(other_users_updates())
    created = await repos.reminders.create_many(rows, now=NOW)
    ticks_during_insert = ticks
    done = True
    await ticker
    assert ticks_during_insert >= 4, "the event loop was held through the whole insert"
    assert [fire_at for _, fire_at in created] == [r.fire_at for r in rows]
    assert len({reminder_id for reminder_id, _ in created}) == len(rows)
    stored = await db.fetch_value("SELECT COUNT(DISTINCT payload) FROM reminders")
    assert stored == 1  # one payload, encoded once, in every row


async def test_a_users_write_refreshes_the_cached_record_and_a_racing_read_cannot_undo_it(
    db: Database,
) -> None:
    repos = sqlite_repositories(db)
    await repos.users.register(OWNER, now=NOW)
    await repos.users.set_language(OWNER, "kk")
    assert (await repos.users.get(OWNER)).language == "kk"  # type: ignore[union-attr]
    for attempt, language in enumerate(["ru", "en", "kk", "ru", "en"] * 4):
        repos.users._cache.clear()  # a cold cache: the read goes to SQLite
        read = asyncio.create_task(repos.users.get(OWNER))
        if attempt % 2:
            await asyncio.sleep(0)  # let the read start first every other time
        await repos.users.set_language(OWNER, language)
        await read
        record = await repos.users.get(OWNER)
        assert record is not None and record.language == language, attempt
