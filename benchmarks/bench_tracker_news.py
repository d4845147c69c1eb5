"""Tracker news benchmark (issue 4): staff confirm an accession update; 10,000 subscribers get it.

What is measured
    Setup (this process, not timed): a fresh SQLite file in a temporary directory, `--subscribers`
    onboarded users (random language kk/ru/en and audience) subscribed to the accession topic,
    inserted in bulk, plus one staff user (in ADMIN_IDS). Quiet hours are switched off
    (QUIET_HOURS 00:00-00:00) so the run does not depend on the hour in Seoul and Almaty; with
    them, news for people in their night is simply armed for 08:00 local.

    The real app (`bot.app.build_dispatcher`, APScheduler timer running, SystemClock) and the
    in-process fake Bot API (`bot.offline.fakeapi.FakeTelegramSession`). The staff member walks
    the real /tracker dialogue through the Dispatcher (stage 3, three notes, keep the source), then:

    1. Confirm latency: wall time of feeding the "Confirm and notify" button press through
       `Dispatcher.feed_update` until the handler has answered (the staff reply is the handler's
       last call). It includes the content update + history row, cancelling older queued news,
       reading the subscribers, planning fire times, the bulk insert and arming. Parts of it are
       timed by wrapping `SubscriptionRepository.recipients` and `ReminderEngine.schedule_many`
       (observation only). Event-loop lag (a 10 ms ticker) during the press shows whether it
       holds up other users' updates.
    2. Delivery: the engine's timer delivers every "tracker.news" reminder through the one
       `TelegramSender` at `--pace` messages per second (25 = production default). Fan-out
       spreads the news's fire times at 80% of that pace (`NEWS_SHARE_OF_PACE`), keeping the
       rest for personal reminders. The fake API notes when each news message arrives;
       throughput = messages / (last - first arrival). `--pace 25` for 10,000 subscribers takes
       about 500 s; a higher pace shows the engine's own ceiling (CPU), i.e. how far the pace,
       not the bot, is the limit.

Correctness (from SQLite and the fake API): every subscriber gets exactly one news message, in
their language (its title), every row is 'sent'.

    python benchmarks/bench_tracker_news.py [--subscribers 10000] [--pace 25] [--seed 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiogram  # noqa: E402
from aiogram import Bot  # noqa: E402
from aiogram.methods import SendMessage, TelegramMethod  # noqa: E402
from aiogram.methods.base import TelegramType  # noqa: E402

from bot.app import build_bot, build_dispatcher  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.eps.tracker import NEWS_KIND, NEWS_SHARE_OF_PACE, TOPIC  # noqa: E402
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession  # noqa: E402
from bot.offline.simuser import SimulatedUser  # noqa: E402
from bot.reminders.sender import TelegramSender  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.subscriptions import SubscriptionRepository  # noqa: E402

USER_BASE = 300_000_001
STAFF_ID = 990_000_001
LANGUAGES = ("kk", "ru", "en")
AUDIENCES = ("worker", "family", "other")
TITLES = {
    "kk": "📍 <b>Қазақстан және EPS: жағдай өзгерді</b>",
    "ru": "📍 <b>Казахстан и EPS: статус изменился</b>",
    "en": "📍 <b>Kazakhstan and EPS: the status has changed</b>",
}
NOTES = (
    "Ведомствоаралық комиссия Қазақстан туралы мәселені қарап жатыр.",
    "Межведомственная комиссия Кореи рассматривает вопрос о Казахстане.",
    "Korea's inter-ministerial commission is considering Kazakhstan.",
)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class NewsSession(FakeTelegramSession):
    """The fake Bot API, noting when each news message arrives. Keeps the staff chat (the
    simulated staff member presses buttons in it) and forgets every other message."""

    arrivals: list[tuple[int, str, float]] = field(default_factory=list)  # chat, title, time
    expected: int = 0
    all_sent: asyncio.Event = field(default_factory=asyncio.Event)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - signature fixed by aiogram
    ) -> TelegramType:
        result = await super().make_request(bot, method, timeout)
        if isinstance(method, SendMessage) and int(method.chat_id) != STAFF_ID:
            self.arrivals.append((int(method.chat_id), method.text.split("\n", 1)[0], time.time()))
            self.messages.pop((int(method.chat_id), getattr(result, "message_id", 0)), None)
            if len(self.arrivals) >= self.expected:
                self.all_sent.set()
        return result


async def loop_lag(stop: asyncio.Event, lags_ms: list[float], interval: float = 0.01) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(interval)
        lags_ms.append((loop.time() - before - interval) * 1000)


async def setup(db: Database, subscribers: int, seed: int) -> dict[int, str]:
    rng = random.Random(seed)
    now = int(time.time())
    language_of = {USER_BASE + i: rng.choice(LANGUAGES) for i in range(subscribers)}
    await db.execute_many(
        "INSERT INTO users (id, language, audience, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(uid, lang, rng.choice(AUDIENCES), now, now) for uid, lang in language_of.items()]
        + [(STAFF_ID, "en", "worker", now, now)],
    )
    await db.execute_many(
        "INSERT INTO subscriptions (topic, user_id, created_at) VALUES (?, ?, ?)",
        [(TOPIC, uid, now) for uid in language_of],
    )
    return language_of


def timed(func: Any, seconds: list[float]) -> Any:
    """`func` wrapped to note how long each call took (observation only). A plain function,
    so it binds as a method when set on a class."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await func(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - started)

    return wrapper


async def run(args: argparse.Namespace, db_path: Path) -> dict[str, Any]:
    db = await Database.open(db_path)
    started = time.perf_counter()
    language_of = await setup(db, args.subscribers, args.seed)
    setup_s = time.perf_counter() - started

    session = NewsSession(record_calls=False, expected=args.subscribers)
    bot = build_bot(FAKE_TOKEN, session=session)
    settings = Settings(
        bot_token=None,
        database_path=db_path,
        admin_ids=frozenset({STAFF_ID}),
        default_locale="kk",
        quiet_hours=(clock_time(0, 0), clock_time(0, 0)),
        throttle_burst=100_000,
    )
    app = build_dispatcher(settings, db, clock=SystemClock(), run_timer=True)
    await app.start(bot, run_timer=True, sender=TelegramSender(bot, per_second=args.pace))
    engine = app.reminders
    # As bot/runner.py does in production: what exists now lives for the whole run, so it is
    # taken out of the garbage collector's view (full collections then take ~0 instead of
    # ~150 ms, which would otherwise land in the middle of the confirm).
    gc.collect()
    gc.freeze()

    staff = SimulatedUser(app.dispatcher, bot, session, user_id=STAFF_ID, language_code="en")
    await staff.send("/tracker")
    await staff.press("Update the stage")
    await staff.press("3. ")
    for note in NOTES:
        await staff.send(note)
    preview_started = time.perf_counter()
    await staff.press("Keep the current source")
    preview_s = time.perf_counter() - preview_started
    assert "It will be sent to" in staff.last_text, staff.last_text

    original_recipients = SubscriptionRepository.recipients
    recipients_s: list[float] = []
    schedule_many_s: list[float] = []
    SubscriptionRepository.recipients = timed(original_recipients, recipients_s)  # type: ignore[method-assign]
    engine.schedule_many = timed(engine.schedule_many, schedule_many_s)  # type: ignore[method-assign]

    stop = asyncio.Event()
    lags: list[float] = []
    lag_task = asyncio.create_task(loop_lag(stop, lags))
    await asyncio.sleep(0.05)
    confirm_started = time.perf_counter()
    confirmed_at = time.time()
    await staff.press("Confirm and notify")
    confirm_s = time.perf_counter() - confirm_started
    await asyncio.sleep(0.05)
    stop.set()
    await lag_task
    confirm_lags = list(lags)
    SubscriptionRepository.recipients = original_recipients  # type: ignore[method-assign]
    reply = staff.last_text

    timeout = args.subscribers / (args.pace * NEWS_SHARE_OF_PACE) * 1.5 + 60
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(session.all_sent.wait(), timeout=timeout)
    await asyncio.sleep(0.5)  # a duplicate, if any, would show up now
    await engine.shutdown()

    statuses = dict(
        await db.fetch_tuples(
            "SELECT status, COUNT(*) FROM reminders WHERE kind = ? GROUP BY status", (NEWS_KIND,)
        )
    )
    db_mb = await asyncio.to_thread(lambda: db_path.stat().st_size / 2**20)
    await db.close()

    per_chat = Counter(chat for chat, _, _ in session.arrivals)
    wrong_language = sum(
        1 for chat, title, _ in session.arrivals if title != TITLES[language_of.get(chat, "en")]
    )
    times = sorted(t for _, _, t in session.arrivals)
    duration = times[-1] - times[0] if len(times) > 1 else 0.0
    return {
        "setup_s": setup_s,
        "preview_s": preview_s,
        "confirm_s": confirm_s,
        "recipients_s": sum(recipients_s),
        "schedule_many_s": sum(schedule_many_s),
        "confirm_lag_max_ms": max(confirm_lags, default=0.0),
        "reply": reply.split("\n", 1)[0],
        "first_after_confirm_s": (times[0] - confirmed_at) if times else float("nan"),
        "last_after_confirm_s": (times[-1] - confirmed_at) if times else float("nan"),
        "delivered": len(per_chat),
        "sends": len(session.arrivals),
        "duplicates": sum(1 for n in per_chat.values() if n > 1),
        "wrong_language": wrong_language,
        "throughput": (len(times) - 1) / duration if duration else float("nan"),
        "gaps_ms": [(b - a) * 1000 for a, b in itertools.pairwise(times)],
        "statuses": statuses,
        "db_mb": db_mb,
        "peak_mb": peak_rss_mb(),
    }


def print_report(args: argparse.Namespace, r: dict[str, Any]) -> None:
    n = args.subscribers
    print()
    print("Jolserik tracker news benchmark (issue 4)")
    print(
        f"  Python {platform.python_version()}, aiogram {aiogram.__version__}, "
        f"{platform.system()} {platform.machine()}, CPUs usable: {len(os.sched_getaffinity(0))}"
    )
    print(f"  {n} subscribers (kk/ru/en at random), sender pace {args.pace:g} msg/s")
    print(
        f"  setup (bulk insert, not timed as part of the run): {r['setup_s']:.2f} s; "
        "gc.freeze() after start-up, as in production"
    )
    print()
    print("  staff side")
    print(f"    preview (counts subscribers, renders 3 languages) {r['preview_s'] * 1000:8.1f} ms")
    print(f"    confirm press -> staff reply                      {r['confirm_s'] * 1000:8.1f} ms")
    print(
        f"      of which: read subscribers                      {r['recipients_s'] * 1000:8.1f} ms"
    )
    print(
        f"                insert {n} rows + arm (schedule_many) "
        f"{r['schedule_many_s'] * 1000:8.1f} ms"
    )
    print(
        f"    event-loop lag during the press, max              {r['confirm_lag_max_ms']:8.1f} ms"
    )
    print(f"    reply: {r['reply']}")
    print()
    print("  delivery (fake Bot API)")
    print(
        f"    first message {r['first_after_confirm_s']:.2f} s after confirm, last "
        f"{r['last_after_confirm_s']:.1f} s after"
    )
    print(
        f"    throughput {r['throughput']:.1f} msg/s (pace {args.pace:g}, news planned at "
        f"{args.pace * NEWS_SHARE_OF_PACE:g}); gap between sends "
        f"p50 {pct(r['gaps_ms'], 50):.1f} ms, p99 {pct(r['gaps_ms'], 99):.1f} ms"
    )
    print(f"    DB file {r['db_mb']:.1f} MB, peak RSS {r['peak_mb']:.0f} MB")
    print()
    ok_once = r["delivered"] == n and r["sends"] == n and r["duplicates"] == 0
    ok_status = r["statuses"] == {"sent": n}
    ok_language = r["wrong_language"] == 0
    print("  correctness")
    print(
        f"    delivered {r['delivered']}/{n}, sends {r['sends']}, duplicates {r['duplicates']}"
        f"  -> {'PASS' if ok_once else 'MISS'}"
    )
    print(f"    rows: {r['statuses']}  -> {'PASS' if ok_status else 'MISS'}")
    print(
        f"    in the subscriber's language: {n - r['wrong_language']}/{n}"
        f"  -> {'PASS' if ok_language else 'MISS'}"
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=10_000, help="(10000)")
    parser.add_argument("--pace", type=float, default=25.0, help="sender msg/s (25, production)")
    parser.add_argument("--seed", type=int, default=4, help="random seed (4)")
    args = parser.parse_args(argv)
    if args.subscribers < 1 or args.pace <= 0:
        parser.error("need --subscribers >= 1 and --pace > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="jolserik-bench-news-") as tmp:
        print(
            f"  running: {args.subscribers} subscribers at {args.pace:g} msg/s "
            f"(~{args.subscribers / (args.pace * NEWS_SHARE_OF_PACE):.0f} s) ...",
            file=sys.stderr,
            flush=True,
        )
        result = asyncio.run(run(args, Path(tmp) / "news.sqlite3"))
    print_report(args, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
