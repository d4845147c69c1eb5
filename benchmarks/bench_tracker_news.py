"""Tracker news benchmark (issues 4, 16): staff confirm an accession update; subscribers get it.

What is measured
    Setup (this process, not timed): a fresh SQLite file in a temporary directory, `--subscribers`
    onboarded users (random language kk/ru/en and audience) subscribed to the accession topic,
    inserted in bulk, plus one staff user (in ADMIN_IDS). Quiet hours are switched off
    (QUIET_HOURS 00:00-00:00) so the run does not depend on the hour in Seoul and Almaty; with
    them, news for people in their night is simply armed for 08:00 local.

    The real app (`bot.app.build_dispatcher`, APScheduler timer running, SystemClock) and the
    in-process fake Bot API (`bot.offline.fakeapi.FakeTelegramSession`), which answers every
    call after a latency drawn uniformly from `--latency-ms` (30-300 ms: a server far from
    Telegram's data centres on a bad day; 30-80 ms is Europe). The staff member walks the real
    /tracker dialogue through the Dispatcher (stage 3, three notes, keep the source), then:

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
       about 500 s (the default, 2,000, takes 100 s); a higher pace shows the engine's own
       ceiling (CPU), i.e. how far the pace, not the bot, is the limit.
       Sends in flight: the fake counts the calls under way when each news message comes in
       (peak and mean), and notes the sender's `in_flight_target()` then (issue 16: it follows
       the measured round trip; `--slots N` pins it to N, e.g. 4 as before issue 16).
    3. Pace at a steady round trip (issue 16): the same again on a fresh database with
       `--pace-subscribers` (1,200: 60 s) and every call taking `--pace-latency-ms` (300). The
       steady-state news rate must be within 2 % of the planned news rate,
       int(pace x NEWS_SHARE_OF_PACE) = 20 msg/s at 25. With 4 sends in flight it was 13.2 msg/s
       (4 / 0.3 s). Steady state: the first batch is due at the whole second before the confirm,
       so for up to 5 s the news catches up at the sender's full pace (25/s, every slot free);
       arrivals are then counted over whole seconds (news falls due in whole-second batches, so
       a window of whole seconds is not biased by where a batch starts or ends).

Correctness (from SQLite and the fake API), for both runs: every subscriber gets exactly one
news message, in their language (its title), every row is 'sent'. Figures only, exit status 0.

    python benchmarks/bench_tracker_news.py [--subscribers 2000] [--pace 25] [--seed 4]
        [--latency-ms 30 300] [--pace-subscribers 1200] [--pace-latency-ms 300] [--slots N]
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
from aiogram.methods import SendMessage, TelegramMethod  # noqa: E402

from benchmarks.inflight import InFlightSession  # noqa: E402
from bot.app import build_bot, build_dispatcher  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.eps.tracker import NEWS_KIND, NEWS_SHARE_OF_PACE, TOPIC  # noqa: E402
from bot.offline.fakeapi import FAKE_TOKEN  # noqa: E402
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
class NewsSession(InFlightSession):
    """The fake Bot API, noting when each news message arrives. Keeps the staff chat (the
    simulated staff member presses buttons in it) and forgets every other message."""

    arrivals: list[tuple[int, str, float]] = field(default_factory=list)  # chat, title, time
    expected: int = 0
    all_sent: asyncio.Event = field(default_factory=asyncio.Event)

    def counts(self, method: TelegramMethod[Any]) -> bool:
        return isinstance(method, SendMessage) and int(method.chat_id) != STAFF_ID

    def arrived(self, method: TelegramMethod[Any], result: Any, started: float) -> None:
        if self.counts(method):
            assert isinstance(method, SendMessage)
            self.arrivals.append((int(method.chat_id), method.text.split("\n", 1)[0], time.time()))
            self.messages.pop((int(method.chat_id), getattr(result, "message_id", 0)), None)
            if len(self.arrivals) >= self.expected:
                self.all_sent.set()


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


# The first batch of news is due at the whole second before the confirm: the backlog is caught
# up at the full pace (25/s against 20/s planned), which takes up to 5 s.
STEADY_AFTER_S = 5.0


def news_rate(pace: float) -> int:
    """The rate news is planned at (`publish_news`): whole messages per second."""
    return max(1, int(pace * NEWS_SHARE_OF_PACE))


def steady_rate(times: list[float], skip_s: float = STEADY_AFTER_S) -> float:
    """Messages per second in steady state: arrivals counted over the longest whole number of
    seconds that starts `skip_s` after the first one and ends before the last. News falls due
    in whole-second batches (`news_rate` per second), so a window of whole seconds sees whole
    batches and the count is not biased by where a batch starts or ends."""
    if len(times) < 2:
        return float("nan")
    start = times[0] + skip_s
    seconds = int(times[-1] - start)
    if seconds < 1:
        return float("nan")
    return sum(1 for t in times if start <= t < start + seconds) / seconds


async def run(
    args: argparse.Namespace,
    db_path: Path,
    subscribers: int,
    latency: float | tuple[float, float],
) -> dict[str, Any]:
    db = await Database.open(db_path)
    started = time.perf_counter()
    language_of = await setup(db, subscribers, args.seed)
    setup_s = time.perf_counter() - started

    if isinstance(latency, tuple):
        low, high = latency
        session = NewsSession(
            record_calls=False, expected=subscribers, latency=lambda: random.uniform(low, high)
        )
    else:
        session = NewsSession(record_calls=False, expected=subscribers, latency=latency)
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
    pinned = (
        {} if args.slots is None else {"min_in_flight": args.slots, "max_in_flight": args.slots}
    )
    sender = TelegramSender(bot, per_second=args.pace, **pinned)
    session.sender = sender
    await app.start(bot, run_timer=True, sender=sender)
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

    timeout = subscribers / news_rate(args.pace) * 1.5 + 60
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(session.all_sent.wait(), timeout=timeout)
    await asyncio.sleep(0.5)  # a duplicate, if any, would show up now
    await app.relay.shutdown()
    await app.announcements.shutdown()
    await engine.shutdown()
    gc.unfreeze()

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
    seen = session.in_flight_seen
    return {
        "subscribers": subscribers,
        "latency": latency,
        "load_avg": os.getloadavg(),
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
        "steady_rate": steady_rate(times),
        "in_flight_peak": max(seen, default=0),
        "in_flight_mean": sum(seen) / len(seen) if seen else float("nan"),
        "targets": (min(session.targets, default=0), max(session.targets, default=0)),
        "target_last": sender.in_flight_target(),
        "rtt_mean_ms": (sender.round_trip.mean or 0.0) * 1000,
        "rtt_estimate_ms": sender.round_trip.estimate * 1000,
        "gaps_ms": [(b - a) * 1000 for a, b in itertools.pairwise(times)],
        "statuses": statuses,
        "db_mb": db_mb,
        "peak_mb": peak_rss_mb(),
    }


def latency_text(latency: float | tuple[float, float]) -> str:
    if isinstance(latency, tuple):
        return f"{latency[0] * 1000:g}-{latency[1] * 1000:g} ms uniform"
    return f"{latency * 1000:g} ms fixed"


def print_delivery(args: argparse.Namespace, r: dict[str, Any]) -> None:
    print(
        f"    first message {r['first_after_confirm_s']:.2f} s after confirm, last "
        f"{r['last_after_confirm_s']:.1f} s after"
    )
    print(
        f"    throughput {r['throughput']:.2f} msg/s, after the first {STEADY_AFTER_S:g} s "
        f"{r['steady_rate']:.2f} msg/s (pace {args.pace:g}, news planned at "
        f"{news_rate(args.pace)}); gap between sends "
        f"p50 {pct(r['gaps_ms'], 50):.1f} ms, p99 {pct(r['gaps_ms'], 99):.1f} ms"
    )
    low, high = r["targets"]
    slots = "adaptive" if args.slots is None else f"pinned to {args.slots}"
    print(
        f"    sends in flight ({slots}): peak {r['in_flight_peak']}, mean "
        f"{r['in_flight_mean']:.1f}; sender's target {low}-{high} (last {r['target_last']}); "
        f"round trip mean {r['rtt_mean_ms']:.0f} ms, planned with {r['rtt_estimate_ms']:.0f} ms"
    )
    print(
        f"    DB file {r['db_mb']:.1f} MB, peak RSS {r['peak_mb']:.0f} MB; load average "
        f"{r['load_avg'][0]:.2f} / {r['load_avg'][1]:.2f} / {r['load_avg'][2]:.2f} at the end"
    )


def print_correctness(r: dict[str, Any]) -> bool:
    n = r["subscribers"]
    ok_once = r["delivered"] == n and r["sends"] == n and r["duplicates"] == 0
    ok_status = r["statuses"] == {"sent": n}
    ok_language = r["wrong_language"] == 0
    print("    correctness")
    print(
        f"      delivered {r['delivered']}/{n}, sends {r['sends']}, duplicates {r['duplicates']}"
        f"  -> {'PASS' if ok_once else 'MISS'}"
    )
    print(f"      rows: {r['statuses']}  -> {'PASS' if ok_status else 'MISS'}")
    print(
        f"      in the subscriber's language: {n - r['wrong_language']}/{n}"
        f"  -> {'PASS' if ok_language else 'MISS'}"
    )
    return ok_once and ok_status and ok_language


def print_report(args: argparse.Namespace, r: dict[str, Any], p: dict[str, Any] | None) -> None:
    n = r["subscribers"]
    print()
    print("Jolserik tracker news benchmark (issues 4, 16)")
    print(
        f"  Python {platform.python_version()}, aiogram {aiogram.__version__}, "
        f"{platform.system()} {platform.machine()}, CPUs usable: {len(os.sched_getaffinity(0))}"
    )
    print(
        f"  {n} subscribers (kk/ru/en at random), sender pace {args.pace:g} msg/s, "
        f"fake Bot API latency {latency_text(r['latency'])}"
    )
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
    print(f"  delivery (fake Bot API, {latency_text(r['latency'])})")
    print_delivery(args, r)
    print_correctness(r)
    if p is None:
        return
    print()
    print(
        f"  pace at a steady round trip (issue 16): {p['subscribers']} subscribers, "
        f"{latency_text(p['latency'])}"
    )
    print_delivery(args, p)
    planned = news_rate(args.pace)
    off = abs(p["steady_rate"] - planned) / planned
    print(
        f"    news rate {p['steady_rate']:.2f} msg/s vs planned {planned} msg/s: "
        f"{off * 100:.1f} % off  -> {'PASS' if off <= 0.02 else 'MISS'} (within 2 %)"
    )
    print_correctness(p)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=2_000, help="(2000)")
    parser.add_argument("--pace", type=float, default=25.0, help="sender msg/s (25, production)")
    parser.add_argument("--seed", type=int, default=4, help="random seed (4)")
    parser.add_argument(
        "--latency-ms",
        type=float,
        nargs=2,
        default=(30.0, 300.0),
        metavar=("LO", "HI"),
        help="fake Bot API latency, uniform (30 300)",
    )
    parser.add_argument(
        "--pace-subscribers", type=int, default=1_200, help="the steady-latency run (1200; 0: skip)"
    )
    parser.add_argument(
        "--pace-latency-ms", type=float, default=300.0, help="its fixed latency (300)"
    )
    parser.add_argument(
        "--slots", type=int, default=None, help="pin sends in flight to N (default: adaptive)"
    )
    args = parser.parse_args(argv)
    if args.subscribers < 1 or args.pace <= 0 or args.pace_subscribers < 0:
        parser.error("need --subscribers >= 1, --pace > 0, --pace-subscribers >= 0")
    if not 0 <= args.latency_ms[0] <= args.latency_ms[1] or args.pace_latency_ms < 0:
        parser.error("need 0 <= LO <= HI and --pace-latency-ms >= 0")
    if args.slots is not None and args.slots < 1:
        parser.error("need --slots >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    rate = news_rate(args.pace)
    with tempfile.TemporaryDirectory(prefix="jolserik-bench-news-") as tmp:
        print(
            f"  running: {args.subscribers} subscribers at {rate} msg/s "
            f"(~{args.subscribers / rate:.0f} s), then {args.pace_subscribers} at "
            f"{args.pace_latency_ms:g} ms (~{args.pace_subscribers / rate:.0f} s) ...",
            file=sys.stderr,
            flush=True,
        )
        latency = (args.latency_ms[0] / 1000, args.latency_ms[1] / 1000)
        result = asyncio.run(run(args, Path(tmp) / "news.sqlite3", args.subscribers, latency))
        paced = None
        if args.pace_subscribers:
            paced = asyncio.run(
                run(
                    args,
                    Path(tmp) / "pace.sqlite3",
                    args.pace_subscribers,
                    args.pace_latency_ms / 1000,
                )
            )
    print_report(args, result, paced)
    return 0


if __name__ == "__main__":
    sys.exit(main())
