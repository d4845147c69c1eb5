"""Operator commands: online backup under writes, restore round trip, refusals, stats, --help.

The commands run as real `python -m bot ...` processes with a cleaned environment (no BOT_TOKEN,
no .env), as an operator or a systemd timer would run them, against real SQLite files.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from storage.db import Database, load_migrations
from storage.reminders import NewReminder, ReminderRepository, ReminderStatus
from storage.users import Audience, UserRepository
from tests.cli import clean_env, run_bot

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_795_000_000


def cli_env(database: Path) -> dict[str, str]:
    return clean_env(DATABASE_PATH=str(database))


def run_cli(
    database: Path, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return run_bot(*args, cwd=cwd or database.parent, env=cli_env(database))


def user_ids(path: Path) -> list[int]:
    """Read a database file with plain sqlite3, read-only, so checking it changes nothing."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [row[0] for row in connection.execute("SELECT id FROM users ORDER BY id")]
    finally:
        connection.close()


async def seed_users(path: Path, ids: range) -> None:
    db = await Database.open(path)
    try:
        users = UserRepository(db)
        for user_id in ids:
            await users.register(user_id, now=NOW)
    finally:
        await db.close()


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


async def backup_during_writes(live: Path, backup: Path) -> tuple[int, int, int | None, str, str]:
    """Back up with `python -m bot backup` while this process keeps committing new users.

    Returns the number of users committed when the backup started and when it ended, and the
    backup process's exit code, stdout and stderr.
    """
    db = await Database.open(live)
    users = UserRepository(db)
    for user_id in range(1, 201):
        await users.register(user_id, now=NOW)
    stop = asyncio.Event()
    written = 200

    async def keep_writing() -> None:
        # Ids go up one per commit, so any consistent snapshot holds exactly 1..n; `written`
        # counts only what is committed.
        nonlocal written
        while not stop.is_set():
            await users.register(written + 1, now=NOW)
            written += 1
            await users.set_language(written, "kk")

    writer = asyncio.create_task(keep_writing())
    try:
        await asyncio.sleep(0.05)
        at_start = written
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "backup",
            str(backup),
            env=cli_env(live),
            cwd=live.parent,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        await asyncio.sleep(0.05)
    finally:
        stop.set()
        await writer
    await db.close()
    return at_start, written, process.returncode, stdout.decode(), stderr.decode()


def test_backup_while_the_bot_writes_is_a_consistent_snapshot(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    backup = tmp_path / "backups" / "nightly" / "copy.sqlite3"  # parent folders do not exist
    at_start, at_end, returncode, stdout, stderr = asyncio.run(backup_during_writes(live, backup))

    assert returncode == 0, stderr
    report = stdout.strip()
    assert report.startswith(f"backup written: {backup} (")
    latest = load_migrations()[-1].version
    assert f"schema version {latest}" in report and "integrity ok" in report
    assert len(report.splitlines()) == 1

    copied = user_ids(backup)
    assert copied == list(range(1, len(copied) + 1))  # a prefix of the commits: nothing torn
    assert at_start <= len(copied) < at_end  # taken while the writer was committing
    assert user_ids(live) == list(range(1, at_end + 1))
    assert not Path(f"{backup}-wal").exists()  # a single self-contained file
    assert not list(backup.parent.glob(".*partial*"))


async def delete_and_add(path: Path, delete: int, add: int) -> None:
    db = await Database.open(path)
    try:
        await UserRepository(db).delete(delete)
        await UserRepository(db).register(add, now=NOW)
    finally:
        await db.close()


def test_restore_round_trip_keeps_the_replaced_database(tmp_path: Path) -> None:
    live = tmp_path / "data" / "jolserik.sqlite3"
    backup = tmp_path / "jolserik-backup.sqlite3"
    asyncio.run(seed_users(live, range(1, 4)))
    assert run_cli(live, "backup", str(backup)).returncode == 0

    asyncio.run(delete_and_add(live, delete=2, add=4))
    assert user_ids(live) == [1, 3, 4]

    refused = run_cli(live, "restore", str(backup))
    assert_one_line_error(refused, "stop the bot first", "--yes")
    assert user_ids(live) == [1, 3, 4]

    result = run_cli(live, "restore", str(backup), "--yes")
    assert result.returncode == 0, result.stderr
    assert user_ids(live) == [1, 2, 3]
    aside = list(live.parent.glob("jolserik.sqlite3.before-restore-*"))
    kept = next(path for path in aside if not path.name.endswith(("-wal", "-shm")))
    assert user_ids(kept) == [1, 3, 4]  # nothing the restore replaced is lost
    assert f"moved aside: {live} -> {kept}" in result.stdout
    assert "restored:" in result.stdout and "start the bot now" in result.stdout

    # The restored file is an ordinary database for the bot: it opens, migrates, writes.
    asyncio.run(delete_and_add(live, delete=1, add=5))
    assert user_ids(live) == [2, 3, 5]


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    live = tmp_path / "jolserik.sqlite3"
    asyncio.run(seed_users(live, range(1, 3)))
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    foreign = tmp_path / "foreign.sqlite3"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()

    assert_one_line_error(run_cli(live, "restore", str(junk), "--yes"), "not a SQLite database")
    assert_one_line_error(
        run_cli(live, "restore", str(foreign), "--yes"), "not a Jolserik database"
    )
    assert_one_line_error(run_cli(live, "restore", "missing.sqlite3", "--yes"), "not found")
    assert user_ids(live) == [1, 2]
    assert not list(tmp_path.glob("*before-restore*"))


def test_backup_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    live = tmp_path / "jolserik.sqlite3"
    asyncio.run(seed_users(live, range(1, 3)))
    target = tmp_path / "existing.sqlite3"
    target.write_bytes(b"keep me")

    assert_one_line_error(run_cli(live, "backup", str(target)), "already exists", "--force")
    assert target.read_bytes() == b"keep me"

    forced = run_cli(live, "backup", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert user_ids(target) == [1, 2]


def test_missing_database_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "jolserik.sqlite3"
    for args in (("backup", str(tmp_path / "b.sqlite3")), ("stats",)):
        result = run_cli(missing, *args, cwd=tmp_path)
        assert_one_line_error(result, "database not found", str(missing))
    assert not missing.parent.exists()
    assert not (tmp_path / "b.sqlite3").exists()


async def seed_for_stats(live: Path) -> None:
    db = await Database.open(live)
    users = UserRepository(db)
    reminders = ReminderRepository(db)
    for user_id, language, audience in [
        (111_111, "kk", Audience.WORKER),
        (222_222, "kk", Audience.FAMILY),
        (333_333, "ru", Audience.WORKER),
    ]:
        await users.register(user_id, now=NOW)
        await users.set_language(user_id, language)
        await users.set_audience(user_id, audience)
    await users.register(444_444, now=NOW)  # has not chosen anything yet
    await users.mark_blocked(333_333, now=NOW)
    created = [
        await reminders.create(
            NewReminder(111_111, "custom", {"text": "x"}, NOW + 3600, NOW + 3600, False), now=NOW
        )
        for _ in range(3)
    ]
    await reminders.claim(created[0].id, now=NOW)
    await reminders.finish(created[0].id, ReminderStatus.SENT, now=NOW)
    await db.close()


def test_stats_prints_counts_on_a_seeded_database(tmp_path: Path) -> None:
    live = tmp_path / "jolserik.sqlite3"
    asyncio.run(seed_for_stats(live))

    result = run_cli(live, "stats")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # {section: {label: count}}; a top-level figure is its own section under the key "".
    table: dict[str, dict[str, str]] = {}
    section = ""
    for line in lines:
        label, _, count = line.strip().rpartition(" ")
        if not line.startswith(" "):
            section = line if not count.isdigit() else label.strip()
            table[section] = {"": count} if count.isdigit() else {}
        else:
            table[section][label.strip()] = count
    assert table["users"] == {"": "4", "blocked the bot": "1"}
    assert table["users by language"] == {"kk": "2", "ru": "1", "none": "1"}
    assert table["users by audience"] == {"family": "1", "none": "1", "worker": "2"}
    assert table["reminders by status"] == {"pending": "2", "sent": "1"}
    assert table["active dialogues"] == {"": "0"}
    assert list(table) == [
        "users",
        "users by language",
        "users by audience",
        "reminders by status",
        "active dialogues",
    ]
    # Aligned: every number ends in the same column.
    assert len({len(line) for line in lines if line.rstrip()[-1].isdigit()}) == 1
    assert "111111" not in result.stdout and "111_111" not in result.stdout  # counts, no ids


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "x.sqlite3", "--help")
    assert result.returncode == 0
    for command in ("run", "console", "backup", "restore", "stats"):
        assert f"    {command} " in result.stdout


# -- one instance per database -----------------------------------------------------------------

TOKEN = "123456789:AAE_abcdefghijklmnopqrstuvwxyz012345"


def dead_api_url() -> str:
    """A local port nobody listens on: the bot keeps retrying getMe, holding its lock."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def bot_env(database: Path, api_url: str) -> dict[str, str]:
    return clean_env(DATABASE_PATH=str(database), BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api_url)


def start_bot_holding_the_lock(database: Path, api_url: str, log: Path) -> subprocess.Popen[str]:
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            env=bot_env(database, api_url),
            cwd=database.parent,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    deadline = time.monotonic() + 30
    # The lock is taken before the database is opened and Telegram is asked: once the bot
    # says it cannot reach Telegram, it holds it.
    while "cannot reach Telegram" not in log.read_text(encoding="utf-8"):
        assert process.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, "the bot did not start"
        time.sleep(0.05)
    return process


def test_a_second_bot_and_a_restore_are_refused_while_the_bot_runs(tmp_path: Path) -> None:
    live = tmp_path / "data" / "jolserik.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    asyncio.run(seed_users(live, range(1, 4)))
    assert run_cli(live, "backup", str(backup)).returncode == 0
    asyncio.run(delete_and_add(live, delete=2, add=4))
    api_url = dead_api_url()

    first = start_bot_holding_the_lock(live, api_url, tmp_path / "first.log")
    try:
        second = run_bot(cwd=tmp_path, env=bot_env(live, api_url))
        assert_one_line_error(
            second,
            "jolserik: cannot start: another instance is running:",
            f"{live} is in use by pid {first.pid}",
            f"{live}.lock",
        )
        assert "cannot reach Telegram" not in second.stderr  # it stopped before trying

        refused = run_cli(live, "restore", str(backup), "--yes")
        assert_one_line_error(refused, "the bot is running", f"pid {first.pid}", "stop the bot")
        assert user_ids(live) == [1, 3, 4]
        assert not list(live.parent.glob("*before-restore*"))
    finally:
        first.kill()  # SIGKILL: no clean-up code runs; the OS drops the lock with the process
        first.wait(timeout=10)

    restored = run_cli(live, "restore", str(backup), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert user_ids(live) == [1, 2, 3]
    # ...and the restore gave the lock back: the bot starts again on the restored file.
    again = start_bot_holding_the_lock(live, api_url, tmp_path / "again.log")
    again.terminate()
    assert again.wait(timeout=20) == 0
