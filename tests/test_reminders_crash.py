"""Kill -9 the reminders process mid-delivery, again and again: nothing is ever sent twice,
everything ends in a final state, and each crash costs at most the deliveries in flight."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from storage.db import Database
from storage.reminders import NewReminder, ReminderRepository
from storage.users import UserRepository

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "tests" / "reminder_worker.py"
REMINDERS = 240
KILLS = 5
# Deliveries in flight follow the sender's round trip (bot/reminders/sender.py); the worker caps
# them here, so each kill interrupts at most this many.
MAX_IN_FLIGHT = 8


def start_worker(db_path: Path, log_path: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and helper script
        [sys.executable, str(WORKER), str(db_path), str(log_path), str(MAX_IN_FLIGHT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the engine has armed everything
    assert line.strip() == "ready", process.stderr.read() if process.stderr else line
    return process


def statuses(db_path: Path) -> Counter[str]:
    with sqlite3.connect(db_path) as conn:
        return Counter(dict(conn.execute("SELECT status, COUNT(*) FROM reminders GROUP BY status")))


@pytest.fixture
async def seeded(tmp_path: Path) -> Path:
    db_path = tmp_path / "crash.sqlite3"
    db = await Database.open(db_path)
    now = int(time.time())
    users = UserRepository(db)
    for user_id in range(1, 41):
        await users.register(user_id, now=now)
    await ReminderRepository(db).create_many(
        [
            NewReminder(
                user_id=1 + n % 40,
                kind="custom",
                payload={"text": f"R{n}"},
                due_at=now - 5,
                fire_at=now - 5,
                urgent=True,
            )
            for n in range(REMINDERS)
        ],
        now=now,
    )
    await db.close()
    return db_path


def test_kill_nine_never_repeats_a_reminder(seeded: Path, tmp_path: Path) -> None:
    log_path = tmp_path / "delivered.log"
    rng = random.Random(20261121)
    for _ in range(KILLS):
        worker = start_worker(seeded, log_path)
        time.sleep(rng.uniform(0.05, 0.25))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

    final = start_worker(seeded, log_path)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            counts = statuses(seeded)
            if not counts.get("pending") and not counts.get("sending"):
                break
            time.sleep(0.1)
    finally:
        final.send_signal(signal.SIGTERM)
        final.wait(timeout=10)

    delivered = (
        Counter(log_path.read_text(encoding="utf-8").split()) if log_path.exists() else Counter()
    )
    repeated = {text: n for text, n in delivered.items() if n > 1}
    assert not repeated, f"delivered more than once: {repeated}"

    with sqlite3.connect(seeded) as conn:
        rows = conn.execute("SELECT payload, status, last_error FROM reminders").fetchall()
    final_counts = Counter(status for _, status, _ in rows)
    assert set(final_counts) <= {"sent", "failed"}, final_counts
    assert final_counts["sent"] + final_counts["failed"] == REMINDERS
    interrupted = [row for row in rows if row[1] == "failed"]
    assert all(error == "interrupted" for _, _, error in interrupted)
    assert len(interrupted) <= KILLS * MAX_IN_FLIGHT
    for payload, status, _ in rows:
        text = payload.split('"text":"')[1].split('"')[0]
        if status == "sent":
            assert delivered[text] == 1, text  # everything recorded as sent was seen once
    assert os.path.getsize(log_path) > 0
