"""Optional speed-ups (issue 16, item 6): orjson vs the standard json, uvloop vs asyncio's loop.

What is measured
    JSON, as aiogram's session uses it, through the very functions `bot/speedups.py` hands to
    `AiohttpSession` (`json_codec()` with the switch on, and off for the standard library):
    - loads of a sendMessage answer carrying an inline keyboard of 8 buttons (Kazakh/Russian
      text and emoji, escaped as \\uXXXX the way api.telegram.org sends them);
    - loads of a getUpdates answer with 10 message updates;
    - dumps of the 8-button keyboard (what aiogram writes for `reply_markup`);
    - `check_response` on the sendMessage answer: loads plus aiogram's pydantic validation, the
      whole cost of reading an answer, to show what share JSON is of it.
    The two codecs alternate in every repetition (order swapped each time); the median µs per
    call is printed for each and the ratio stdlib ÷ orjson.

    Event loop: a child process per run (`speedups.run`, uvloop or asyncio's default loop, the
    order alternating), each timing inside the loop: 50,000 tasks created and gathered, each
    doing `sleep(0)`; 50,000 queue ping-pong round trips between two tasks; 2,000 thread hops
    (`asyncio.to_thread`, the pattern of aiosqlite's calls). Median seconds per workload and the
    ratio default ÷ uvloop.

    Both halves check their results (parsed objects equal across codecs, workload totals).
    Without the `fast` extra installed the missing half is reported as skipped. Exit status 0.

    python benchmarks/bench_speedups.py [--reps 7] [--loop-reps 5]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import speedups  # noqa: E402

ON: dict[str, str] = {speedups.SWITCH: "on"}
OFF: dict[str, str] = {speedups.SWITCH: "off"}
LABELS = [
    ("📋", "Кетер алдында"),
    ("⏰", "Еске салғыштар"),
    ("❓", "Жиі қойылатын сұрақтар"),
    ("✉️", "Адамға сұрақ / Вопрос человеку"),
    ("🏥", "Медицина және сақтандыру"),
    ("💸", "Ақша аудару"),
    ("🌐", "Тіл / Язык / Language"),
    ("⬅️", "Артқа"),
]
TEXT = (
    "🇰🇿 <b>Сәлеметсіз бе, Әйгерім!</b>\n"
    "Кореядағы жұмыс визасы (E-9) бойынша еске салу: шарт мерзімі 30 күннен кейін аяқталады. "
    "Здравствуйте! Срок вашего трудового договора истекает через 30 дней 📅 — "
    "проверьте документы заранее. Төмендегі мәзірден таңдаңыз 👇"
)


def keyboard() -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": f"{emoji} {label}", "callback_data": f"menu:open:{index}"}]
            for index, (emoji, label) in enumerate(LABELS)
        ]
    }


def message(message_id: int, *, from_bot: bool, text: str) -> dict[str, Any]:
    sender = (
        {"id": 7_123_456_789, "is_bot": True, "first_name": "Жолсерік", "username": "jolserik_bot"}
        if from_bot
        else {
            "id": 5_551_234_567,
            "is_bot": False,
            "first_name": "Әйгерім",
            "last_name": "Нұрланқызы",
            "username": "aigerim_n",
            "language_code": "kk",
        }
    )
    return {
        "message_id": message_id,
        "from": sender,
        "chat": {
            "id": 5_551_234_567,
            "first_name": "Әйгерім",
            "last_name": "Нұрланқызы",
            "username": "aigerim_n",
            "type": "private",
        },
        "date": 1_764_000_000 + message_id,
        "text": text,
    }


def send_message_answer() -> dict[str, Any]:
    result = message(48213, from_bot=True, text=TEXT.replace("<b>", "").replace("</b>", ""))
    result["entities"] = [{"offset": 5, "length": 23, "type": "bold"}]
    result["reply_markup"] = keyboard()
    return {"ok": True, "result": result}


def get_updates_answer() -> dict[str, Any]:
    texts = ["/start", "📋 Кетер алдында", "Как продлить визу E-9?", "⏰ Еске салғыштар", "рахмет!"]
    return {
        "ok": True,
        "result": [
            {
                "update_id": 900_000 + i,
                "message": message(2000 + i, from_bot=False, text=texts[i % len(texts)]),
            }
            for i in range(10)
        ],
    }


def per_call_us(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def bench_json(reps: int) -> None:
    if importlib.util.find_spec("orjson") is None:
        print("json: orjson is not installed (pip install '.[fast]'): skipped")
        return
    from aiogram.methods import SendMessage

    from bot.app import build_bot
    from bot.offline.fakeapi import FAKE_TOKEN

    fast_loads, fast_dumps = speedups.json_codec(ON)
    std_loads, std_dumps = speedups.json_codec(OFF)
    assert fast_dumps is not json.dumps and std_dumps is json.dumps
    # api.telegram.org escapes non-ASCII characters: json.dumps' default reproduces that.
    answer_text = json.dumps(send_message_answer())
    updates_text = json.dumps(get_updates_answer())
    markup = keyboard()
    for loads, dumps in ((fast_loads, fast_dumps), (std_loads, std_dumps)):
        assert loads(answer_text) == send_message_answer()
        assert loads(updates_text) == get_updates_answer()
        assert isinstance(dumps(markup), str) and json.loads(dumps(markup)) == markup

    # One Bot per codec, built as production builds it; only check_response is called (no I/O).
    os.environ[speedups.SWITCH] = "on"
    fast_bot = build_bot(FAKE_TOKEN)
    os.environ[speedups.SWITCH] = "off"
    std_bot = build_bot(FAKE_TOKEN)
    del os.environ[speedups.SWITCH]
    method = SendMessage(chat_id=5_551_234_567, text="x")

    def check(bot: Any) -> Callable[[], object]:
        return lambda: bot.session.check_response(bot, method, 200, answer_text)

    assert check(fast_bot)().result == check(std_bot)().result  # type: ignore[attr-defined]

    cases: list[tuple[str, int, Callable[[], object], Callable[[], object]]] = [
        (
            f"loads sendMessage answer, 8-button keyboard ({len(answer_text.encode()):,} B)",
            20_000,
            lambda: std_loads(answer_text),
            lambda: fast_loads(answer_text),
        ),
        (
            f"loads getUpdates answer, 10 messages ({len(updates_text.encode()):,} B)",
            5_000,
            lambda: std_loads(updates_text),
            lambda: fast_loads(updates_text),
        ),
        (
            "dumps reply_markup, 8 buttons",
            20_000,
            lambda: std_dumps(markup),
            lambda: fast_dumps(markup),
        ),
        (
            "check_response: loads + pydantic, sendMessage answer",
            3_000,
            check(std_bot),
            check(fast_bot),
        ),
    ]
    print(f"json: median µs per call over {reps} interleaved repetitions")
    print(f"  {'':58} {'stdlib':>8} {'orjson':>8} {'ratio':>6}")
    for name, calls, std, fast in cases:
        std_t: list[float] = []
        fast_t: list[float] = []
        per_call_us(std, calls // 10)  # warm-up
        per_call_us(fast, calls // 10)
        for rep in range(reps):
            order = [(std, std_t), (fast, fast_t)]
            for fn, times in order if rep % 2 == 0 else reversed(order):
                times.append(per_call_us(fn, calls))
        std_m, fast_m = statistics.median(std_t), statistics.median(fast_t)
        print(f"  {name:58} {std_m:8.2f} {fast_m:8.2f} {std_m / fast_m:5.1f}×")


# --- event loop --------------------------------------------------------------------------------

TASKS = 50_000
PINGS = 50_000
HOPS = 2_000


async def loop_workload() -> dict[str, float]:
    timings: dict[str, float] = {}

    async def nothing() -> int:
        await asyncio.sleep(0)
        return 1

    start = time.perf_counter()
    done = await asyncio.gather(*(asyncio.create_task(nothing()) for _ in range(TASKS)))
    timings["tasks"] = time.perf_counter() - start
    assert sum(done) == TASKS

    ping: asyncio.Queue[int] = asyncio.Queue()
    pong: asyncio.Queue[int] = asyncio.Queue()

    async def echo() -> None:
        while (value := await ping.get()) >= 0:
            await pong.put(value + 1)

    echoer = asyncio.create_task(echo())
    start = time.perf_counter()
    total = 0
    for i in range(PINGS):
        await ping.put(i)
        total += await pong.get() - i
    await ping.put(-1)
    await echoer
    timings["ping-pong"] = time.perf_counter() - start
    assert total == PINGS

    start = time.perf_counter()
    hops = 0
    for _ in range(HOPS):
        hops += await asyncio.to_thread(int, 1)
    timings["thread hops"] = time.perf_counter() - start
    assert hops == HOPS
    return timings


def loop_child(variant: str) -> None:
    environ = ON if variant == "uvloop" else OFF

    async def main() -> dict[str, Any]:
        timings = await loop_workload()
        return {"loop": type(asyncio.get_running_loop()).__module__, **timings}

    print(json.dumps(speedups.run(main(), environ=environ)))


def bench_loop(reps: int) -> None:
    if importlib.util.find_spec("uvloop") is None:
        print("loop: uvloop is not installed (pip install '.[fast]'): skipped")
        return
    results: dict[str, list[dict[str, Any]]] = {"default": [], "uvloop": []}
    for rep in range(reps):
        order = ["default", "uvloop"] if rep % 2 == 0 else ["uvloop", "default"]
        for variant in order:
            out = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, __file__, "--loop-child", variant],
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            )
            results[variant].append(json.loads(out.stdout))
    assert all(r["loop"].startswith("uvloop") for r in results["uvloop"])
    assert all(r["loop"].startswith("asyncio") for r in results["default"])
    print(f"loop: median seconds over {reps} interleaved child processes each")
    print(f"  {'':44} {'default':>8} {'uvloop':>8} {'ratio':>6}")
    names = {
        "tasks": f"{TASKS:,} tasks create + sleep(0) + gather",
        "ping-pong": f"{PINGS:,} queue ping-pong round trips",
        "thread hops": f"{HOPS:,} asyncio.to_thread hops",
    }
    for key, name in names.items():
        default = statistics.median(r[key] for r in results["default"])
        fast = statistics.median(r[key] for r in results["uvloop"])
        print(f"  {name:44} {default:8.3f} {fast:8.3f} {default / fast:5.1f}×")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="JSON repetitions per codec")
    parser.add_argument("--loop-reps", type=int, default=5, help="child processes per loop")
    parser.add_argument("--loop-child", choices=["default", "uvloop"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loop_child:
        loop_child(args.loop_child)
        return 0
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(speedups.describe(ON))
    bench_json(args.reps)
    bench_loop(args.loop_reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
