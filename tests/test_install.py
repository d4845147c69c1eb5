"""A regular install works: the wheel carries everything the bot reads at run time.

`pip install .` (a container, pipx, a wheel) once stopped at start-up with "catalogs missing",
because the catalogs were read from the source tree next to the code. This test builds the wheel,
installs it into a folder outside the checkout and, in a fresh interpreter whose working
directory is not the checkout, gets an answer to /start in each language from the installed
code. The dependencies come from this virtualenv (installing them again would only test PyPI);
the test checks that every module of ours was loaded from the installed wheel, not from the tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import asyncio, json, sys
from pathlib import Path

import bot, handlers, locales, storage
from bot.app import build_bot, build_dispatcher
from bot.clock import ManualClock
from bot.config import Settings
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession
from bot.offline.simuser import SimulatedUser
from storage.db import Database

target = Path(sys.argv[1]).resolve()

async def main():
    origins = {m.__name__: m.__file__ for m in (bot, handlers, locales, storage)}
    db = await Database.open(Path(sys.argv[2]))
    clock = ManualClock(1_795_000_000)
    session = FakeTelegramSession(clock=clock.now)
    tg = build_bot(FAKE_TOKEN, session=session)
    app = build_dispatcher(
        Settings(bot_token=None, database_path=Path(sys.argv[2])), db, clock=clock, run_timer=False
    )
    await app.start(tg, run_timer=False)
    greetings = {}
    for n, code in enumerate(("kk", "ru", "en")):
        user = SimulatedUser(app.dispatcher, tg, session, user_id=500 + n, language_code=code)
        await user.send("/start")
        greetings[code] = user.last_text
    await app.reminders.shutdown()
    await db.close()
    print(json.dumps({"origins": origins, "greetings": greetings}))

asyncio.run(main())
"""


def run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        [str(a) for a in args], check=True, capture_output=True, text=True, **kwargs
    )


def test_the_wheel_answers_start_in_every_language_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        ROOT,
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        wheels,
    )
    (wheel,) = wheels.glob("jolserik-*.whl")
    site = tmp_path / "site"
    run(sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, wheel)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}
    env.pop("BOT_TOKEN", None)
    done = run(sys.executable, "-c", SCRIPT, site, tmp_path / "bot.sqlite3", cwd=elsewhere, env=env)
    report = json.loads(done.stdout.strip().splitlines()[-1])

    for name, origin in report["origins"].items():
        assert Path(origin).resolve().is_relative_to(site.resolve()), (name, origin)
    greetings = report["greetings"]
    assert greetings["kk"].startswith("Сәлеметсіз бе!")
    assert greetings["ru"].startswith("Здравствуйте!")
    assert greetings["en"].startswith("Hello! I am Jolserik")
