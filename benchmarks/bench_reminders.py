"""Reminder benchmark (issues 3, 16): re-arm 100,000 pending reminders, fire a burst on time.

What is measured
    Setup (a child process, not timed as re-arm): a fresh SQLite file in a temporary directory
    (`Database.open` runs the migrations), onboarded users (language and audience set) inserted
    in bulk, and `--reminders` pending reminders inserted with `ReminderRepository.create_many`
    (kind "custom", urgent, fire_at = due_at). All but `--burst` of them fall due days to months
    ahead; the burst falls due at uniform random whole seconds in a `--window`-second window that
    opens `--lead` seconds after setup ends (default 1,200 in 60 s: ~20/s on average, under the
    sender's pace of 25 msgs/s, with the natural clustering of random times).

    Measured run (this process, i.e. a real restart): the database is re-opened, the real app is
    built with `bot.app.build_dispatcher(..., run_timer=True)` on a SystemClock, and
    `await app.reminders.start(bot, run_timer=True)` is timed: recovery (interrupted / missed)
    plus loading the (fire_at, id) pairs into `ReminderJobStore` and starting APScheduler's
    AsyncIOScheduler. Process RSS (VmRSS) is read before and after arming.

    Then the real APScheduler timer fires the burst through `ReminderEngine.deliver` and
    `TelegramSender` into the in-process fake Bot API (`bot.offline.fakeapi.FakeTelegramSession`),
    which notes the wall time at which each sendMessage reaches it (the moment the bot puts the
    call on the wire; the fake then answers after a latency drawn uniformly from `--latency-ms`,
    30-300 ms, so each call holds its delivery slot that long). Each reminder's text carries
    its burst number, so lateness = receive time - due time (due times are whole seconds, as
    stored). Meanwhile a load task feeds synthetic updates (/start, /menu, /help, free text from
    other, onboarded users) into `app.dispatcher.feed_update` at a steady `--rate` (200/s), each
    update as its own task as aiogram's polling does, so the event loop and the single SQLite
    connection are as busy as in production. "Pace-only" lateness is what a perfect sender with
    the same pace (25/s) would achieve for the same due times: the floor set by Telegram's limit.
    "Timer" lateness is when APScheduler submitted the job versus its run time.

    Peak memory is `ru_maxrss` of this process after the run (100k armed reminders, the burst and
    the load); the setup's bulk insert ran in the child, so it does not inflate it.

    Pace at a steady round trip (issue 16), after the run: a fresh database, `--pace-reminders`
    (750) reminders all due at the same second, every call taking `--pace-latency-ms` (300) ms,
    the real engine and timer, no load. The sender's pace is then the only limit, so the
    delivery rate (request starts after the first second, (n - 1) / (last - first)) must be
    within 2 % of 25 msg/s; with a fixed 4 in flight it could not pass 4 / 0.3 s = 13.3 msg/s.
    Sends in flight: the fake counts the reminder calls under way when each one starts and
    notes the sender's `in_flight_target()` (it follows the measured round trip).

Correctness
    Every burst reminder must reach the fake API exactly once and be 'sent' in SQLite; every
    future reminder must still be 'pending'. In the pace run, every reminder exactly once, 'sent'.

Targets (issue 3, 2-core machine): re-arm < 3 s, peak RSS < 300 MB, >= 99% of burst reminders
within 2 s of their due time; (issue 16) the pace within 2 % at 300 ms round trips. PASS/MISS is
printed; the exit status is always 0.

    python benchmarks/bench_reminders.py [--reminders 100000] [--burst N] [--users U]
        [--latency-ms 30 300] [--pace-reminders 750] [--pace-latency-ms 300]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiogram  # noqa: E402
import apscheduler  # noqa: E402
from aiogram import Bot  # noqa: E402
from aiogram.methods import SendMessage, TelegramMethod  # noqa: E402
from aiogram.types import Update  # noqa: E402
from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent  # noqa: E402

from benchmarks.inflight import InFlightSession  # noqa: E402
from bot.app import build_bot, build_dispatcher  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession  # noqa: E402
from bot.reminders.sender import TelegramSender  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.reminders import NewReminder, ReminderRepository  # noqa: E402

USER_BASE = 200_000_001  # reminder owners
LOAD_USER_BASE = 900_000_001  # users who only talk to the bot during the run
LANGUAGES = ("kk", "ru", "en")
AUDIENCES = ("worker", "family", "other")
TEXTS = ("привет", "hello", "когда билет?", "Сәлеметсіз бе", "how do I renew my visa?")
COMMANDS = ("/menu", "/help")
MARK = "bench-burst#"
MARK_RE = re.compile(re.escape(MARK) + r"(\d+)")
FUTURE_MIN_S = 2 * 86_400
FUTURE_MAX_S = 180 * 86_400
INSERT_CHUNK = 20_000
PACE_PER_S = 25.0  # TelegramSender's default

TARGET_REARM_S = 3.0
TARGET_PEAK_MB = 300.0
TARGET_ON_TIME = 0.99
ON_TIME_S = 2.0


# -- helpers ------------------------------------------------------------------------------------


def vm_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fp:
        for line in fp:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile of an unsorted list."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# -- setup (child process) ----------------------------------------------------------------------


async def setup(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    rng = random.Random(args.seed)
    db = await Database.open(Path(args.db))
    now = int(time.time())
    users = [
        (USER_BASE + i, rng.choice(LANGUAGES), rng.choice(AUDIENCES), now, now)
        for i in range(args.users)
    ]
    users += [
        (LOAD_USER_BASE + i, rng.choice(LANGUAGES), rng.choice(AUDIENCES), now, now)
        for i in range(args.load_users)
    ]
    await db.execute_many(
        "INSERT INTO users (id, language, audience, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?)",
        users,
    )
    repo = ReminderRepository(db)
    future = args.reminders - args.burst
    for start in range(0, future, INSERT_CHUNK):
        rows = []
        for i in range(start, min(future, start + INSERT_CHUNK)):
            due = now + rng.randint(FUTURE_MIN_S, FUTURE_MAX_S)
            rows.append(
                NewReminder(
                    user_id=USER_BASE + rng.randrange(args.users),
                    kind="custom",
                    payload={"text": f"bench-future#{i}"},
                    due_at=due,
                    fire_at=due,
                    urgent=True,
                )
            )
        await repo.create_many(rows, now=now)
    # The burst window is fixed last, so it opens `lead` seconds after setup has finished.
    t0 = int(time.time()) + args.lead
    burst = []
    for k in range(args.burst):
        due = t0 + rng.randrange(args.window)
        burst.append(
            NewReminder(
                user_id=USER_BASE + rng.randrange(args.users),
                kind="custom",
                payload={"text": f"{MARK}{k} due {due}"},
                due_at=due,
                fire_at=due,
                urgent=True,
            )
        )
    await repo.create_many(burst, now=now)
    counts = await repo.count_by_status()
    await db.close()
    return {
        "t0": t0,
        "dues": [r.due_at for r in burst],
        "counts": counts,
        "setup_s": time.perf_counter() - started,
        "setup_peak_mb": peak_rss_mb(),
    }


def run_setup_child(args: argparse.Namespace, db_path: Path) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--setup-child",
        "--db",
        str(db_path),
        "--reminders",
        str(args.reminders),
        "--burst",
        str(args.burst),
        "--users",
        str(args.users),
        "--load-users",
        str(args.load_users),
        "--window",
        str(args.window),
        "--lead",
        str(args.lead),
        "--seed",
        str(args.seed),
    ]
    done = subprocess.run(  # noqa: S603 - our own script with our own arguments
        command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the measured run ---------------------------------------------------------------------------


@dataclass
class TimedSession(InFlightSession):
    """The fake Bot API, noting when each reminder message arrives; keeps no chat history."""

    reminder_sends: list[tuple[int, float]] = field(default_factory=list)
    replies: int = 0
    expected: int = 0  # reminder messages to wait for
    all_sent: asyncio.Event = field(default_factory=asyncio.Event)

    def counts(self, method: TelegramMethod[Any]) -> bool:
        return isinstance(method, SendMessage) and MARK in method.text

    def arrived(self, method: TelegramMethod[Any], result: Any, started: float) -> None:
        if not isinstance(method, SendMessage):
            return
        match = MARK_RE.search(method.text)
        if match:
            self.reminder_sends.append((int(match[1]), started))
            if len(self.reminder_sends) >= self.expected:
                self.all_sent.set()
        else:
            self.replies += 1
        # Nothing edits these messages later: forget them, so memory is the bot's own.
        self.messages.pop((int(method.chat_id), getattr(result, "message_id", 0)), None)


@dataclass
class Load:
    """Synthetic users talking to the bot at a steady rate, one task per update."""

    rate: float
    users: int
    seed: int
    fed: int = 0
    done: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    started_at: float = 0.0
    stopped_at: float = 0.0

    async def run(
        self, app: Any, bot: Bot, session: FakeTelegramSession, stop: asyncio.Event
    ) -> None:
        rng = random.Random(self.seed)
        dispatcher = app.dispatcher
        pending: set[asyncio.Task[None]] = set()
        seen: set[int] = set()

        async def feed(raw: dict[str, Any]) -> None:
            start = time.perf_counter()
            try:
                await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
            except Exception:  # counted, never fatal
                self.errors += 1
            self.latencies_ms.append((time.perf_counter() - start) * 1000)
            self.done += 1

        def make(index: int) -> dict[str, Any]:
            user_id = LOAD_USER_BASE + index % self.users
            if user_id not in seen:
                seen.add(user_id)
                text = "/start"
            else:
                text = rng.choice(COMMANDS) if rng.random() < 0.5 else rng.choice(TEXTS)
            message: dict[str, Any] = {
                "message_id": session.next_message_id(user_id),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Load"},
                "from": {"id": user_id, "is_bot": False, "first_name": "Load"},
                "text": text,
            }
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
            return {"update_id": session.next_update_id(), "message": message}

        loop = asyncio.get_running_loop()
        self.started_at = loop.time()
        while not stop.is_set():
            target = int((loop.time() - self.started_at) * self.rate)
            while self.fed < target:
                task = asyncio.create_task(feed(make(self.fed)))
                pending.add(task)
                task.add_done_callback(pending.discard)
                self.fed += 1
            await asyncio.sleep(0.005)
        if pending:
            await asyncio.wait(set(pending))
        self.stopped_at = loop.time()


class GcPauses:
    """Full (generation 2) collections while installed: they stop the event loop."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses_ms.append((time.perf_counter() - self._started) * 1000)


async def loop_lag(stop: asyncio.Event, lags_ms: list[float], interval: float = 0.01) -> None:
    """How late the event loop wakes a 10 ms sleeper: how busy the loop is."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(interval)
        lags_ms.append((loop.time() - before - interval) * 1000)


def pace_only_lateness(dues: list[int], per_second: float) -> list[float]:
    """Lateness a perfect sender at `per_second` would have: one slot every 1/rate seconds."""
    interval = 1.0 / per_second
    slot = float("-inf")
    out = []
    for due in sorted(dues):
        slot = max(float(due), slot + interval)
        out.append(slot - due)
    return out


async def measured_run(
    args: argparse.Namespace, db_path: Path, info: dict[str, Any]
) -> dict[str, Any]:
    t0: int = info["t0"]
    dues: list[int] = info["dues"]
    burst = len(dues)
    window_end = max(dues) if dues else t0
    rss_start = vm_rss_mb()

    opened = time.perf_counter()
    db = await Database.open(db_path)  # a real restart: new process, new connection
    open_s = time.perf_counter() - opened
    low, high = (ms / 1000 for ms in args.latency_ms)
    session = TimedSession(
        record_calls=False, expected=burst, latency=lambda: random.uniform(low, high)
    )
    bot = build_bot(FAKE_TOKEN, session=session)
    settings = Settings(bot_token=None, database_path=db_path, default_locale="kk")
    app = build_dispatcher(settings, db, clock=SystemClock(), run_timer=True)
    engine = app.reminders

    rss_before = vm_rss_mb()
    started = time.perf_counter()
    report = await engine.start(bot, run_timer=True)
    rearm_s = time.perf_counter() - started
    rss_after = vm_rss_mb()
    session.sender = engine.sender

    timer_lag: list[float] = []

    def on_submitted(event: JobSubmissionEvent) -> None:
        submitted = time.time()
        for run_time in event.scheduled_run_times:
            timer_lag.append(submitted - run_time.timestamp())

    scheduler = engine._scheduler  # observing only: when APScheduler submits each job
    if scheduler is not None:
        scheduler.add_listener(on_submitted, EVENT_JOB_SUBMITTED)

    gc_pauses = GcPauses()
    gc.callbacks.append(gc_pauses)
    load_avg_before = os.getloadavg()[0]
    stop = asyncio.Event()
    load = Load(rate=args.rate, users=args.load_users, seed=args.seed + 1)
    lags: list[float] = []
    load_task = asyncio.create_task(load.run(app, bot, session, stop))
    lag_task = asyncio.create_task(loop_lag(stop, lags))

    if burst:
        # Wait for the whole burst, at most until 60 s after the last due time.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(session.all_sent.wait(), timeout=window_end + 60 - time.time())
    finished_at = time.time()
    stop.set()
    await asyncio.gather(load_task, lag_task)
    await engine.shutdown()
    gc.callbacks.remove(gc_pauses)
    peak_mb = peak_rss_mb()

    # -- correctness, straight from SQLite --
    rows = await db.fetch_all(
        "SELECT id, status, json_extract(payload, '$.text') FROM reminders WHERE due_at <= ?",
        (window_end,),
    )
    burst_status: Counter[str] = Counter()
    id_of: dict[int, int] = {}
    for row in rows:
        burst_status[row[1]] += 1
        match = MARK_RE.search(row[2] or "")
        if match:
            id_of[int(match[1])] = row[0]
    future_rows = await db.fetch_all(
        "SELECT status, COUNT(*) FROM reminders WHERE due_at > ? GROUP BY status", (window_end,)
    )
    future_status = {row[0]: row[1] for row in future_rows}
    await session.close()
    await db.close()

    sends = Counter(k for k, _ in session.reminder_sends)
    first: dict[int, float] = {}
    for k, received in session.reminder_sends:
        first.setdefault(k, received)
    lateness = [first[k] - dues[k] for k in sorted(first)]
    load_s = load.stopped_at - load.started_at
    return {
        **in_flight_figures(session, engine.sender),
        "open_s": open_s,
        "rearm_s": rearm_s,
        "report": {
            "armed": report.armed,
            "missed": report.missed,
            "interrupted": report.interrupted,
        },
        "rss_start_mb": rss_start,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "peak_mb": peak_mb,
        "burst": burst,
        "delivered": len(first),
        "duplicates": sum(1 for n in sends.values() if n > 1),
        "sends_total": len(session.reminder_sends),
        "lateness": lateness,
        "pace_only": pace_only_lateness(dues, PACE_PER_S),
        "timer_lag": timer_lag,
        "loop_lag_ms": lags,
        "gc2_ms": gc_pauses.pauses_ms,
        "load_avg": (load_avg_before, os.getloadavg()[0]),
        "load": {
            "fed": load.fed,
            "done": load.done,
            "errors": load.errors,
            "seconds": load_s,
            "rate": load.done / load_s if load_s else 0.0,
            "p50_ms": pct(load.latencies_ms, 50),
            "p99_ms": pct(load.latencies_ms, 99),
            "replies": session.replies,
        },
        "burst_status": dict(burst_status),
        "burst_ids_sent_once": sum(1 for k in id_of if sends.get(k) == 1),
        "future_status": future_status,
        "finished_after_window_s": finished_at - window_end,
    }


def in_flight_figures(session: TimedSession, sender: TelegramSender) -> dict[str, Any]:
    seen = session.in_flight_seen
    return {
        "in_flight_peak": max(seen, default=0),
        "in_flight_mean": sum(seen) / len(seen) if seen else float("nan"),
        "targets": (min(session.targets, default=0), max(session.targets, default=0)),
        "rtt_mean_ms": (sender.round_trip.mean or 0.0) * 1000,
        "rtt_estimate_ms": sender.round_trip.estimate * 1000,
    }


async def pace_run(args: argparse.Namespace, db_path: Path) -> dict[str, Any]:
    """`--pace-reminders` reminders all due at one second, `--pace-latency-ms` per call."""
    count = args.pace_reminders
    db = await Database.open(db_path)
    now = int(time.time())
    await db.execute_many(
        "INSERT INTO users (id, language, audience, created_at, last_seen_at)"
        " VALUES (?, 'ru', 'worker', ?, ?)",
        [(USER_BASE + k, now, now) for k in range(count)],
    )
    due = now + 3
    await ReminderRepository(db).create_many(
        [
            NewReminder(USER_BASE + k, "custom", {"text": f"{MARK}{k} due {due}"}, due, due, True)
            for k in range(count)
        ],
        now=now,
    )
    session = TimedSession(record_calls=False, expected=count, latency=args.pace_latency_ms / 1000)
    bot = build_bot(FAKE_TOKEN, session=session)
    settings = Settings(bot_token=None, database_path=db_path, default_locale="kk")
    app = build_dispatcher(settings, db, clock=SystemClock(), run_timer=True)
    sender = TelegramSender(bot, per_second=PACE_PER_S)
    session.sender = sender
    await app.reminders.start(bot, run_timer=True, sender=sender)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(session.all_sent.wait(), timeout=count / PACE_PER_S * 2 + 30)
    await asyncio.sleep(0.5)  # a duplicate, if any, would show up now
    await app.reminders.shutdown()
    statuses = dict(await db.fetch_tuples("SELECT status, COUNT(*) FROM reminders GROUP BY 1"))
    await db.close()

    sends = Counter(k for k, _ in session.reminder_sends)
    times = sorted(received for _, received in session.reminder_sends)
    kept = [t for t in times if t >= times[0] + 1.0] if times else []
    rate = (len(kept) - 1) / (kept[-1] - kept[0]) if len(kept) > 1 else float("nan")
    return {
        **in_flight_figures(session, sender),
        "count": count,
        "delivered": len(sends),
        "duplicates": sum(1 for n in sends.values() if n > 1),
        "statuses": statuses,
        "rate": rate,
        "seconds": times[-1] - times[0] if times else float("nan"),
        "load_avg": os.getloadavg(),
    }


# -- report -------------------------------------------------------------------------------------


def print_in_flight(r: dict[str, Any]) -> None:
    low, high = r["targets"]
    print(
        f"    sends in flight: peak {r['in_flight_peak']}, mean {r['in_flight_mean']:.1f}; "
        f"sender's target {low}-{high}; round trip mean {r['rtt_mean_ms']:.0f} ms, "
        f"planned with {r['rtt_estimate_ms']:.0f} ms"
    )


def print_pace(args: argparse.Namespace, p: dict[str, Any]) -> None:
    print()
    print(
        f"  pace at a steady round trip (issue 16): {p['count']} reminders due at once, "
        f"{args.pace_latency_ms:g} ms per call, no load"
    )
    off = abs(p["rate"] - PACE_PER_S) / PACE_PER_S
    print(
        f"    rate {p['rate']:.2f} msg/s after the first second ({p['seconds']:.1f} s in all) vs "
        f"pace {PACE_PER_S:g}: {off * 100:.1f} % off -> {verdict(off <= 0.02)} (within 2 %)"
    )
    print_in_flight(p)
    ok = p["delivered"] == p["count"] and p["duplicates"] == 0
    ok = ok and p["statuses"] == {"sent": p["count"]}
    print(
        f"    delivered {p['delivered']}/{p['count']}, duplicates {p['duplicates']}, rows "
        f"{p['statuses']} -> {verdict(ok)}; load average {p['load_avg'][0]:.2f} at the end"
    )


def print_report(args: argparse.Namespace, info: dict[str, Any], r: dict[str, Any]) -> None:
    lat = r["lateness"]
    on_time = sum(1 for x in lat if x <= ON_TIME_S) / r["burst"] if r["burst"] else 1.0
    future_expected = args.reminders - args.burst
    load = r["load"]
    print()
    print("Jolserik reminder benchmark (issues 3, 16)")
    print(
        f"  Python {platform.python_version()}, aiogram {aiogram.__version__}, "
        f"APScheduler {apscheduler.__version__}, {platform.system()} {platform.machine()}, "
        f"CPUs: {os.cpu_count()} (usable: {len(os.sched_getaffinity(0))})"
    )
    print(
        f"  {args.reminders} pending reminders ({future_expected} due in 2-180 days, "
        f"burst of {args.burst} due in {args.window} s), {args.users} owners; "
        f"load {args.rate:.0f} upd/s from {args.load_users} other users; "
        f"logging: {args.log_level or 'off'}; fake Bot API latency "
        f"{args.latency_ms[0]:g}-{args.latency_ms[1]:g} ms"
    )
    print(
        f"  setup (child process): {info['setup_s']:.1f} s, DB file {info['db_mb']:.1f} MB, "
        f"setup peak RSS {info['setup_peak_mb']:.0f} MB (not this process)"
    )
    print()
    rep = r["report"]
    print(f"  re-open database           {r['open_s'] * 1000:8.1f} ms")
    print(
        f"  re-arm (engine.start)      {r['rearm_s'] * 1000:8.1f} ms   armed {rep['armed']}, "
        f"missed {rep['missed']}, interrupted {rep['interrupted']}"
    )
    print(
        f"  RSS before / after arming  {r['rss_before_mb']:6.1f} / {r['rss_after_mb']:6.1f} MB "
        f"(+{r['rss_after_mb'] - r['rss_before_mb']:.1f} MB for {rep['armed']} armed; "
        f"{r['rss_start_mb']:.1f} MB after imports)"
    )
    print(f"  peak RSS (ru_maxrss)       {r['peak_mb']:6.1f} MB")
    print()
    print(
        f"  burst: {r['delivered']}/{r['burst']} delivered, last one "
        f"{r['finished_after_window_s']:+.1f} s after the last due time"
    )

    def row(name: str, values: list[float], unit: str = "s", scale: float = 1.0) -> None:
        print(
            f"    {name:<28} p50 {pct(values, 50) * scale:7.3f}  p99 {pct(values, 99) * scale:7.3f}"
            f"  max {max(values, default=float('nan')) * scale:7.3f} {unit}"
        )

    print_in_flight(r)
    row("lateness (receive - due)", lat)
    row("pace-only floor (25/s)", r["pace_only"])
    row("timer (submit - run time)", r["timer_lag"])
    row("event-loop lag (10 ms tick)", r["loop_lag_ms"], "ms")
    print(f"    within {ON_TIME_S:.0f} s: {on_time * 100:.2f}%")
    gc2 = r["gc2_ms"]
    print(
        f"  full GC pauses during the run: {len(gc2)}, max {max(gc2, default=0.0):.0f} ms; "
        f"1-min load average {r['load_avg'][0]:.2f} before, {r['load_avg'][1]:.2f} after "
        f"(> {len(os.sched_getaffinity(0))} means something else competed for the CPUs)"
    )
    print(
        f"  load: {load['done']}/{load['fed']} updates in {load['seconds']:.1f} s = "
        f"{load['rate']:.0f} upd/s (offered {args.rate:.0f}), latency p50 {load['p50_ms']:.1f} ms, "
        f"p99 {load['p99_ms']:.1f} ms, {load['errors']} errors, {load['replies']} replies"
    )
    print()
    print("  correctness")
    burst_ok = r["burst_status"] == ({"sent": r["burst"]} if r["burst"] else {})
    once_ok = (
        r["duplicates"] == 0
        and r["sends_total"] == r["burst"]
        and r["burst_ids_sent_once"] == r["burst"]
    )
    future_ok = r["future_status"] == ({"pending": future_expected} if future_expected else {})
    print(f"    burst rows in SQLite: {r['burst_status']}  -> {verdict(burst_ok)}")
    print(
        f"    sendMessage per burst reminder id == 1: {r['burst_ids_sent_once']}/{r['burst']}, "
        f"duplicates {r['duplicates']}, total sends {r['sends_total']}  -> {verdict(once_ok)}"
    )
    print(f"    future rows in SQLite: {r['future_status']}  -> {verdict(future_ok)}")
    print()
    print("  targets (issue 3)")
    print(
        f"    re-arm {r['rearm_s']:.3f} s < {TARGET_REARM_S:.0f} s: "
        f"{verdict(r['rearm_s'] < TARGET_REARM_S)}"
    )
    print(
        f"    peak RSS {r['peak_mb']:.1f} MB < {TARGET_PEAK_MB:.0f} MB: "
        f"{verdict(r['peak_mb'] < TARGET_PEAK_MB)}"
    )
    print(
        f"    on time (<= {ON_TIME_S:.0f} s) {on_time * 100:.2f}% >= {TARGET_ON_TIME * 100:.0f}%: "
        f"{verdict(on_time >= TARGET_ON_TIME)}"
    )


# -- entry point --------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reminders", type=int, default=100_000, help="pending (100000)")
    parser.add_argument("--burst", type=int, default=1_200, help="due in the window (1200)")
    parser.add_argument("--users", type=int, default=5_000, help="reminder owners (5000)")
    parser.add_argument("--window", type=int, default=60, help="burst window, seconds (60)")
    parser.add_argument("--lead", type=int, default=8, help="seconds from setup to window (8)")
    parser.add_argument("--rate", type=float, default=200.0, help="load, updates/s (200)")
    parser.add_argument("--load-users", type=int, default=1_000, help="load users (1000)")
    parser.add_argument("--seed", type=int, default=3, help="random seed (3)")
    parser.add_argument(
        "--latency-ms",
        type=float,
        nargs=2,
        default=(30.0, 300.0),
        metavar=("LO", "HI"),
        help="fake Bot API latency, uniform (30 300)",
    )
    parser.add_argument(
        "--pace-reminders", type=int, default=750, help="pace run, all due at once (750; 0: skip)"
    )
    parser.add_argument(
        "--pace-latency-ms", type=float, default=300.0, help="pace run's fixed latency (300)"
    )
    parser.add_argument(
        "--log-level",
        default=None,
        help="configure logging as production does (e.g. INFO), to a file; default: off",
    )
    parser.add_argument("--setup-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 0 <= args.burst <= args.reminders or args.users < 1 or args.window < 1:
        parser.error("need 0 <= --burst <= --reminders, --users >= 1, --window >= 1")
    if args.load_users < 1 or args.rate < 0 or args.lead < 1:
        parser.error("need --load-users >= 1, --rate >= 0, --lead >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.setup_child:
        result = asyncio.run(setup(args))
        result["db_mb"] = Path(args.db).stat().st_size / 2**20
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory(prefix="jolserik-bench-rem-") as tmp:
        db_path = Path(tmp) / "reminders.sqlite3"
        print("  setup: writing the database in a child process ...", file=sys.stderr, flush=True)
        info = run_setup_child(args, db_path)
        if args.log_level:
            import logging

            from bot.logs import setup_logging

            setup_logging(args.log_level, secrets=[FAKE_TOKEN])
            sink = logging.FileHandler(Path(tmp) / "bot.log", encoding="utf-8")
            console = logging.getLogger().handlers[0]
            sink.setFormatter(console.formatter)
            for log_filter in console.filters:
                sink.addFilter(log_filter)
            logging.getLogger().handlers[:] = [sink]
        print(
            f"  measuring: re-arm, then the burst ({args.window} s) under load ...",
            file=sys.stderr,
            flush=True,
        )
        results = asyncio.run(measured_run(args, db_path, info))
        paced = None
        if args.pace_reminders:
            print(
                f"  pace run: {args.pace_reminders} reminders at {args.pace_latency_ms:g} ms ...",
                file=sys.stderr,
                flush=True,
            )
            paced = asyncio.run(pace_run(args, Path(tmp) / "pace.sqlite3"))
    print_report(args, info, results)
    if paced is not None:
        print_pace(args, paced)
    return 0


if __name__ == "__main__":
    sys.exit(main())
