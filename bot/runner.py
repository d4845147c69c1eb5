"""Production run: long polling, with the database and scheduler opened and closed around it.

Before polling, the bot makes sure Telegram answers and accepts the token (`connect`), so a
condition the operator can fix ends in one line, never a traceback:
- a refused token stops at once with a line naming BOT_TOKEN (exit code 2);
- no network (or Telegram unreachable) is retried with growing pauses, one log line a try,
  for as long as it takes; SIGTERM or Ctrl-C meanwhile stops quietly;
- a second bot on the same database stops at once with a line naming the running one
  (`bot/ops/instance_lock.py`), exit code 2.

`run_bot` is the entry point of `python -m bot`: it runs the loop on uvloop when installed, and
the start-up log names the optional speed-ups in use (`bot/speedups.py`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import User

from bot import speedups
from bot.app import build_bot, build_dispatcher
from bot.config import Settings
from bot.ops import instance_lock
from storage.db import Database

log = logging.getLogger(__name__)

RETRY_CAP_S = 60.0


class StartupError(Exception):
    """The bot cannot start for a reason the operator can fix; the message is one line."""


async def connect(bot: Bot, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> User:
    """`getMe` until Telegram answers: the token is checked, and the network is up."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await bot.get_me()
        except TelegramUnauthorizedError:
            raise StartupError(
                "Telegram refused the token in BOT_TOKEN (401 Unauthorized): copy it again "
                "from @BotFather"
            ) from None
        except TelegramNotFound:
            raise StartupError(
                "the Bot API answered 404 Not Found: check TELEGRAM_API_URL (or leave it empty) "
                "and BOT_TOKEN"
            ) from None
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as error:
            delay = min(2.0 ** (attempt - 1), RETRY_CAP_S)
            if isinstance(error, TelegramRetryAfter):
                delay = max(delay, float(error.retry_after))
            log.warning(
                "cannot reach Telegram (attempt %d, %s); trying again in %.0f s",
                attempt,
                type(error).__name__,
                delay,
                extra={"attempt": attempt, "error": type(error).__name__},
            )
            await sleep(delay)


async def _connect_or_stop(bot: Bot) -> User | None:
    """`connect`, or None if SIGTERM/SIGINT arrives first (aiogram's own signal handling only
    begins once polling starts)."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(connect(bot))
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        return None
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def run_bot(settings: Settings) -> None:
    """The process entry point: `run_polling` on uvloop when installed (`bot/speedups.py`)."""
    speedups.run(run_polling(settings))


async def run_polling(settings: Settings) -> None:
    token = settings.require_token().get_secret_value()
    # One bot per database, for the whole run: a second instance (an overlapping deploy, a
    # forgotten terminal) would fight this one for SQLite's write lock and Telegram's updates.
    # Taken before the database is opened; the OS drops it on any exit, kill -9 included.
    try:
        lock = instance_lock.acquire(settings.database_path)
    except instance_lock.InstanceLocked as error:
        raise StartupError(f"another instance is running: {error}; one bot per database") from None
    except OSError as error:
        raise StartupError(
            f"cannot create the lock file next to DATABASE_PATH ({settings.database_path}): {error}"
        ) from None
    try:
        # Logged once this process is sure to be the bot (a refused start stays one line).
        log.info(speedups.describe())
        await _run(settings, token)
    finally:
        lock.release()


async def _run(settings: Settings, token: str) -> None:
    db = await Database.open(settings.database_path)
    try:
        app = build_dispatcher(settings, db)
        bot = build_bot(token, api_url=settings.telegram_api_url)
        try:
            me = await _connect_or_stop(bot)
            if me is None:
                log.info("stopped before Telegram could be reached")
                return
            log.info(
                "connected as @%s; starting long polling (database %s)",
                me.username,
                settings.database_path,
            )
            # Everything imported so far lives for the whole run; taking it out of the garbage
            # collector's view cuts full-collection pauses from ~150 ms to ~0 (measured, see
            # docs/benchmarks.md), which keeps reminder and reply latency even.
            gc.collect()
            gc.freeze()
            # aiogram handles SIGINT/SIGTERM itself: polling stops, shutdown hooks run.
            await app.dispatcher.start_polling(
                bot, allowed_updates=app.dispatcher.resolve_used_update_types()
            )
        finally:
            await bot.session.close()
    finally:
        await db.close()
    log.info("stopped cleanly")
