"""Dispatch benchmark (issue 2): how many updates per second the real bot handles, and how fast.

What is measured
    A deterministic stream of synthetic Telegram updates (default 20,000 over 500 users) is fed
    through the *real* application: the Dispatcher from `bot.app.build_dispatcher` with all its
    middlewares (user record, locale, SQLite FSM storage), routers and handlers, on a real SQLite
    file in a temporary directory, talking to the in-process fake Bot API
    (`bot.offline.fakeapi.FakeTelegramSession`) instead of Telegram. Every user starts with
    /start, picks a language and an audience, then does a random mix of menu buttons (menu:root,
    menu:help, menu:mydata, menu:language, lang:xx), free text and /menu, /help, /mydata.

    Updates are generated lazily, round-robin over the users: each button press is built from the
    current state of the bot's newest keyboard message in that chat (as the fake API stores it),
    so presses carry real message ids and the normal "edit the message in place" path is measured,
    not the "message to edit not found" fallback.

    Latency is `time.perf_counter()` around `Update.model_validate(...)` + `feed_update` for
    one update. Throughput is updates divided by the summed time of the timed regions (the
    harness's own update generation between batches is not counted). Failures are counted even
    though the app's error handler swallows them (its log is watched), and so are edits that
    failed and were re-sent as new messages; both should be 0.

Two ways of feeding
    sequential   one update at a time, awaited before the next.
    concurrent   batches of 100 updates run with `asyncio.gather`, like one `getUpdates` answer
                 under aiogram's polling with `handle_as_tasks=True` (the production default).
                 A batch never holds two updates of the same user, so per-user order is kept.
                 p50/p99/max count from the batch's arrival, which is what a user waits; the
                 "in-flight" figures count from the update's own start. With 100 updates in a
                 batch, the arrival-based p99 cannot be far below 100 x the mean service time.

Why a bare dispatcher too
    The same recorded stream is replayed to a bare `Dispatcher()` (MemoryStorage, one trivial
    message handler answering "ok", one callback handler answering the query), using the same
    fake session class. Its throughput is the ceiling set by aiogram, pydantic and the fake API on
    this machine; the ratio real/bare shows how much of the budget the project's own code
    (middlewares, SQLite, i18n, keyboards) spends, independently of how fast the machine is.

Memory
    Each configuration runs in its own child process, so `ru_maxrss` (peak RSS) is per
    configuration. The harness prunes bot messages older than each chat's newest keyboard from the
    fake API's store, so memory reflects the bot rather than an ever-growing fake chat history.

Targets (issue 2, 2-core machine): >= 1,000 updates/s, p99 < 20 ms, >= 0.5 of bare throughput.
PASS/MISS is printed; the exit status is always 0 (timings are never asserted).

    python benchmarks/bench_dispatch.py [--updates N] [--users U] [--batch B] [--seed S]
                                        [--log-level INFO]

`--log-level INFO` configures logging as production does (`bot.logs.setup_logging`, aiogram then
logs every update), written to a discarded stderr; by default logging is off.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import logging
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiogram  # noqa: E402
from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.types import CallbackQuery, Message, Update  # noqa: E402

from bot.app import build_bot, build_dispatcher  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession  # noqa: E402
from storage.db import Database  # noqa: E402

TEXTS = (
    "привет",
    "hello",
    "когда билет?",
    "Сәлеметсіз бе",
    "how do I renew my visa?",
    "спасибо!",
    "где посольство?",
)
COMMANDS = ("/menu", "/help", "/mydata")
# Buttons the random users press (the mix). Others are left out: priv:* would delete the
# user's data, and menu:reminders opens a feature with its own benchmark (issue 3).
PRESSABLE = ("menu:root", "menu:help", "menu:mydata", "menu:language")  # and every lang:xx
# After onboarding: (kind, weight).
ACTIONS = (("press", 50), ("text", 25), ("command", 25))
TELEGRAM_LANGUAGES = ("ru", "kk", "en", "ru", "kk", "de")

WARMUP_UPDATES = 500
WARMUP_USER_BASE = 800_000_001
USER_BASE = 100_000_001

TARGET_RATE = 1_000.0
TARGET_P99_MS = 20.0
TARGET_RATIO = 0.5

CONFIGS = ("real-sequential", "real-concurrent", "bare-sequential", "bare-concurrent")


# -- the update stream --------------------------------------------------------------------------


@dataclass
class Chat:
    """One synthetic user, who looks at the fake API's copy of the chat to decide what to press."""

    user_id: int
    language_code: str | None
    plan: list[str]
    rng: random.Random
    step: int = 0
    scanned: int = 0  # highest message id of this chat already looked at
    own_ids: set[int] = field(default_factory=set)  # the user's own messages (not stored)
    keyboard_id: int | None = None  # newest bot message with inline buttons

    @property
    def done(self) -> bool:
        return self.step >= len(self.plan)


class StreamBuilder:
    """Builds raw update dicts lazily, each from the chat as it stands after the previous one."""

    def __init__(
        self, session: FakeTelegramSession, users: int, per_user: int, seed: int, base: int
    ) -> None:
        self.session = session
        self.chats: list[Chat] = []
        master = random.Random(seed)
        for index in range(users):
            rng = random.Random(master.getrandbits(64))
            plan = ["/start", "press:lang", "press:aud"]
            kinds = [k for k, _ in ACTIONS]
            weights = [w for _, w in ACTIONS]
            plan += rng.choices(kinds, weights, k=max(0, per_user - 3))
            self.chats.append(
                Chat(base + index, rng.choice(TELEGRAM_LANGUAGES), plan[:per_user], rng)
            )
        self.signature = hashlib.sha256()
        self.improvised = 0  # steps the plan could not take as written (should stay 0)

    def rounds(self) -> Iterator[list[Chat]]:
        """Round-robin order; each yielded round holds each live user once."""
        while True:
            live = [chat for chat in self.chats if not chat.done]
            if not live:
                return
            yield live

    # -- seeing the chat --------------------------------------------------------------------

    def _refresh(self, chat: Chat) -> None:
        messages = self.session.messages
        mid = chat.scanned + 1
        while True:
            stored = messages.get((chat.user_id, mid))
            if stored is None and mid not in chat.own_ids:
                break
            if stored is not None and stored.from_bot and stored.reply_markup:
                previous = chat.keyboard_id
                chat.keyboard_id = mid
                if previous is not None:
                    # Nobody presses buttons on the old screens: forget them (bounded memory).
                    messages.pop((chat.user_id, previous), None)
            chat.scanned = mid
            mid += 1

    def _buttons(self, chat: Chat) -> list[str]:
        if chat.keyboard_id is None:
            return []
        stored = self.session.messages.get((chat.user_id, chat.keyboard_id))
        if stored is None or not stored.reply_markup:
            return []
        rows = stored.reply_markup.get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if b.get("callback_data")]

    # -- acting -----------------------------------------------------------------------------

    def _user_json(self, chat: Chat) -> dict[str, Any]:
        data: dict[str, Any] = {"id": chat.user_id, "is_bot": False, "first_name": "Bench"}
        if chat.language_code:
            data["language_code"] = chat.language_code
        return data

    def _message(self, chat: Chat, text: str) -> dict[str, Any]:
        message_id = self.session.next_message_id(chat.user_id)
        chat.own_ids.add(message_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(self.session.clock()),
            "chat": {"id": chat.user_id, "type": "private", "first_name": "Bench"},
            "from": self._user_json(chat),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.signature.update(f"{chat.user_id}:m:{text}\n".encode())
        return {"update_id": self.session.next_update_id(), "message": message}

    def _press(self, chat: Chat, data: str) -> dict[str, Any]:
        assert chat.keyboard_id is not None
        query = {
            "id": str(self.session.next_update_id()),
            "from": self._user_json(chat),
            "chat_instance": str(chat.user_id),
            "data": data,
            "message": self.session.message_json(chat.user_id, chat.keyboard_id),
        }
        self.signature.update(f"{chat.user_id}:c:{data}@{chat.keyboard_id}\n".encode())
        return {"update_id": self.session.next_update_id(), "callback_query": query}

    def next_update(self, chat: Chat) -> dict[str, Any]:
        self._refresh(chat)
        action = chat.plan[chat.step]
        chat.step += 1
        rng = chat.rng
        if action.startswith("/"):
            return self._message(chat, action)
        if action == "text":
            return self._message(chat, rng.choice(TEXTS))
        if action == "command":
            return self._message(chat, rng.choice(COMMANDS))
        buttons = self._buttons(chat)
        if action == "press:lang":
            wanted = [b for b in buttons if b.startswith("lang:")]
        elif action == "press:aud":
            wanted = [b for b in buttons if b.startswith("aud:")]
        else:
            wanted = [b for b in buttons if b in PRESSABLE or b.startswith("lang:")]
        if chat.keyboard_id is None:
            self.improvised += 1
            return self._message(chat, "/menu")  # nothing to press yet: ask for the menu
        if not wanted:
            self.improvised += 1
            return self._press(chat, "menu:root")  # as if pressing an old "back" button
        return self._press(chat, rng.choice(wanted))


# -- running ------------------------------------------------------------------------------------


@dataclass
class Result:
    config: str
    updates: int = 0
    busy_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # from the batch's arrival
    in_flight_ms: list[float] = field(default_factory=list)  # from this update's own start
    escaped: int = 0  # exceptions that came out of feed_update
    errors_logged: int = 0  # failures the app's error handler caught (and logged)
    edit_fallbacks: int = 0  # edits that failed and became a new message (bot/telegram/screens.py)
    first_error: str | None = None
    rss_warm_mb: float = 0.0
    rss_peak_mb: float = 0.0
    signature: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        own = sorted(self.in_flight_ms)

        def pct(p: float, values: list[float] = lat) -> float:  # nearest rank
            if not values:
                return 0.0
            return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))]

        return {
            "config": self.config,
            "updates": self.updates,
            "busy_s": self.busy_s,
            "rate": self.updates / self.busy_s if self.busy_s else 0.0,
            "p50": pct(50),
            "p99": pct(99),
            "max": lat[-1] if lat else 0.0,
            "mean": sum(lat) / len(lat) if lat else 0.0,
            "own_p50": pct(50, own),
            "own_p99": pct(99, own),
            "errors": self.escaped + self.errors_logged,
            "edit_fallbacks": self.edit_fallbacks,
            "first_error": self.first_error,
            "rss_warm_mb": self.rss_warm_mb,
            "rss_peak_mb": self.rss_peak_mb,
            "signature": self.signature,
            **self.extra,
        }


class LogTally(logging.Handler):
    """Counts what the app logs while it runs.

    The app's error handler (handlers/errors.py) swallows exceptions and answers with an
    apology, so a failing update looks like a fast, successful one unless the log is watched.
    `bot.telegram.screens` logs when an edit failed and a new message was sent instead: the
    benchmark is meant to measure the normal edit-in-place path, so that count should stay 0.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.errors = 0
        self.edit_fallbacks = 0
        self.first_error: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "bot.telegram.screens":
            self.edit_fallbacks += 1
        elif record.levelno >= logging.ERROR:
            self.errors += 1
            if self.first_error is None:
                self.first_error = record.getMessage()[-3000:]

    @classmethod
    def install(cls) -> LogTally:
        tally = cls()
        for name in ("handlers.errors", "bot.telegram.screens", "aiogram"):
            logging.getLogger(name).addHandler(tally)
        screens = logging.getLogger("bot.telegram.screens")
        if screens.getEffectiveLevel() > logging.INFO:
            screens.setLevel(logging.INFO)  # only logs on a failed edit: free on the normal path
        return tally

    def charge(self, result: Result, errors_before: int, fallbacks_before: int) -> None:
        result.errors_logged = self.errors - errors_before
        result.edit_fallbacks = self.edit_fallbacks - fallbacks_before
        result.first_error = self.first_error


def freeze_startup_objects() -> None:
    """What bot/runner.py does before polling: keep start-up objects out of the GC's sight.

    Applied to the real and the bare dispatcher alike, after the warm-up."""
    gc.collect()
    gc.freeze()


def rss_peak_mb() -> float:
    # Linux reports kilobytes (macOS bytes; this benchmark targets the Linux CI box).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def feed_one(
    dispatcher: Dispatcher, bot: Bot, raw: dict[str, Any], result: Result, arrived: float
) -> None:
    """Validate and dispatch one raw update, timing it from its batch's arrival and from its own
    start (the two differ only in concurrent mode, where updates wait for each other)."""
    start = time.perf_counter()
    try:
        await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
    except Exception:  # a failure must not stop the run; it is counted and reported
        result.escaped += 1
    end = time.perf_counter()
    result.latencies_ms.append((end - arrived) * 1000)
    result.in_flight_ms.append((end - start) * 1000)


async def feed_batch(
    dispatcher: Dispatcher, bot: Bot, raws: list[dict[str, Any]], result: Result, concurrent: bool
) -> None:
    arrived = time.perf_counter()
    if concurrent:
        await asyncio.gather(*(feed_one(dispatcher, bot, raw, result, arrived) for raw in raws))
    else:
        for raw in raws:
            await feed_one(dispatcher, bot, raw, result, time.perf_counter())
    result.busy_s += time.perf_counter() - arrived
    result.updates += len(raws)


def batches(rounds: Iterator[list[Chat]], size: int) -> Iterator[list[Chat]]:
    """Cut round-robin rounds into batches of at most `size` distinct users."""
    for live in rounds:
        for i in range(0, len(live), size):
            yield live[i : i + size]


async def drive_real(
    dispatcher: Dispatcher,
    bot: Bot,
    builder: StreamBuilder,
    result: Result,
    *,
    concurrent: bool,
    batch_size: int,
    record: TextIO | None = None,
) -> None:
    """Generate each batch from the chats as they stand, feed it, and optionally record it."""
    for batch in batches(builder.rounds(), batch_size if concurrent else 1):
        raws = [builder.next_update(chat) for chat in batch]
        if record is not None:
            record.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in raws))
        await feed_batch(dispatcher, bot, raws, result, concurrent)


def read_batches(path: Path, size: int) -> Iterator[list[dict[str, Any]]]:
    """The recorded stream in batches of distinct users (greedy, order preserved)."""
    batch: list[dict[str, Any]] = []
    seen: set[int] = set()
    with path.open(encoding="utf-8") as fp:
        for line in fp:
            raw = json.loads(line)
            event = raw.get("message") or raw.get("callback_query")
            user = event["from"]["id"]
            if len(batch) >= size or user in seen:
                yield batch
                batch, seen = [], set()
            batch.append(raw)
            seen.add(user)
    if batch:
        yield batch


async def drive_recorded(
    dispatcher: Dispatcher,
    bot: Bot,
    path: Path,
    result: Result,
    *,
    concurrent: bool,
    batch_size: int,
) -> None:
    for batch in read_batches(path, batch_size if concurrent else 1):
        await feed_batch(dispatcher, bot, batch, result, concurrent)


def per_user(updates: int, users: int) -> int:
    return max(3, -(-updates // users))


async def run_real(
    args: argparse.Namespace, workdir: Path, tally: LogTally, *, concurrent: bool
) -> Result:
    config = "real-concurrent" if concurrent else "real-sequential"
    db_path = workdir / f"{config}.sqlite3"
    db = await Database.open(db_path)
    session = FakeTelegramSession()
    session.record_calls = False  # no unbounded call log; `messages` is still maintained
    bot = build_bot(FAKE_TOKEN, session=session)
    settings = Settings(bot_token=None, database_path=db_path, default_locale="kk")
    if not args.flood_limit:
        # Every update must reach the handlers: with the production limit (1/s, burst 8) most of
        # this stream (4-5 updates/s per user) would be refused before any handler runs.
        settings = replace(settings, throttle_burst=10**9)
    app = build_dispatcher(settings, db)
    dispatcher = app.dispatcher
    result = Result(config)
    # Only the sequential run records: the bare dispatcher replays exactly what it was fed.
    mode = "w" if not concurrent else None
    try:
        # Warm-up: separate users, so imports, caches and SQLite pages are hot before timing.
        warm = StreamBuilder(
            session, max(1, WARMUP_UPDATES // 40), 40, args.seed + 1, WARMUP_USER_BASE
        )
        with open_record(workdir / "warmup.jsonl", mode) as record:
            await drive_real(
                dispatcher,
                bot,
                warm,
                Result("warm-up"),
                concurrent=concurrent,
                batch_size=args.batch,
                record=record,
            )
        result.rss_warm_mb = rss_peak_mb()
        freeze_startup_objects()

        builder = StreamBuilder(
            session, args.users, per_user(args.updates, args.users), args.seed, USER_BASE
        )
        errors_before, fallbacks_before = tally.errors, tally.edit_fallbacks
        with open_record(workdir / "stream.jsonl", mode) as record:
            await drive_real(
                dispatcher,
                bot,
                builder,
                result,
                concurrent=concurrent,
                batch_size=args.batch,
                record=record,
            )
        tally.charge(result, errors_before, fallbacks_before)
        result.rss_peak_mb = rss_peak_mb()
        result.signature = builder.signature.hexdigest()[:16]
        result.extra = {
            "fake_messages": len(session.messages),
            "calls_recorded": len(session.calls),
            "improvised": builder.improvised,
            "users_in_db": await app.users.count(),
            "db_mb": db_path.stat().st_size / 2**20,
        }
    finally:
        await db.close()
        await session.close()
    return result


@contextmanager
def open_record(path: Path, mode: str | None) -> Iterator[TextIO | None]:
    if mode is None:
        yield None
        return
    with path.open(mode, encoding="utf-8") as fp:
        yield fp


def build_bare() -> Dispatcher:
    """aiogram with nothing of ours: default MemoryStorage FSM, two trivial handlers."""
    dispatcher = Dispatcher()

    async def on_message(message: Message) -> None:
        await message.answer("ok")

    async def on_callback(query: CallbackQuery) -> None:
        await query.answer()

    dispatcher.message.register(on_message)
    dispatcher.callback_query.register(on_callback)
    return dispatcher


async def run_bare(
    args: argparse.Namespace, workdir: Path, tally: LogTally, *, concurrent: bool
) -> Result:
    session = FakeTelegramSession()
    session.record_calls = False
    bot = build_bot(FAKE_TOKEN, session=session)
    dispatcher = build_bare()
    result = Result("bare-concurrent" if concurrent else "bare-sequential")
    common = {"concurrent": concurrent, "batch_size": args.batch}
    await drive_recorded(dispatcher, bot, workdir / "warmup.jsonl", Result("warm-up"), **common)
    result.rss_warm_mb = rss_peak_mb()
    freeze_startup_objects()
    errors_before, fallbacks_before = tally.errors, tally.edit_fallbacks
    await drive_recorded(dispatcher, bot, workdir / "stream.jsonl", result, **common)
    tally.charge(result, errors_before, fallbacks_before)
    result.rss_peak_mb = rss_peak_mb()
    result.extra = {"fake_messages": len(session.messages)}
    await session.close()
    return result


async def run_child(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(args.workdir)
    if args.log_level:
        from bot.logs import setup_logging

        setup_logging(args.log_level, secrets=[FAKE_TOKEN])
    tally = LogTally.install()
    concurrent = args.child.endswith("concurrent")
    run = run_real if args.child.startswith("real") else run_bare
    result = await run(args, workdir, tally, concurrent=concurrent)
    return result.summary()


# -- the parent: one child process per configuration, then the report --------------------------


def child_command(args: argparse.Namespace, config: str, workdir: Path) -> list[str]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        config,
        "--workdir",
        str(workdir),
        "--updates",
        str(args.updates),
        "--users",
        str(args.users),
        "--batch",
        str(args.batch),
        "--seed",
        str(args.seed),
    ]
    if args.log_level:
        command += ["--log-level", args.log_level]
    if args.flood_limit:
        command.append("--flood-limit")
    return command


def run_configs(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="jolserik-bench-") as tmp:
        workdir = Path(tmp)
        for config in CONFIGS:
            print(f"  running {config} ...", file=sys.stderr, flush=True)
            # Logs (if --log-level is given) go to stderr, which is discarded like a log sink.
            done = subprocess.run(  # noqa: S603 - our own script with our own arguments
                child_command(args, config, workdir),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL if args.log_level else None,
                text=True,
                check=True,
            )
            results[config] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(
    args: argparse.Namespace, results: dict[str, dict[str, Any]], wall_s: float, load: float
) -> None:
    print()
    print("Jolserik dispatch benchmark (issue 2)")
    print(
        f"  Python {platform.python_version()} ({platform.python_implementation()}), "
        f"aiogram {aiogram.__version__}, {platform.system()} {platform.machine()}, "
        f"CPUs: {os.cpu_count()} (usable: {len(os.sched_getaffinity(0))}), "
        f"1-min load average at start: {load:.2f}"
    )
    print(
        f"  stream: {results['real-sequential']['updates']} updates over {args.users} users "
        f"(seed {args.seed}), concurrent batches of {args.batch}, "
        f"warm-up {WARMUP_UPDATES} updates; logging: {args.log_level or 'off'}"
    )
    print()
    header = (
        f"  {'configuration':<16} {'updates':>7} {'upd/s':>6} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'in-flight p50/p99':>17} {'RSS MB warm/peak':>16} {'errors':>6} "
        f"{'resent':>6}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for config in CONFIGS:
        r = results[config]
        own = f"{r['own_p50']:.2f} / {r['own_p99']:.2f}"
        rss = f"{r['rss_warm_mb']:.0f} / {r['rss_peak_mb']:.0f}"
        print(
            f"  {config:<16} {r['updates']:>7} {r['rate']:>6.0f} {r['p50']:>7.2f} "
            f"{r['p99']:>7.2f} {r['max']:>7.2f} {own:>17} {rss:>16} "
            f"{r['errors']:>6} {r['edit_fallbacks']:>6}"
        )
    print(
        "  latency = Update.model_validate + feed_update. p50/p99/max count from the arrival\n"
        "  of the update's batch (what the user waits); in-flight counts from the update's own\n"
        "  start. In sequential mode the two are the same. errors: exceptions, including those\n"
        "  the app's error handler swallowed; resent: failed edits sent as a new message."
    )
    for config in CONFIGS:
        if results[config]["first_error"]:
            print(f"  first error in {config}:\n{results[config]['first_error']}")
    print()
    same = results["real-sequential"]["signature"] == results["real-concurrent"]["signature"]
    print(
        "  real runs fed the same stream: "
        + ("yes" if same else "NO (the bot behaved differently under concurrency)")
    )
    rs = results["real-sequential"]
    print(
        f"  real app: {rs['users_in_db']} users in SQLite ({rs['db_mb']:.1f} MB file), "
        f"{rs['fake_messages']} messages kept by the fake API, {rs['calls_recorded']} calls logged,"
        f" {rs['improvised']} unplanned steps"
    )
    print()
    print("  targets (issue 2)")
    for mode in ("sequential", "concurrent"):
        real, bare = results[f"real-{mode}"], results[f"bare-{mode}"]
        ratio = real["rate"] / bare["rate"] if bare["rate"] else 0.0
        line = (
            f"    {mode:<10}  {real['rate']:>5.0f} upd/s >= {TARGET_RATE:.0f}: "
            f"{verdict(real['rate'] >= TARGET_RATE)}   "
            f"p99 {real['p99']:.2f} ms < {TARGET_P99_MS:.0f}: "
            f"{verdict(real['p99'] < TARGET_P99_MS)}"
        )
        if mode == "concurrent":
            line += (
                f" (in-flight {real['own_p99']:.2f} ms: {verdict(real['own_p99'] < TARGET_P99_MS)})"
            )
        line += f"   real/bare {ratio:.2f} >= {TARGET_RATIO}: {verdict(ratio >= TARGET_RATIO)}"
        print(line)
    print()
    print(f"  total wall time {wall_s:.1f} s (including start-up, warm-ups and stream generation)")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=20_000, help="measured updates (20000)")
    parser.add_argument("--users", type=int, default=500, help="distinct users (500)")
    parser.add_argument("--batch", type=int, default=100, help="concurrent batch size (100)")
    parser.add_argument("--seed", type=int, default=2, help="random seed (2)")
    parser.add_argument(
        "--log-level",
        default=None,
        help="configure logging as production does (e.g. INFO); default: logging off",
    )
    parser.add_argument(
        "--flood-limit",
        action="store_true",
        help="keep the production flood limit (refuses most of this stream); default: off",
    )
    parser.add_argument("--child", choices=CONFIGS, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.updates < 1 or args.users < 1 or args.batch < 1:
        parser.error("--updates, --users and --batch must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.child:
        summary = asyncio.run(run_child(args))
        print(json.dumps(summary))
        return 0
    load = os.getloadavg()[0]  # other work on the machine skews every figure: say so
    started = time.perf_counter()
    results = run_configs(args)
    report(args, results, time.perf_counter() - started, load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
