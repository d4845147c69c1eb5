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
import itertools
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
import aiogram.methods  # noqa: E402
from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.client.default import Default, DefaultBotProperties  # noqa: E402
from aiogram.enums import ParseMode  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.types import CallbackQuery, Message, TelegramObject, Update  # noqa: E402

from bot import speedups  # noqa: E402
from bot.app import App, build_bot, build_dispatcher  # noqa: E402
from bot.config import SUPPORTED_LOCALES as SUPPORTED  # noqa: E402
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


# -- the update stream --------------------------------------------------------------------------


@dataclass
class Chat:
    """One synthetic user, who looks at the fake API's copy of the chat to decide what to press."""

    user_id: int
    language_code: str | None
    plan: list[str]
    seed: int  # choices are drawn from (seed, step): no Random object per chat (memory)
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
        self,
        session: FakeTelegramSession,
        users: int,
        per_user: int,
        seed: int,
        base: int,
        *,
        stride: int = 1,
        onboarded: bool = False,
    ) -> None:
        """`users` chats with ids base, base + stride, ...; `onboarded`: they chose a language
        and who they are before (registered in the database by the harness), so their first
        step is /menu instead of the onboarding."""
        self.session = session
        self.chats: list[Chat] = []
        master = random.Random(seed)
        kinds = [k for k, _ in ACTIONS]
        weights = [w for _, w in ACTIONS]
        opening = ["/menu"] if onboarded else ["/start", "press:lang", "press:aud"]
        for index in range(users):
            seed = master.getrandbits(64)
            rng = random.Random(seed)
            plan = opening + rng.choices(kinds, weights, k=max(0, per_user - len(opening)))
            self.chats.append(
                Chat(base + index * stride, rng.choice(TELEGRAM_LANGUAGES), plan[:per_user], seed)
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
        rng = random.Random(chat.seed * 1_000_003 + chat.step)
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


# -- the fake Bot API, counting -------------------------------------------------------------------


class CountingSession(FakeTelegramSession):
    """The in-process fake Bot API, counting every call. The recording run also notes each call
    (method and parameters) under the update that caused it: the equivalent baseline replays
    exactly those calls, so "same work" is checked, not assumed."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.record_calls = False  # the fake's own unbounded log stays off; `messages` is kept
        self.count = 0
        self.current_update: int | None = None
        # Kept as they were made; turned into JSON after the timed run (dumping while timing
        # would slow the recording run down).
        self.per_update: dict[int, list[TelegramMethod[Any]]] | None = None

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        self.count += 1
        if self.per_update is not None and self.current_update is not None:
            self.per_update.setdefault(self.current_update, []).append(method)
        return await super().make_request(bot, method, timeout)

    def reserve(self, chat_id: int, message_id: int) -> None:
        """A user's message took this id (replays): the bot's next message gets the next one,
        as it did in the recorded run, so recorded edits find their messages."""
        self._message_ids[chat_id] = itertools.count(message_id + 1)


def dump_call(method: TelegramMethod[Any]) -> list[Any]:
    """[method name, parameters as JSON]; the bot's defaults (parse mode, ...) left to apply."""
    defaults = {name for name, value in method if isinstance(value, Default)}
    params = method.model_dump(mode="json", exclude_none=True, exclude=defaults)
    return [type(method).__name__, params]


Call = tuple[type[TelegramMethod[Any]], dict[str, Any]]


def load_calls(path: Path) -> dict[int, list[Call]]:
    """The recorded calls by update id, with every nested object (keyboards, scopes, reply
    parameters) built once here, before timing: the equivalent handler only constructs the
    method around them and makes the call."""
    calls: dict[int, list[Call]] = {}
    with path.open(encoding="utf-8") as fp:
        for line in fp:
            entry = json.loads(line)
            prepared: list[Call] = []
            for name, params in entry["calls"]:
                method_type = getattr(aiogram.methods, name)
                built = method_type.model_validate(params)
                fields = {
                    key: getattr(built, key) if isinstance(value, (dict, list)) else value
                    for key, value in params.items()
                }
                prepared.append((method_type, fields))
            calls[entry["update"]] = prepared
    return calls


# -- feeding ------------------------------------------------------------------------------------


async def feed_one(
    dispatcher: Dispatcher,
    bot: Bot,
    raw: dict[str, Any],
    result: Result,
    arrived: float,
    session: CountingSession,
    replay: bool,
) -> None:
    """Validate and dispatch one raw update, timing it from its batch's arrival and from its own
    start (the two differ only in concurrent mode, where updates wait for each other)."""
    session.current_update = raw["update_id"]
    if replay and "message" in raw:
        session.reserve(raw["message"]["chat"]["id"], raw["message"]["message_id"])
    start = time.perf_counter()
    try:
        await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
    except Exception:  # a failure must not stop the run; it is counted and reported
        result.escaped += 1
    end = time.perf_counter()
    result.latencies_ms.append((end - arrived) * 1000)
    result.in_flight_ms.append((end - start) * 1000)


async def feed_batch(
    dispatcher: Dispatcher,
    bot: Bot,
    raws: list[dict[str, Any]],
    result: Result,
    concurrent: bool,
    session: CountingSession,
    replay: bool = False,
) -> None:
    arrived = time.perf_counter()
    if concurrent:
        await asyncio.gather(
            *(feed_one(dispatcher, bot, raw, result, arrived, session, replay) for raw in raws)
        )
    else:
        for raw in raws:
            await feed_one(dispatcher, bot, raw, result, time.perf_counter(), session, replay)
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
    limit: int | None = None,
) -> None:
    """Generate each batch from the chats as they stand, feed it, and optionally record it.
    `limit`: stop after this many updates (the scale run's untimed first round)."""
    fed = 0
    session = builder.session
    assert isinstance(session, CountingSession)
    for batch in batches(builder.rounds(), batch_size if concurrent else 1):
        raws = [builder.next_update(chat) for chat in batch]
        if record is not None:
            record.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in raws))
        await feed_batch(dispatcher, bot, raws, result, concurrent, session)
        fed += len(raws)
        if limit is not None and fed >= limit:
            return


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
    session: CountingSession,
    *,
    concurrent: bool,
    batch_size: int,
) -> None:
    for batch in read_batches(path, batch_size if concurrent else 1):
        await feed_batch(dispatcher, bot, batch, result, concurrent, session, replay=True)


def per_user(updates: int, users: int) -> int:
    return max(3, -(-updates // users))


# -- the configurations -------------------------------------------------------------------------


def bench_settings(args: argparse.Namespace, db_path: Path) -> Settings:
    settings = Settings(bot_token=None, database_path=db_path, default_locale="kk")
    if not args.flood_limit:
        # Every update must reach the handlers: with the production limit (1/s, burst 8) most of
        # this stream (4-5 updates/s per user) would be refused before any handler runs.
        settings = replace(settings, throttle_burst=10**9)
    return settings


async def start_real(
    args: argparse.Namespace, db_path: Path
) -> tuple[Database, CountingSession, Bot, App]:
    db = await Database.open(db_path)
    session = CountingSession()
    bot = build_bot(FAKE_TOKEN, session=session)
    app = build_dispatcher(bench_settings(args, db_path), db, run_timer=False)
    await app.start(bot, run_timer=False)  # as production's start-up: facts seeded, engines up
    return db, session, bot, app


async def run_real(
    args: argparse.Namespace, workdir: Path, tally: LogTally, *, concurrent: bool
) -> Result:
    config = args.child
    db_path = workdir / f"{config}-{args.rep}.sqlite3"
    db, session, bot, app = await start_real(args, db_path)
    dispatcher = app.dispatcher
    result = Result(config)
    mode = "w" if args.record else None
    try:
        # Warm-up: separate users, so imports, caches and SQLite pages are hot before timing.
        warm = StreamBuilder(
            session, max(1, WARMUP_UPDATES // 40), 40, args.seed + 1, WARMUP_USER_BASE
        )
        with open_record(workdir / "warmup.jsonl", mode) as record:
            await drive_real(
                dispatcher, bot, warm, Result("warm-up"), concurrent=concurrent,
                batch_size=args.batch, record=record,
            )  # fmt: skip
        result.rss_warm_mb = rss_peak_mb()
        freeze_startup_objects()

        builder = StreamBuilder(
            session, args.users, per_user(args.updates, args.users), args.seed, USER_BASE
        )
        if args.record:
            session.per_update = {}
        calls_before = session.count
        errors_before, fallbacks_before = tally.errors, tally.edit_fallbacks
        with open_record(workdir / "stream.jsonl", mode) as record:
            await drive_real(
                dispatcher, bot, builder, result, concurrent=concurrent, batch_size=args.batch,
                record=record,
            )  # fmt: skip
        tally.charge(result, errors_before, fallbacks_before)
        result.rss_peak_mb = rss_peak_mb()
        result.signature = builder.signature.hexdigest()[:16]
        result.extra = {
            "calls": session.count - calls_before,
            "improvised": builder.improvised,
            "users_in_db": await app.users.count(),
            "db_mb": db_path.stat().st_size / 2**20,
        }
        if args.record:
            result.extra["silent_updates"] = write_calls(workdir, session)
    finally:
        await db.close()
        await session.close()
        db_path.unlink(missing_ok=True)
    return result


def write_calls(workdir: Path, session: CountingSession) -> int:
    """Save each measured update's calls for the equivalent baseline; return how many updates
    made no Bot API call at all (each should get an answer: 0 expected)."""
    assert session.per_update is not None
    silent = 0
    with (
        (workdir / "stream.jsonl").open(encoding="utf-8") as stream,
        (workdir / "calls.jsonl").open("w", encoding="utf-8") as out,
    ):
        for line in stream:
            update_id = json.loads(line)["update_id"]
            calls = [dump_call(method) for method in session.per_update.get(update_id, [])]
            silent += not calls
            out.write(json.dumps({"update": update_id, "calls": calls}, ensure_ascii=False))
            out.write("\n")
    return silent


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


def build_equivalent(calls: dict[int, list[Call]]) -> Dispatcher:
    """aiogram with nothing of ours whose one handler makes exactly the calls the bot made for
    this update (same methods, texts and keyboards, keyboards built in advance): the same
    Bot API work, and the same answers (with their keyboards) parsed, without the bot's
    middlewares, routing, storage, translations and screens."""
    dispatcher = Dispatcher()

    async def replay(event: TelegramObject, event_update: Update, bot: Bot) -> None:
        for method_type, fields in calls.get(event_update.update_id, ()):
            await bot(method_type(**fields))

    dispatcher.message.register(replay)
    dispatcher.callback_query.register(replay)
    return dispatcher


def stock_bot(session: CountingSession) -> Bot:
    """aiogram's own Bot (its JSON, every answer read in full) with the bot's defaults, so
    the baselines send the same requests."""
    defaults = DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True)
    return Bot(FAKE_TOKEN, session=session, default=defaults)


async def run_baseline(
    args: argparse.Namespace, workdir: Path, tally: LogTally, *, concurrent: bool
) -> Result:
    session = CountingSession()
    bot = stock_bot(session)
    if args.child.startswith("equiv"):
        warm_dispatcher = build_equivalent({})  # the warm-up's calls were not recorded
        dispatcher = build_equivalent(load_calls(workdir / "calls.jsonl"))
    else:
        warm_dispatcher = dispatcher = build_bare()
    result = Result(args.child)
    common = {"concurrent": concurrent, "batch_size": args.batch}
    warm = Result("warm-up")
    await drive_recorded(warm_dispatcher, bot, workdir / "warmup.jsonl", warm, session, **common)
    if warm_dispatcher is not dispatcher:
        await drive_recorded(build_bare(), bot, workdir / "warmup.jsonl", warm, session, **common)
    result.rss_warm_mb = rss_peak_mb()
    freeze_startup_objects()
    calls_before = session.count
    errors_before, fallbacks_before = tally.errors, tally.edit_fallbacks
    await drive_recorded(dispatcher, bot, workdir / "stream.jsonl", result, session, **common)
    tally.charge(result, errors_before, fallbacks_before)
    result.rss_peak_mb = rss_peak_mb()
    result.extra = {"calls": session.count - calls_before}
    await session.close()
    return result


async def register_population(db: Database, registered: int, now: int) -> None:
    """`registered` people who chose a language and who they are, as SQLite holds them after a
    few years of use; written directly, in chunks (the bot's own path would take hours)."""
    rng = random.Random(7)
    audiences = ("worker", "family", "other")
    chunk = 50_000
    for start in range(0, registered, chunk):
        rows = [
            (USER_BASE + i, rng.choice(SUPPORTED), rng.choice(audiences), now - 86_400, now)
            for i in range(start, min(registered, start + chunk))
        ]
        await db.execute_many(
            "INSERT INTO users (id, language, audience, role, created_at, last_seen_at)"
            " VALUES (?, ?, ?, 'user', ?, ?)",
            rows,
        )


async def run_scale(args: argparse.Namespace, workdir: Path, tally: LogTally) -> Result:
    """`--active` people, spread over `--registered` registered ones, each seen once (untimed:
    the caches fill), then the timed rounds: every update's sender last wrote `--active`
    updates ago, so whatever the caches cannot hold is read again from SQLite."""
    db_path = workdir / "scale.sqlite3"
    result = Result("real-scale")
    db = await Database.open(db_path)
    started = time.perf_counter()
    await register_population(db, args.registered, int(time.time()))
    populate_s = time.perf_counter() - started
    await db.close()
    db, session, bot, app = await start_real(args, db_path)
    try:
        stride = max(1, args.registered // args.active)
        rounds = 1 + max(1, -(-args.scale_updates // args.active))
        builder = StreamBuilder(
            session, args.active, rounds, args.seed, USER_BASE, stride=stride, onboarded=True
        )
        await drive_real(
            app.dispatcher, bot, builder, Result("first round"), concurrent=False,
            batch_size=1, limit=args.active,
        )  # fmt: skip
        result.rss_warm_mb = rss_peak_mb()
        freeze_startup_objects()
        calls_before = session.count
        errors_before, fallbacks_before = tally.errors, tally.edit_fallbacks
        await drive_real(
            app.dispatcher, bot, builder, result, concurrent=False, batch_size=1,
            limit=args.scale_updates,
        )  # fmt: skip
        tally.charge(result, errors_before, fallbacks_before)
        result.rss_peak_mb = rss_peak_mb()
        memory = app.memory.report()
        result.extra = {
            "calls": session.count - calls_before,
            "improvised": builder.improvised,
            "users_in_db": await app.users.count(),
            "db_mb": db_path.stat().st_size / 2**20,
            "populate_s": populate_s,
            "people_cached": memory.people,
            "dialogues_cached": memory.dialogues,
            "flood_buckets": memory.flood_buckets,
        }
    finally:
        await db.close()
        await session.close()
        db_path.unlink(missing_ok=True)
    return result


class ForgetfulSession(CountingSession):
    """A fake Bot API that keeps no copy of the chats: what stays in memory is the bot's."""

    def remember(self, message: Any) -> None:
        return None


async def run_memory_probe(args: argparse.Namespace, workdir: Path, tally: LogTally) -> Result:
    """The bot's own memory with `--registered` people in SQLite and every one of `--active`
    people seen once (/menu, then /help): their records, dialogue states and flood buckets
    held, as after a busy hour. No stream builder, and a fake API that keeps nothing."""
    db_path = workdir / "memory.sqlite3"
    result = Result("memory-probe")
    db = await Database.open(db_path)
    await register_population(db, args.registered, int(time.time()))
    await db.close()
    db = await Database.open(db_path)
    session = ForgetfulSession()
    bot = build_bot(FAKE_TOKEN, session=session)
    app = build_dispatcher(bench_settings(args, db_path), db, run_timer=False)
    await app.start(bot, run_timer=False)
    try:
        stride = max(1, args.registered // args.active)
        errors_before = tally.errors
        started = time.perf_counter()
        for text in ("/menu", "/help"):
            for index in range(args.active):
                user_id = USER_BASE + index * stride
                raw = {
                    "update_id": session.next_update_id(),
                    "message": {
                        "message_id": session.next_message_id(user_id),
                        "date": int(time.time()),
                        "chat": {"id": user_id, "type": "private", "first_name": "Bench"},
                        "from": {"id": user_id, "is_bot": False, "first_name": "Bench"},
                        "text": text,
                        "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
                    },
                }
                await feed_one(
                    app.dispatcher, bot, raw, result, time.perf_counter(), session, False
                )
        result.busy_s = time.perf_counter() - started
        result.updates = 2 * args.active
        gc.collect()
        result.errors_logged = tally.errors - errors_before
        memory = app.memory.report()
        result.rss_peak_mb = rss_peak_mb()
        result.extra = {
            "calls": session.count,
            "users_in_db": await app.users.count(),
            "rss_now_mb": memory.rss_mb,
            "people_cached": memory.people,
            "dialogues_cached": memory.dialogues,
            "flood_buckets": memory.flood_buckets,
        }
    finally:
        await db.close()
        await session.close()
        db_path.unlink(missing_ok=True)
    return result


async def run_child(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(args.workdir)
    if args.log_level:
        from bot.logs import setup_logging

        setup_logging(args.log_level, secrets=[FAKE_TOKEN])
    tally = LogTally.install()
    concurrent = args.child.endswith("concurrent")
    if args.child == "real-scale":
        result = await run_scale(args, workdir, tally)
    elif args.child == "memory-probe":
        result = await run_memory_probe(args, workdir, tally)
    elif args.child.startswith("real"):
        result = await run_real(args, workdir, tally, concurrent=concurrent)
    else:
        result = await run_baseline(args, workdir, tally, concurrent=concurrent)
    summary = result.summary()
    summary["rep"] = args.rep
    return summary


# -- the parent: one child process per run, interleaved, then the report ------------------------


def schedule(args: argparse.Namespace) -> list[tuple[str, int]]:
    """Sequential triples first (the first real run records the stream and its calls), their
    order rotated from one repetition to the next, so that no configuration always runs
    first or last while the machine's load drifts; then one concurrent triple; then scale."""
    triple = ["real-sequential", "bare-sequential", "equiv-sequential"]
    # The stream and the bot's calls are recorded by a run of its own, not timed: keeping
    # 30,000 call objects slows the run that keeps them (memory, garbage collection).
    runs: list[tuple[str, int]] = [("real-record", 0)]
    for rep in range(args.reps):
        order = triple[rep % 3 :] + triple[: rep % 3]
        runs += [(config, rep) for config in order]
    if args.concurrent:
        runs += [("real-concurrent", 0), ("bare-concurrent", 0), ("equiv-concurrent", 0)]
    if args.active:
        runs += [("real-scale", 0), ("memory-probe", 0)]
    return runs


def child_command(args: argparse.Namespace, config: str, rep: int, workdir: Path) -> list[str]:
    command = [
        sys.executable, str(Path(__file__).resolve()), "--child", config, "--rep", str(rep),
        "--workdir", str(workdir), "--updates", str(args.updates), "--users", str(args.users),
        "--batch", str(args.batch), "--seed", str(args.seed), "--active", str(args.active),
        "--registered", str(args.registered), "--scale-updates", str(args.scale_updates),
    ]  # fmt: skip
    if config == "real-record":
        command.append("--record")
    if args.log_level:
        command += ["--log-level", args.log_level]
    if args.flood_limit:
        command.append("--flood-limit")
    return command


def run_all(args: argparse.Namespace) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="jolserik-bench-") as tmp:
        workdir = Path(tmp)
        for config, rep in schedule(args):
            print(f"  running {config} #{rep + 1} ...", file=sys.stderr, flush=True)
            # Logs (if --log-level is given) go to stderr, which is discarded like a log sink.
            done = subprocess.run(  # noqa: S603 - our own script with our own arguments
                child_command(args, config, rep, workdir),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL if args.log_level else None,
                text=True,
                check=True,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(args: argparse.Namespace, results: list[dict[str, Any]], wall_s: float, load: float):
    def runs(config: str) -> list[dict[str, Any]]:
        return [r for r in results if r["config"] == config]

    print()
    print("Jolserik dispatch benchmark (issues 2 and 16)")
    print(
        f"  Python {platform.python_version()} ({platform.python_implementation()}), "
        f"aiogram {aiogram.__version__}, {platform.system()} {platform.machine()}, "
        f"CPUs: {os.cpu_count()} (usable: {len(os.sched_getaffinity(0))}), "
        f"1-min load average at start: {load:.2f}, at end: {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  {speedups.describe()} (the loop for every run; orjson and the lean reading of"
        " answers for the real bot only: the baselines are stock aiogram)"
    )
    print(
        f"  stream: {args.updates} updates over {args.users} users (seed {args.seed}), "
        f"{args.reps} interleaved repetitions; concurrent batches of {args.batch}; warm-up "
        f"{WARMUP_UPDATES} updates; flood limit {'ON' if args.flood_limit else 'off'}; "
        f"logging: {args.log_level or 'off'}"
    )
    print()
    print(
        f"  {'run':<20} {'updates':>7} {'upd/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'in-flight p99':>13} {'RSS MB':>11} {'calls':>6} {'errors':>6} {'resent':>6}"
    )
    print("  " + "-" * 104)
    for r in results:
        rss = f"{r['rss_warm_mb']:.0f}/{r['rss_peak_mb']:.0f}"
        print(
            f"  {r['config'] + ' #' + str(r['rep'] + 1):<20} {r['updates']:>7} {r['rate']:>6.0f} "
            f"{r['p50']:>7.2f} {r['p99']:>7.2f} {r['max']:>7.2f} {r['own_p99']:>13.2f} "
            f"{rss:>11} {r['calls']:>6} {r['errors']:>6} {r['edit_fallbacks']:>6}"
        )
    print(
        "  real-record: the untimed run that records the stream and the bot's calls for the\n"
        "  baselines. memory-probe: the bot alone (no stream builder, a fake API that keeps no\n"
        "  messages), RSS after every active user's update went through; see below.\n"
        "  latency = Update.model_validate + feed_update. p50/p99/max count from the arrival\n"
        "  of the update's batch (what the user waits); in-flight from the update's own start;\n"
        "  the same in sequential runs. errors: exceptions, including those the app's error\n"
        "  handler swallowed; resent: failed edits sent as a new message (both should be 0)."
    )
    for r in results:
        if r["first_error"]:
            print(f"  first error in {r['config']} #{r['rep'] + 1}:\n{r['first_error']}")

    print()
    print("  checks: the runs did the work they claim")
    recorder = runs("real-record")[0]
    stream_runs = [r for r in results if r["config"] not in ("real-scale", "memory-probe")]
    real_runs = [r for r in stream_runs if r["config"].startswith("real")]
    same_stream = len({r["signature"] for r in real_runs}) == 1
    real_equiv_calls = [r["calls"] for r in stream_runs if not r["config"].startswith("bare")]
    same_calls = len(set(real_equiv_calls)) == 1
    bare_calls = [r["calls"] for r in stream_runs if r["config"].startswith("bare")]
    clean = all(r["errors"] == 0 and r["edit_fallbacks"] == 0 for r in results)
    print(
        f"    every update handled: {recorder['updates']} updates, "
        f"{recorder['silent_updates']} without any Bot API call "
        f"(flood limit {'ON' if args.flood_limit else 'off'}): "
        f"{verdict(recorder['silent_updates'] == 0 and not args.flood_limit)}"
    )
    print(f"    real runs fed the same stream: {verdict(same_stream)}")
    print(
        f"    Bot API calls for the stream, real and equivalent runs: "
        f"{sorted(set(real_equiv_calls))} (exactly equal: {verdict(same_calls)}); "
        f"bare: {sorted(set(bare_calls))} (one per update)"
    )
    per_update = recorder["calls"] / recorder["updates"] if recorder["updates"] else 0.0
    print(f"    calls per update: {per_update:.2f} (bare: 1.00)")
    print(f"    no errors, no re-sent edits in any run: {verdict(clean)}")
    print(f"    unplanned steps in the stream: {recorder['improvised']}")

    print()
    print("  ratios from the same repetition (sequential)")
    ratios: dict[str, list[float]] = {"real/bare": [], "real/equiv": [], "equiv/bare": []}
    for rep in range(args.reps):
        rate = {
            name: next(r["rate"] for r in results if r["config"] == f"{name}-sequential"
                       and r["rep"] == rep)
            for name in ("real", "bare", "equiv")
        }  # fmt: skip
        ratios["real/bare"].append(rate["real"] / rate["bare"])
        ratios["real/equiv"].append(rate["real"] / rate["equiv"])
        ratios["equiv/bare"].append(rate["equiv"] / rate["bare"])
        print(
            f"    #{rep + 1}: real {rate['real']:.0f}, bare {rate['bare']:.0f}, equivalent "
            f"{rate['equiv']:.0f} upd/s; real/bare {ratios['real/bare'][-1]:.2f}, "
            f"real/equivalent {ratios['real/equiv'][-1]:.2f}, "
            f"equivalent/bare {ratios['equiv/bare'][-1]:.2f}"
        )
    print(
        "    median: "
        + ", ".join(f"{name} {median(values):.2f}" for name, values in ratios.items())
    )
    if args.concurrent:
        rate = {name: runs(f"{name}-concurrent")[0]["rate"] for name in ("real", "bare", "equiv")}
        print(
            f"    concurrent (batches of {args.batch}): real/bare {rate['real'] / rate['bare']:.2f}"
            f", real/equivalent {rate['real'] / rate['equiv']:.2f}"
        )

    print()
    print("  targets (issue 16, this 2-core machine)")
    real_equiv = median(ratios["real/equiv"])
    print(f"    real / equivalent (median) {real_equiv:.2f} >= 0.5: {verdict(real_equiv >= 0.5)}")
    sequential = runs("real-sequential")
    worst_p99 = max(r["p99"] for r in sequential)
    print(
        f"    p99, sequential, worst repetition {worst_p99:.2f} ms < 20: {verdict(worst_p99 < 20)}"
    )
    if args.active:
        scale = runs("real-scale")[0]
        print(
            f"    {args.active:,} active users among {scale['users_in_db']:,} registered: "
            f"{scale['rate']:.0f} upd/s >= 1,500: {verdict(scale['rate'] >= 1500)}; "
            f"p99 {scale['p99']:.2f} ms < 20: {verdict(scale['p99'] < 20)}; "
            f"peak RSS {scale['rss_peak_mb']:.0f} MB < 300: {verdict(scale['rss_peak_mb'] < 300)}"
        )
        print(
            f"      caches at the end: people {scale['people_cached'][0]:,} of "
            f"{scale['people_cached'][1]:,}, dialogue states {scale['dialogues_cached'][0]:,} of "
            f"{scale['dialogues_cached'][1]:,}; flood buckets {scale['flood_buckets']:,}; "
            f"database {scale['db_mb']:.0f} MB (written in {scale['populate_s']:.1f} s)"
        )
        probe = runs("memory-probe")[0]
        print(
            f"    memory of the bot alone, {probe['users_in_db']:,} registered, "
            f"{probe['people_cached'][0]:,} people and {probe['dialogues_cached'][0]:,} dialogue "
            f"states cached: RSS now {probe['rss_now_mb']:.0f} MB, peak "
            f"{probe['rss_peak_mb']:.0f} MB < 300: {verdict(probe['rss_peak_mb'] < 300)}"
        )
        print(
            "      (the scale run's RSS includes the harness: its stream builder and the fake\n"
            f"      API's copy of {args.active:,} chats with their keyboards)"
        )
    print()
    print(f"  total wall time {wall_s:.1f} s (including start-ups, warm-ups and stream generation)")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=20_000, help="measured updates (20000)")
    parser.add_argument("--users", type=int, default=500, help="distinct users (500)")
    parser.add_argument("--reps", type=int, default=3, help="interleaved repetitions (3)")
    parser.add_argument("--batch", type=int, default=100, help="concurrent batch size (100)")
    parser.add_argument(
        "--no-concurrent", dest="concurrent", action="store_false",
        help="skip the concurrent triple",
    )  # fmt: skip
    parser.add_argument(
        "--active", type=int, default=50_000, help="scale run: active users (50000; 0 skips it)"
    )
    parser.add_argument(
        "--registered", type=int, default=1_000_000, help="scale run: registered users (1000000)"
    )
    parser.add_argument(
        "--scale-updates", type=int, default=100_000, help="scale run: timed updates (100000)"
    )
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
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rep", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--record", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.updates, args.users, args.batch, args.reps) < 1:
        parser.error("--updates, --users, --batch and --reps must be positive")
    if args.active and args.registered < args.active:
        parser.error("--registered must be at least --active")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.child:
        # On the loop production runs on (uvloop with the `fast` extra), for every run alike.
        summary = speedups.run(run_child(args))
        print(json.dumps(summary))
        return 0
    load = os.getloadavg()[0]  # other work on the machine skews every figure: say so
    started = time.perf_counter()
    results = run_all(args)
    report(args, results, time.perf_counter() - started, load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
