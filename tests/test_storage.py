"""Storage on a real SQLite file: pragmas, migrations, users repository, FSM across restarts."""

from __future__ import annotations

from pathlib import Path

from aiogram.fsm.storage.base import StorageKey

from storage.db import Database, load_migrations
from storage.fsm import SQLiteStorage
from storage.users import Audience, Role, UserRepository

NOW = 1_795_000_000


async def schema_of(db: Database) -> list[tuple[str, str]]:
    rows = await db.fetch_all(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'schema_migrations'"
        " ORDER BY name"
    )
    return [(row[0], row[1]) for row in rows]


async def test_pragmas_are_set(db: Database) -> None:
    assert await db.fetch_value("PRAGMA journal_mode") == "wal"
    assert await db.fetch_value("PRAGMA foreign_keys") == 1
    assert await db.fetch_value("PRAGMA busy_timeout") == 5000


async def test_migrations_from_empty_file_reach_the_latest_version(db: Database) -> None:
    latest = load_migrations()[-1].version
    assert await db.schema_version() == latest
    assert {"users", "fsm_states", "schema_migrations"} <= set(await db.table_names())
    recorded = await db.fetch_all("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [row[0] for row in recorded] == list(range(1, latest + 1))


async def test_migrating_twice_is_a_no_op(db_path: Path) -> None:
    first = await Database.open(db_path)
    schema = await schema_of(first)
    await first.close()
    again = await Database.open(db_path)
    assert await again.migrate() == []
    assert await schema_of(again) == schema
    await again.close()


async def test_every_earlier_version_upgrades_to_the_same_schema(tmp_path: Path) -> None:
    fresh = await Database.open(tmp_path / "fresh.sqlite3")
    expected = await schema_of(fresh)
    latest = await fresh.schema_version()
    await fresh.close()
    for version in range(0, latest):
        path = tmp_path / f"from_{version}.sqlite3"
        old = await Database.open(path, migrate=False)
        await old.migrate(target=version)
        assert await old.schema_version() == version
        await old.close()
        upgraded = await Database.open(path)
        assert await upgraded.schema_version() == latest
        assert await schema_of(upgraded) == expected, f"upgrade from {version} differs"
        await upgraded.close()


async def test_user_lifecycle(db: Database) -> None:
    users = UserRepository(db)
    assert await users.get(42) is None
    record = await users.register(42, now=NOW)
    assert (record.id, record.role, record.language, record.audience) == (42, Role.USER, None, None)
    again = await users.register(42, now=NOW + 10, role=Role.ADMIN)
    assert again.created_at == NOW and again.role is Role.USER  # registering twice changes nothing

    await users.set_language(42, "kk")
    await users.set_audience(42, Audience.FAMILY)
    await users.set_time_zone(42, "Asia/Almaty")
    await users.mark_blocked(42, now=NOW + 20)
    record = await users.get(42)
    assert record is not None
    assert (record.language, record.audience, record.time_zone) == (
        "kk",
        Audience.FAMILY,
        "Asia/Almaty",
    )
    assert record.blocked_at == NOW + 20

    await users.touch(42, now=NOW + 30)
    record = await users.get(42)
    assert record is not None and record.blocked_at is None and record.last_seen_at == NOW + 30


async def test_delete_removes_the_user_and_their_dialogue_state(db: Database) -> None:
    users = UserRepository(db)
    storage = SQLiteStorage(db)
    users.on_delete(storage.forget_user)
    await users.register(7, now=NOW)
    key = StorageKey(bot_id=1, chat_id=7, user_id=7)
    await storage.set_state(key, "Form:name")
    assert await users.delete(7) is True
    assert await users.get(7) is None
    assert await storage.get_state(key) is None
    assert await users.delete(7) is False


async def test_fsm_state_and_data_survive_a_restart(db_path: Path) -> None:
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    first = await Database.open(db_path)
    storage = SQLiteStorage(first)
    await storage.set_state(key, "Reminder:time")
    await storage.update_data(key, {"date": "2026-12-25", "text": "Билет Инчхон – Алматы"})
    await first.close()

    second = await Database.open(db_path)
    storage = SQLiteStorage(second)
    assert await storage.get_state(key) == "Reminder:time"
    assert await storage.get_data(key) == {"date": "2026-12-25", "text": "Билет Инчхон – Алматы"}
    await second.close()


async def test_fsm_rows_are_dropped_when_empty(db: Database) -> None:
    storage = SQLiteStorage(db)
    key = StorageKey(bot_id=1, chat_id=9, user_id=9)
    await storage.set_state(key, "A:b")
    await storage.set_data(key, {"x": 1})
    await storage.set_state(key, None)
    assert await db.fetch_value("SELECT COUNT(*) FROM fsm_states") == 1
    await storage.set_data(key, {})
    assert await db.fetch_value("SELECT COUNT(*) FROM fsm_states") == 0
    assert await storage.get_data(key) == {}


async def test_keys_keep_users_apart(db: Database) -> None:
    storage = SQLiteStorage(db)
    a = StorageKey(bot_id=1, chat_id=1, user_id=1)
    b = StorageKey(bot_id=1, chat_id=2, user_id=2)
    await storage.set_state(a, "S:a")
    assert await storage.get_state(b) is None


async def test_fsm_writes_only_on_change(db: Database) -> None:
    storage = SQLiteStorage(db)
    key = StorageKey(bot_id=1, chat_id=3, user_id=3)
    before = db.path.stat().st_mtime_ns
    changes = await db.fetch_value("SELECT total_changes()")
    for _ in range(5):
        await storage.set_state(key, None)  # what every navigation does: nothing to clear
        await storage.set_data(key, {})
    assert await db.fetch_value("SELECT total_changes()") == changes
    assert db.path.stat().st_mtime_ns == before


async def test_fsm_cache_is_not_aliased(db: Database) -> None:
    storage = SQLiteStorage(db)
    key = StorageKey(bot_id=1, chat_id=4, user_id=4)
    await storage.set_data(key, {"items": [1]})
    data = await storage.get_data(key)
    data["items"].append(2)  # a caller mutating its copy
    assert await storage.get_data(key) == {"items": [1]}


async def test_user_cache_follows_every_write(db: Database) -> None:
    users = UserRepository(db)
    await users.register(11, now=NOW)
    assert (await users.get(11)).language is None
    await users.set_language(11, "ru")
    assert (await users.get(11)).language == "ru"
    await users.mark_blocked(11, now=NOW + 1)
    assert (await users.get(11)).blocked_at == NOW + 1
    await users.delete(11)
    assert await users.get(11) is None
