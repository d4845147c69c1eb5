"""One process per database: an OS lock on `<database>.lock`, held for the process's life.

`python -m bot` takes it before opening the database and keeps it until it exits; `restore`
takes it for the length of the restore. A second bot, or a restore under a running bot, finds
it taken and stops with one line. The lock is `flock(LOCK_EX | LOCK_NB)` on the open file, so
the kernel drops it with the process however that ends (exit, crash, kill -9); a lock file left
on disk means nothing by itself and is never deleted (deleting it would let two processes lock
two different files of the same name). The file holds the owner's pid, for the message only.

Local file systems only: flock over NFS is not reliable. No aiogram here: operator commands
import this module and must start fast.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, as before this module existed
    fcntl = None  # type: ignore[assignment]


class InstanceLocked(Exception):
    """Another process holds the database's lock. `str()` is one line: "<db> is in use by
    pid N (lock <db>.lock)"; callers say what the operator should do about it."""

    def __init__(self, database: Path, path: Path, owner: str) -> None:
        super().__init__(f"{database} is in use by {owner} (lock {path})")
        self.database = database
        self.path = path
        self.owner = owner


def lock_path(database: Path) -> Path:
    """`data/jolserik.sqlite3` -> `data/jolserik.sqlite3.lock`."""
    return database.with_name(database.name + ".lock")


class InstanceLock:
    """The lock, once taken; `release()` (or process exit) gives it back."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def _open(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except PermissionError:
        # Created by another user (say, a restore run as root): flock works on a read-only
        # descriptor too; only the pid note is skipped.
        return os.open(path, os.O_RDONLY)


def _owner(path: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(path.read_text(encoding="ascii").strip())
        return f"pid {pid}"
    return "another process"


def acquire(database: Path) -> InstanceLock:
    """Take the lock for `database` or raise `InstanceLocked` naming who holds it."""
    path = lock_path(database)
    if fcntl is None:  # pragma: no cover
        return InstanceLock(path, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InstanceLocked(database, path, _owner(path)) from None
    except BaseException:
        os.close(fd)
        raise
    with contextlib.suppress(OSError):  # the pid is a courtesy; the flock is the lock
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return InstanceLock(path, fd)


@contextlib.contextmanager
def held(database: Path) -> Iterator[InstanceLock]:
    """`with held(db):` the lock for the block's length."""
    lock = acquire(database)
    try:
        yield lock
    finally:
        lock.release()
