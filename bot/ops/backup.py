"""Operator commands: `python -m bot backup`, `restore` and `stats`.

Why the SQLite backup API and not `cp`: the bot keeps its database in WAL mode, so the newest
commits may live only in `<db>-wal`, and a file copy taken while the bot writes can be torn.
`sqlite3.Connection.backup` copies a consistent snapshot through SQLite itself; done in one step,
it reads a single WAL snapshot, and WAL readers never block the bot's writer. The backup runs no
statement that writes to the live database. (It opens it read-write all the same: a read-only
connection leaves an empty -wal and -shm behind when the bot is stopped, and a leftover -wal is
exactly what an operator looks at to see whether the bot stopped cleanly. Opened read-write, the
last connection to close removes them, as the bot's own does.)

Backups are plain single files (journal mode DELETE, no `-wal` beside them), checked with
`PRAGMA integrity_check` before they get their final name: a file that exists under the name you
asked for is a complete, verified copy. The same holds for a restore, which also keeps the
database it replaces next to it (`<name>.before-restore-<UTC time>`), so no restore loses data.

Everything here is synchronous: these are one-shot CLI commands with nothing else to run.
Problems the operator can fix (missing file, existing target, a backup that is not a Jolserik
database) raise `OpsError` with a one-line message; the CLI prints it and exits with 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.ops import instance_lock
from bot.ops.stats import collect_from_file, format_stats

# What a restore moves aside besides the database file itself: SQLite's WAL and its index.
SIDE_FILES = ("-wal", "-shm")


class OpsError(Exception):
    """Something the operator can fix; the message is one line that says what and where."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size: int
    schema_version: int


@dataclass(frozen=True, slots=True)
class RestoreResult:
    database: Path
    backup: Path
    schema_version: int
    # Original path -> where it was moved; empty when there was no database to replace.
    moved_aside: dict[Path, Path]


def _uri(path: Path, mode: str) -> str:
    # A URI so that "ro" can be asked for; as_uri() escapes spaces, '?' and '#' in the path.
    return f"{path.resolve().as_uri()}?mode={mode}"


@contextlib.contextmanager
def _connect(path: Path, mode: str) -> Iterator[sqlite3.Connection]:
    """Open an existing file (never create one) and always close it: sqlite3's own context
    manager only commits, and a connection left open would keep the file locked."""
    connection = sqlite3.connect(_uri(path, mode), uri=True, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout = 5000")
        yield connection
    finally:
        connection.close()


def _schema_version(connection: sqlite3.Connection, path: Path) -> int:
    """The applied migration version; a file without `schema_migrations` is not ours."""
    try:
        has_table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ).fetchone()
    except sqlite3.DatabaseError as error:
        raise OpsError(f"{path} is not a SQLite database ({error})") from None
    if not has_table:
        raise OpsError(f"{path} is not a Jolserik database (no schema_migrations table)")
    row = connection.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise OpsError(f"{path} failed the integrity check ({error})") from None
    if [tuple(row) for row in rows] != [("ok",)]:
        first = str(rows[0][0]) if rows else "no result"
        raise OpsError(f"{path} failed the integrity check: {first}")


def _require_file(path: Path, what: str) -> None:
    if not path.exists():
        raise OpsError(f"{what} not found: {path}")
    if not path.is_file():
        raise OpsError(f"{what} is not a file: {path}")


def _fsync(path: Path) -> None:
    """Flush a finished file so that a power cut after we report success cannot lose it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_database(source: sqlite3.Connection, target: Path) -> None:
    """Copy `source` into a new single-file database at `target` (which must not exist)."""
    with _connect(target, "rwc") as destination:
        # pages=-1: the whole database in one step, so the copy is one snapshot. Step-wise
        # copying would restart whenever the bot commits and could never finish under load.
        source.backup(destination, pages=-1)
        # The copy inherits WAL mode from the live file; a backup should be one self-contained
        # file that can be moved, checksummed or uploaded without a -wal beside it.
        destination.execute("PRAGMA journal_mode = DELETE")


def _partial_name(target: Path) -> Path:
    """Work file in the target's own folder, so the final rename is atomic (same filesystem)."""
    return target.with_name(f".{target.name}.partial-{os.getpid()}")


def backup_database(database: Path, target: Path, *, force: bool = False) -> BackupResult:
    """Write a verified, consistent copy of `database` to `target`; safe while the bot runs."""
    _require_file(database, "database")
    if target.resolve() == database.resolve():
        raise OpsError(f"backup target is the database itself: {target}")
    if target.exists() or target.is_symlink():
        if target.is_dir():
            raise OpsError(f"backup target is a folder, expected a file name: {target}")
        if not force:
            raise OpsError(f"{target} already exists; choose another name or add --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial_name(target)
    partial.unlink(missing_ok=True)
    try:
        with _connect(database, "rw") as source:
            _schema_version(source, database)  # fail early on a file that is not ours
            _copy_database(source, partial)
        with _connect(partial, "ro") as copy:
            _check_integrity(copy, target)
            version = _schema_version(copy, target)
        # The copy holds everything the database holds: keep it as private as the original.
        os.chmod(partial, database.stat().st_mode & 0o777)
        _fsync(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(path=target, size=target.stat().st_size, schema_version=version)


def verify_backup(backup: Path) -> int:
    """Check that `backup` is an intact Jolserik database this code can run; return its version."""
    from storage.db import load_migrations

    _require_file(backup, "backup")
    try:
        with _connect(backup, "ro") as connection:
            version = _schema_version(connection, backup)
            _check_integrity(connection, backup)
    except sqlite3.DatabaseError as error:
        raise OpsError(f"{backup} is not a SQLite database ({error})") from None
    known = len(load_migrations())
    if version > known:
        raise OpsError(
            f"{backup} has schema version {version}, but this code knows only up to {known}: "
            "restore it with the version of the bot that wrote it"
        )
    return version


def _aside_name(path: Path, database: Path, stamp: str) -> Path:
    """`x.sqlite3` -> `x.sqlite3.before-restore-<stamp>`, and its `-wal` -> `...<stamp>-wal`.

    The WAL keeps SQLite's naming relative to the moved database, so opening the moved-aside
    file still sees the commits that were only in its WAL.
    """
    suffix = path.name[len(database.name) :]
    return database.with_name(f"{database.name}.before-restore-{stamp}{suffix}")


def restore_database(backup: Path, database: Path, *, now: datetime | None = None) -> RestoreResult:
    """Put a verified copy of `backup` at `database`; the replaced files are kept aside.

    The bot must be stopped: a running bot keeps its old file open and would go on writing to
    the moved-aside copy. A bot on this machine holds `<database>.lock` (see `instance_lock`),
    so a restore under it is refused; the restore holds that lock itself while it works, so
    the bot cannot start half-way. A -wal alone cannot tell a running bot from a crashed one,
    and a bot elsewhere (another host on a shared disk, a version before the lock) is not
    seen, so the CLI still asks the operator to confirm with --yes.
    """
    version = verify_backup(backup)
    if database.resolve() == backup.resolve():
        raise OpsError(f"the backup is the database itself: {backup}")
    if database.is_dir():
        raise OpsError(f"DATABASE_PATH is a folder: {database}")
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        lock = instance_lock.acquire(database)
    except instance_lock.InstanceLocked as error:
        raise OpsError(f"the bot is running: {error}; stop the bot first") from None
    try:
        return _replace(backup, database, version, now)
    finally:
        lock.release()


def _replace(backup: Path, database: Path, version: int, now: datetime | None) -> RestoreResult:
    """The restore proper, under the instance lock."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    present = [
        path
        for path in [database, *(database.with_name(database.name + s) for s in SIDE_FILES)]
        if path.exists()
    ]
    moves = {path: _aside_name(path, database, stamp) for path in present}
    if taken := [str(aside) for aside in moves.values() if aside.exists()]:
        raise OpsError(f"{taken[0]} already exists; wait a second and run restore again")

    partial = _partial_name(database)
    partial.unlink(missing_ok=True)
    try:
        with _connect(backup, "ro") as source:
            _copy_database(source, partial)
        with _connect(partial, "ro") as copy:
            _check_integrity(copy, partial)
        if database.exists():
            os.chmod(partial, database.stat().st_mode & 0o777)
        _fsync(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    # Only renames from here on: the database file moves aside first, so at no moment can its
    # -wal be paired with the restored file.
    for original, aside in moves.items():
        os.replace(original, aside)
    os.replace(partial, database)
    return RestoreResult(
        database=database, backup=backup, schema_version=version, moved_aside=moves
    )


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register backup, restore and stats on the CLI's subcommand parser."""
    backup = commands.add_parser(
        "backup",
        help="write a consistent copy of the database to PATH (safe while the bot runs)",
        description="Copy DATABASE_PATH to PATH with SQLite's backup API, then check the copy.",
    )
    backup.add_argument("path", metavar="PATH", type=Path, help="file to write")
    backup.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    restore = commands.add_parser(
        "restore",
        help="replace the database with a backup (stop the bot first)",
        description=(
            "Replace DATABASE_PATH with the backup at PATH. Stop the bot first. The current "
            "database is kept as <name>.before-restore-<UTC time>."
        ),
    )
    restore.add_argument("path", metavar="PATH", type=Path, help="backup file to restore")
    restore.add_argument(
        "--yes", action="store_true", help="confirm that the bot is stopped and restore"
    )
    commands.add_parser(
        "stats",
        help="print counts of users, reminders and dialogues (no ids)",
        description="Print operational counts from DATABASE_PATH. Needs no BOT_TOKEN.",
    )


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one operator command; print its outcome; return the process exit code."""
    database = settings.database_path
    try:
        if args.command == "backup":
            written = backup_database(database, args.path, force=args.force)
            print(
                f"backup written: {written.path} ({_human_size(written.size)}, "
                f"schema version {written.schema_version}, integrity ok)"
            )
        elif args.command == "restore":
            if not args.yes:
                version = verify_backup(args.path)
                raise OpsError(
                    f"restore replaces {database}: stop the bot first, then run again with --yes"
                    f" (the backup checks out: schema version {version})"
                )
            restored = restore_database(args.path, database)
            for original, aside in restored.moved_aside.items():
                print(f"moved aside: {original} -> {aside}")
            print(
                f"restored: {restored.backup} -> {restored.database} "
                f"(schema version {restored.schema_version}); start the bot now"
            )
        elif args.command == "stats":
            _require_file(database, "database")
            print(format_stats(asyncio.run(collect_from_file(database))))
        else:  # pragma: no cover - argparse only lets the commands above through
            raise OpsError(f"unknown command {args.command}")
    except OpsError as error:
        print(f"jolserik {args.command}: {error}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as error:
        # Disk full, permissions, a locked file: not a usage error, but still one line.
        print(f"jolserik {args.command}: failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # backup and restore remove their work file on the way out (see their except clauses).
        print(f"jolserik {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0
