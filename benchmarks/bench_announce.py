"""Announcement delivery benchmark (issues 13, 16): 100,000 recipients through the real engine.

What is measured
    Setup (not timed): a fresh SQLite file in a temporary directory (`Database.open` runs the
    migrations) with `--users` onboarded users (kk/ru/en and worker/family/other at random)
    inserted in bulk. Quiet hours are off (00:00-00:00), so the figures do not depend on the
    hour in Seoul and Almaty. The fake Bot API (`FakeTelegramSession`) answers every call after
    a latency drawn uniformly from `--latency-ms` (30-80 ms), notes when each message arrives,
    and forgets it (so its own memory does not count against the bot's).

    1. Ceiling: the sender's pace raised (`--ceiling-pace`, 100,000/s) and `--slots` concurrent
       sends (96: at ~55 ms a call, 96 in flight allow ~1,700/s). `AnnouncementEngine.create`
       to every user, background runner. Confirm -> first message: wall time from calling
       `create()` (which materializes all recipients in one transaction) until the fake API
       receives the first message. Throughput = messages / (last - first arrival). Event-loop
       lag (a 10 ms ticker) during `create()` shows whether it holds up other work.
       Baseline: right after, the same messages (same users, same per-language versions, a new
       fake API with the same latency, the same sender pace) sent by a bare loop over
       `TelegramSender.send_version` holding `--slots` sends in flight with an
       `asyncio.Semaphore`: no queue table, no claims, no recording. It too must deliver exactly
       one message per user, in their language. Engine / baseline = the share of the bare
       sending rate the engine keeps.
       Repetitions: `--reps` pairs (engine, baseline, engine, baseline, ...) in this one process,
       each on `--rep-users` users (20,000: a pair at 100,000 takes over 2 minutes);
       every engine repetition has a new database file (users, one announcement, its recipient
       rows) and is deleted after, so no repetition sees another's rows.
    2. Production pace: a second announcement to every user at 25 msg/s (the default) with the
       production slots (none given: sends in flight follow the sender's measured round trip,
       issue 16), for `--window` s (60), then cancelled (the cancel of ~98,500 pending rows is
       timed). Meanwhile the real `ReminderEngine` (APScheduler timer) shares the same
       `TelegramSender` and delivers `--reminders` personal reminders falling due at random
       whole seconds inside the window; lateness = arrival - due. Achieved rate = every message
       (announcement and reminders) over the window, and the announcement's alone. Sends in
       flight: the fake counts the send calls under way when each one starts (peak, mean) and
       notes the sender's `in_flight_target()`.
       2b. The same at a steady `--pace-latency-ms` (300 ms) round trip (issue 16): with a
       fixed 4 in flight the sender could not pass 4 / 0.3 s = 13.3 msg/s; the rate must be
       within 2 % of the pace. The cancel here is not reported (same as above).
    3. Kill -9 and resume: `tests/announce_worker.py` (the engine in its own process, SystemClock,
       the same latency, `--slots` slots) on a new database of `--kill-users` users, killed with
       SIGKILL `--kills` times at random moments, then restarted until done. Its fake API logs
       each delivery before answering. Duplicates = chats in the log more than once.

    Peak RSS is `ru_maxrss` of this process at the end (100,000 users, two announcements of
    100,000 recipients, the reminders engine).

Correctness: phase 1 delivers exactly one message to every user, in their language, and ends
DONE; phase 2 delivers every reminder once; phase 3 has no duplicates and every recipient ends
sent or failed ("interrupted", at most slots per kill); every baseline run and repetition
delivers exactly one message to every user, in their language. Figures only: nothing is asserted
on time.

    python benchmarks/bench_announce.py [--users 100000] [--slots 96] [--window 60] [--seed 13]
                                        [--reps 3] [--rep-users 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiogram.methods import SendMessage, TelegramMethod  # noqa: E402

from benchmarks.inflight import InFlightSession  # noqa: E402
from bot.announcements.delivery import AnnouncementEngine  # noqa: E402
from bot.announcements.model import (  # noqa: E402
    Announcement,
    ContentKind,
    Draft,
    Status,
    Version,
)
from bot.app import build_bot  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.i18n import build_i18n  # noqa: E402
from bot.offline.fakeapi import FAKE_TOKEN, StoredMessage  # noqa: E402
from bot.reminders.engine import ReminderEngine  # noqa: E402
from bot.reminders.rules import QuietHours  # noqa: E402
from bot.reminders.sender import TelegramSender  # noqa: E402
from storage.announcements import AnnouncementRepository  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.reminders import NewReminder, ReminderRepository  # noqa: E402
from storage.users import UserRepository  # noqa: E402

LANGUAGES = ("kk", "ru", "en")
AUDIENCES = ("worker", "family", "other")
NO_QUIET = QuietHours(clock_time(0, 0), clock_time(0, 0))
PACE = 25.0  # TelegramSender's default: the production pace
WORKER = ROOT / "tests" / "announce_worker.py"
STAFF_ID = 990_000_001


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class TimedSession(InFlightSession):
    """The fake Bot API with latency, noting each arrival (chat, first word, wall time) and
    forgetting the message itself."""

    arrivals: list[tuple[int, str, float]] = field(default_factory=list)

    def remember(self, message: StoredMessage) -> None:
        pass  # 100,000 stored messages would be the fake's memory, not the bot's

    def arrived(self, method: TelegramMethod[Any], result: Any, started: float) -> None:
        if isinstance(method, SendMessage):
            self.arrivals.append((int(method.chat_id), method.text[:8], time.time()))


def version_text(locale: str) -> str:
    return f"{locale}: " + "Жолсерік хабарламасы. " * 8


def announcement_draft() -> Draft:
    bold = ({"type": "bold", "offset": 0, "length": 3},)
    versions = {
        locale: Version(locale, ContentKind.TEXT, version_text(locale), bold)
        for locale in LANGUAGES
    }
    return Draft(versions, fallback_locale="ru", urgent=False)


async def loop_lag(stop: asyncio.Event, lags_ms: list[float], interval: float = 0.01) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(interval)
        lags_ms.append((loop.time() - before - interval) * 1000)


async def seed_users(db: Database, count: int, rng: random.Random) -> dict[int, str]:
    now = int(time.time())
    language_of = {1_000_000 + i: rng.choice(LANGUAGES) for i in range(count)}
    await db.execute_many(
        "INSERT INTO users (id, language, audience, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(uid, lang, rng.choice(AUDIENCES), now, now) for uid, lang in language_of.items()],
    )
    return language_of


async def ceiling(args: argparse.Namespace, db: Database, language_of: dict[int, str]) -> dict:
    latency = (args.latency_ms[0] / 1000, args.latency_ms[1] / 1000)
    session = TimedSession(record_calls=False, latency=lambda: random.uniform(*latency))
    bot = build_bot(FAKE_TOKEN, session=session)
    engine = AnnouncementEngine(
        AnnouncementRepository(db),
        UserRepository(db),
        SystemClock(),
        default_locale="kk",
        quiet_hours=NO_QUIET,
        slots=args.slots,
    )
    ended = asyncio.Event()

    async def on_progress(announcement: Announcement) -> None:
        if announcement.status is Status.DONE:
            ended.set()

    engine.on_progress = on_progress
    await engine.start(TelegramSender(bot, per_second=args.ceiling_pace), run_timer=True)
    gc.collect()
    gc.freeze()  # as bot/runner.py does: start-up objects leave the collector's view

    stop, lags = asyncio.Event(), []
    ticker = asyncio.create_task(loop_lag(stop, lags))
    confirm = time.time()
    created = await engine.create(announcement_draft(), by=STAFF_ID)
    create_s = time.time() - confirm
    stop.set()
    await ticker
    while not session.arrivals:  # noqa: ASYNC110 - polling the fake's list is the point
        await asyncio.sleep(0.001)
    first_s = session.arrivals[0][2] - confirm
    await asyncio.wait_for(ended.wait(), timeout=len(language_of) / 200 + 120)
    await engine.shutdown()

    times = [moment for _, _, moment in session.arrivals]
    per_chat = Counter(chat for chat, _, _ in session.arrivals)
    wrong_language = sum(
        1 for chat, head, _ in session.arrivals if not head.startswith(language_of[chat])
    )
    done = await engine.get(created.id)
    assert done is not None
    return {
        "recipients": created.counts.total,
        "create_s": create_s,
        "first_s": first_s,
        "create_lag_max_ms": max(lags, default=0.0),
        "throughput": (len(times) - 1) / (times[-1] - times[0]),
        "duration_s": times[-1] - times[0],
        "exactly_once": set(per_chat.values()) == {1} and len(per_chat) == len(language_of),
        "wrong_language": wrong_language,
        "status": done.status.value,
        "counts": done.counts,
    }


async def bare_baseline(args: argparse.Namespace, language_of: dict[int, str]) -> dict:
    """The ceiling's work without the engine: the same versions to the same users through the
    same sender and fake API, `--slots` in flight, nothing read or written in SQLite."""
    latency = (args.latency_ms[0] / 1000, args.latency_ms[1] / 1000)
    session = TimedSession(record_calls=False, latency=lambda: random.uniform(*latency))
    sender = TelegramSender(build_bot(FAKE_TOKEN, session=session), per_second=args.ceiling_pace)
    draft = announcement_draft()
    slots = asyncio.Semaphore(args.slots)
    outcomes: Counter[str] = Counter()
    running: set[asyncio.Task[None]] = set()

    async def send(user_id: int, locale: str) -> None:
        try:
            result = await sender.send_version(user_id, draft.version_for(locale))
            outcomes[result.outcome.value] += 1
        finally:
            slots.release()

    gc.collect()
    gc.freeze()
    for user_id, locale in language_of.items():
        await slots.acquire()
        task = asyncio.create_task(send(user_id, locale))
        running.add(task)
        task.add_done_callback(running.discard)
    while running:
        await asyncio.gather(*running)

    times = [moment for _, _, moment in session.arrivals]
    per_chat = Counter(chat for chat, _, _ in session.arrivals)
    return {
        "recipients": len(language_of),
        "throughput": (len(times) - 1) / (times[-1] - times[0]),
        "duration_s": times[-1] - times[0],
        "exactly_once": set(per_chat.values()) == {1} and len(per_chat) == len(language_of),
        "wrong_language": sum(
            1 for chat, head, _ in session.arrivals if not head.startswith(language_of[chat])
        ),
        "outcomes": dict(outcomes),
    }


def remove_database(path: Path) -> None:
    """The file and its -wal / -shm companions, so the next repetition starts from nothing."""
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()


async def repetitions(args: argparse.Namespace, workdir: Path) -> list[tuple[dict, dict]]:
    """`--reps` pairs, interleaved: engine (new database each time), then the bare baseline."""
    pairs = []
    for rep in range(args.reps):
        path = workdir / f"rep{rep}.sqlite3"
        db = await Database.open(path)
        language_of = await seed_users(db, args.rep_users, random.Random(args.seed))
        engine = await ceiling(args, db, language_of)
        await db.close()
        remove_database(path)
        pairs.append((engine, await bare_baseline(args, language_of)))
    return pairs


def delivered_ok(run: dict) -> bool:
    """Exactly one message per user, each in their language; every send recorded as sent (the
    engine: its counts, and the announcement DONE; the baseline: the sender's outcomes)."""
    once = run["exactly_once"] and run["wrong_language"] == 0
    if "counts" in run:
        return once and run["status"] == "done" and run["counts"].sent == run["recipients"]
    return once and run["outcomes"] == {"sent": run["recipients"]}


def latency_text(latency: float | tuple[float, float]) -> str:
    if isinstance(latency, tuple):
        return f"{latency[0] * 1000:g}-{latency[1] * 1000:g} ms"
    return f"{latency * 1000:g} ms fixed"


async def production_pace(
    args: argparse.Namespace,
    db: Database,
    language_of: dict[int, str],
    latency: float | tuple[float, float],
) -> dict:
    if isinstance(latency, tuple):
        low, high = latency
        session = TimedSession(record_calls=False, latency=lambda: random.uniform(low, high))
    else:
        session = TimedSession(record_calls=False, latency=latency)
    bot = build_bot(FAKE_TOKEN, session=session)
    sender = TelegramSender(bot, per_second=PACE)
    session.sender = sender
    clock = SystemClock()
    users = UserRepository(db)
    reminders = ReminderEngine(
        ReminderRepository(db), users, build_i18n("kk"), clock, grace_seconds=3600
    )
    await reminders.start(bot, run_timer=True, sender=sender)
    engine = AnnouncementEngine(
        AnnouncementRepository(db),
        users,
        clock,
        default_locale="kk",
        quiet_hours=NO_QUIET,
        on_unreachable=reminders.cancel_all,  # no `slots`: as in production
    )
    await engine.start(sender, run_timer=True)

    rng = random.Random(args.seed)
    begin = int(time.time()) + 1
    due = sorted(begin + rng.randint(3, args.window - 3) for _ in range(args.reminders))
    targets = rng.sample(sorted(language_of), args.reminders)
    await reminders.schedule_many(
        [
            NewReminder(uid, "custom", {"text": f"R{n}"}, at, at, True)
            for n, (uid, at) in enumerate(zip(targets, due, strict=True))
        ]
    )
    await asyncio.sleep(max(begin - time.time(), 0))
    created = await engine.create(announcement_draft(), by=STAFF_ID)
    window_start = time.time()
    await asyncio.sleep(args.window)
    window_end = time.time()
    cancel_started = time.perf_counter()
    await engine.cancel(created.id)
    cancel_s = time.perf_counter() - cancel_started
    await asyncio.sleep(1)
    await engine.shutdown()
    await reminders.shutdown()

    in_window = [a for a in session.arrivals if window_start <= a[2] <= window_end]
    announcement = [a for a in in_window if not a[1].startswith("⏰")]
    reminder_arrivals = [a for a in session.arrivals if a[1].startswith("⏰")]
    due_of = dict(zip(targets, due, strict=True))
    lateness = [moment - due_of[chat] for chat, _, moment in reminder_arrivals]
    announcement_times = [moment for _, _, moment in announcement]
    total_times = [moment for _, _, moment in in_window]
    cancelled = await engine.get(created.id)
    assert cancelled is not None
    seen = session.in_flight_seen
    announced = [chat for chat, head, _ in session.arrivals if not head.startswith("⏰")]
    return {
        "latency": latency,
        # Every announcement message the fake received went to a different user, and each is
        # counted as sent: nothing sent twice, nothing sent but unrecorded.
        "announcement_once": len(set(announced)) == len(announced) == cancelled.counts.sent,
        "load_avg": os.getloadavg(),
        "in_flight_peak": max(seen, default=0),
        "in_flight_mean": sum(seen) / len(seen) if seen else float("nan"),
        "targets": (min(session.targets, default=0), max(session.targets, default=0)),
        "rtt_mean_ms": (sender.round_trip.mean or 0.0) * 1000,
        "rtt_estimate_ms": sender.round_trip.estimate * 1000,
        "window_s": window_end - window_start,
        "rate_all": (len(total_times) - 1) / (total_times[-1] - total_times[0]),
        "rate_announcement": (len(announcement_times) - 1)
        / (announcement_times[-1] - announcement_times[0]),
        "sent": cancelled.counts.sent,
        "cancelled": cancelled.counts.cancelled,
        "cancel_s": cancel_s,
        "reminders_delivered": len(reminder_arrivals),
        "reminders_once": len({chat for chat, _, _ in reminder_arrivals}) == len(reminder_arrivals),
        "late_p50": pct(lateness, 50),
        "late_p99": pct(lateness, 99),
        "late_max": max(lateness, default=float("nan")),
    }


def kill_and_resume(args: argparse.Namespace, workdir: Path) -> dict:
    db_path, log_path = workdir / "kill.sqlite3", workdir / "kill.log"

    async def prepare() -> None:
        db = await Database.open(db_path)
        await seed_users(db, args.kill_users, random.Random(args.seed))
        engine = AnnouncementEngine(
            AnnouncementRepository(db),
            UserRepository(db),
            SystemClock(),
            default_locale="kk",
            quiet_hours=NO_QUIET,
        )
        await engine.create(announcement_draft(), by=STAFF_ID)
        await db.close()

    asyncio.run(prepare())
    command = [
        sys.executable,
        str(WORKER),
        str(db_path),
        str(log_path),
        "--slots",
        str(args.slots),
        "--pace",
        str(args.ceiling_pace),
        "--latency-ms",
        *(str(ms) for ms in args.latency_ms),
    ]

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        return process

    def open_rows() -> int:
        with sqlite3.connect(db_path) as conn:
            return int(
                conn.execute(
                    "SELECT COUNT(*) FROM announcement_recipients"
                    " WHERE status IN ('pending', 'sending')"
                ).fetchone()[0]
            )

    rng = random.Random(args.seed)
    for _ in range(args.kills):
        worker = start()
        time.sleep(rng.uniform(1.0, 3.0))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    final = start()
    while open_rows():
        time.sleep(0.2)
    final.send_signal(signal.SIGTERM)
    final.wait(timeout=20)

    delivered = Counter(int(line) for line in log_path.read_text(encoding="utf-8").split())
    with sqlite3.connect(db_path) as conn:
        statuses = Counter(
            dict(conn.execute("SELECT status, COUNT(*) FROM announcement_recipients GROUP BY 1"))
        )
        sent_ids = [
            row[0]
            for row in conn.execute(
                "SELECT user_id FROM announcement_recipients WHERE status = 'sent'"
            )
        ]
    return {
        "recipients": args.kill_users,
        "kills": args.kills,
        "duplicates": sum(1 for n in delivered.values() if n > 1),
        "statuses": dict(statuses),
        "sent_seen_once": all(delivered[uid] == 1 for uid in sent_ids),
        "loss_bound": args.kills * args.slots,
    }


async def main_async(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    db = await Database.open(workdir / "announce.sqlite3")
    language_of = await seed_users(db, args.users, random.Random(args.seed))
    results: dict[str, Any] = {"ceiling": await ceiling(args, db, language_of)}
    results["rss_before_baseline"] = peak_rss_mb()
    results["baseline"] = await bare_baseline(args, language_of)
    results["rss_after_baseline"] = peak_rss_mb()
    latency = (args.latency_ms[0] / 1000, args.latency_ms[1] / 1000)
    results["pace"] = await production_pace(args, db, language_of, latency)
    if args.pace_latency_ms > 0:
        steady = args.pace_latency_ms / 1000
        results["pace_steady"] = await production_pace(args, db, language_of, steady)
    await db.close()
    return results


def print_pace(args: argparse.Namespace, label: str, p: dict[str, Any]) -> None:
    print(
        f"{label} production pace {PACE:g}/s, adaptive slots, {p['window_s']:.0f} s window,"
        f" latency {latency_text(p['latency'])}"
    )
    ok = abs(p["rate_all"] - PACE) / PACE <= 0.02
    print(
        f"   achieved {p['rate_all']:.2f} msg/s in all ({p['rate_announcement']:.2f}"
        f" announcement)  [{'PASS' if ok else 'MISS'} within 2 %]"
    )
    low, high = p["targets"]
    print(
        f"   sends in flight (both engines): peak {p['in_flight_peak']}, mean"
        f" {p['in_flight_mean']:.1f}; sender's target {low}-{high}; round trip mean"
        f" {p['rtt_mean_ms']:.0f} ms, planned with {p['rtt_estimate_ms']:.0f} ms;"
        f" load average {p['load_avg'][0]:.2f} / {p['load_avg'][1]:.2f} at the end"
    )
    print(
        f"   reminders due during it: {p['reminders_delivered']}/{args.reminders} delivered,"
        f" once each: {p['reminders_once']}; lateness p50 {p['late_p50']:.2f} s,"
        f" p99 {p['late_p99']:.2f} s, max {p['late_max']:.2f} s"
        f"  [{'PASS' if p['late_p99'] < 2 else 'MISS'} p99 < 2 s]"
    )
    once = p["announcement_once"] and p["reminders_once"]
    once = once and p["reminders_delivered"] == args.reminders
    print(
        f"   every reminder delivered once, every announcement message to a different user and"
        f" recorded sent ({p['sent']:,}): {'PASS' if once else 'MISS'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--slots", type=int, default=96)
    parser.add_argument("--ceiling-pace", type=float, default=100_000.0)
    parser.add_argument("--latency-ms", type=float, nargs=2, default=(30.0, 80.0))
    parser.add_argument(
        "--pace-latency-ms",
        type=float,
        default=300.0,
        help="phase 2b: the production pace at this steady round trip (300; 0: skip)",
    )
    parser.add_argument("--window", type=int, default=60)
    parser.add_argument("--reminders", type=int, default=120)
    parser.add_argument("--kill-users", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--reps", type=int, default=3, help="engine/baseline pairs, interleaved")
    parser.add_argument("--rep-users", type=int, default=20_000, help="users per repetition")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-announce-") as tmp:
        workdir = Path(tmp)
        results = asyncio.run(main_async(args, workdir))
        rss = peak_rss_mb()
        results["reps"] = asyncio.run(repetitions(args, workdir)) if args.reps > 0 else []
        results["kill"] = kill_and_resume(args, workdir)

    c, p, k = results["ceiling"], results["pace"], results["kill"]
    b, pairs = results["baseline"], results["reps"]
    print(
        f"bench_announce  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {platform.python_version()}"
        f"  {os.cpu_count()} cores  latency {args.latency_ms[0]:g}-{args.latency_ms[1]:g} ms"
    )
    print(f"1. ceiling: {c['recipients']:,} recipients, {args.slots} slots, pace raised")
    print(
        f"   create() with materialization  {c['create_s'] * 1000:.0f} ms"
        f" (event-loop lag max {c['create_lag_max_ms']:.0f} ms)"
    )
    print(
        f"   staff confirm -> first message {c['first_s'] * 1000:.0f} ms"
        f"  [{'PASS' if c['first_s'] < 1 else 'MISS'} < 1 s]"
    )
    print(
        f"   throughput {c['throughput']:,.0f} msg/s over {c['duration_s']:.1f} s"
        f"  [{'PASS' if c['throughput'] >= 1000 else 'MISS'} >= 1,000]"
    )
    print(
        f"   exactly once each: {c['exactly_once']}, wrong language: {c['wrong_language']},"
        f" status {c['status']}, counts {c['counts']}"
    )
    print(
        f"   baseline (bare send_version loop, {args.slots} in flight, no SQLite):"
        f" {b['throughput']:,.0f} msg/s over {b['duration_s']:.1f} s;"
        f" exactly once each in their language, all sent: {delivered_ok(b)}"
    )
    print(
        f"   engine / baseline {c['throughput'] / b['throughput']:.2f}"
        f"  (peak RSS {results['rss_before_baseline']:.0f} MB before the baseline,"
        f" {results['rss_after_baseline']:.0f} MB after)"
    )
    if pairs:
        print(
            f"   repetitions, interleaved engine/baseline, {args.rep_users:,} recipients each"
            " (smaller than above, to keep the run short; new database per engine run):"
        )
        for n, (engine, bare) in enumerate(pairs, 1):
            print(
                f"     {n}: engine {engine['throughput']:,.0f} msg/s,"
                f" baseline {bare['throughput']:,.0f} msg/s,"
                f" ratio {engine['throughput'] / bare['throughput']:.2f};"
                f" delivered correctly: {delivered_ok(engine)} / {delivered_ok(bare)}"
            )
        engines = [engine["throughput"] for engine, _ in pairs]
        bares = [bare["throughput"] for _, bare in pairs]
        ratios = [e / r for e, r in zip(engines, bares, strict=True)]
        print(
            f"     range: engine {min(engines):,.0f}-{max(engines):,.0f},"
            f" baseline {min(bares):,.0f}-{max(bares):,.0f},"
            f" ratio {min(ratios):.2f}-{max(ratios):.2f}"
        )
    print_pace(args, "2.", p)
    print(
        f"   cancel: {p['cancelled']:,} pending rows cancelled in {p['cancel_s'] * 1000:.0f} ms"
        f" ({p['sent']:,} sent)"
    )
    if "pace_steady" in results:
        print_pace(args, "2b.", results["pace_steady"])
    print(f"   peak RSS {rss:.0f} MB  [{'PASS' if rss < 300 else 'MISS'} < 300 MB]")
    print(
        f"3. kill -9 x{k['kills']} and resume, {k['recipients']:,} recipients: duplicates"
        f" {k['duplicates']}  [{'PASS' if k['duplicates'] == 0 else 'MISS'} 0];"
        f" final {k['statuses']}; interrupted <= {k['loss_bound']}:"
        f" {k['statuses'].get('failed', 0) <= k['loss_bound']};"
        f" every 'sent' seen once: {k['sent_seen_once']}"
    )


if __name__ == "__main__":
    main()
