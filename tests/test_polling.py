"""End to end: the real `python -m bot` polling entry point against a fake Bot API on 127.0.0.1.

Every other test drives the Dispatcher in-process. This one proves that the production entry point
itself starts with a real HTTP session, answers a user's /start in their language, registers the
command list once per language, writes the user to SQLite, and on SIGTERM or SIGINT shuts down
cleanly (exit code 0, no traceback) without ever printing the token, even at DEBUG level.
No internet: the bot talks only to an aiohttp server started inside the test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.config import SETTING_NAMES

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAE_abcdefghijklmnopqrstuvwxyz012345"
BOT_ID = 123456789
USER_ID = 555
START_TIMEOUT_S = 20.0
EXIT_TIMEOUT_S = 20.0
LONG_POLL_CAP_S = 1.0


@dataclass
class FakeBotAPI:
    """A few Bot API methods over HTTP; every call is recorded as (method, params)."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _update_sent: bool = False

    def sent_to(self, chat_id: int) -> list[str]:
        return [
            str(params.get("text", ""))
            for method, params in self.calls
            if method == "sendMessage" and str(params.get("chat_id")) == str(chat_id)
        ]

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)

    async def handle(self, request: web.Request) -> web.Response:
        self.tokens.add(request.match_info["token"])
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = {
            "getMe": lambda _: {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Jolserik",
                "username": "jolserik_e2e_bot",
            },
            "deleteWebhook": lambda _: True,
            "setMyCommands": lambda _: True,
            "answerCallbackQuery": lambda _: True,
            "sendMessage": self._message,
            "editMessageText": self._message,
        }.get(method)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        return web.json_response({"ok": True, "result": handler(params)})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        form = await request.post()
        return {key: value for key, value in form.items() if isinstance(value, str)}

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        message_id = params.get("message_id")
        return {
            "message_id": int(message_id) if message_id else next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Jolserik"},
            "text": str(params.get("text", "")),
        }

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        if not self._update_sent:
            self._update_sent = True
            user = {
                "id": USER_ID,
                "is_bot": False,
                "first_name": "Aigerim",
                "language_code": "en",
            }
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": USER_ID, "type": "private", "first_name": "Aigerim"},
                    "from": user,
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            return web.json_response({"ok": True, "result": [update]})
        try:
            wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP_S)
        except ValueError:
            wait = 0.0
        await asyncio.sleep(max(wait, 0.0))
        return web.json_response({"ok": True, "result": []})


@asynccontextmanager
async def serve(api: FakeBotAPI) -> AsyncIterator[str]:
    """Serve `api` on 127.0.0.1 with a port the OS picks; yield the base URL."""
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def wait_until(condition: Any, limit_s: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {limit_s:.0f}s waiting for {what}")
        await asyncio.sleep(0.1)


async def drain(stream: asyncio.StreamReader | None, sink: bytearray) -> None:
    """Read continuously so a chatty DEBUG log can never fill the pipe and stall the bot."""
    if stream is None:
        return
    while chunk := await stream.read(65536):
        sink.extend(chunk)


async def run_bot_until_greeted_then_signal(tmp_path: Path, sig: signal.Signals) -> None:
    api = FakeBotAPI()
    database = tmp_path / "bot.sqlite3"
    async with serve(api) as base_url:
        env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
        env.update(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=base_url,
            DATABASE_PATH=str(database),
            LOG_LEVEL="DEBUG",
            PYTHONPATH=str(ROOT),
        )
        # Our own interpreter running our own module; no shell, no untrusted input.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = bytearray(), bytearray()
        readers = [
            asyncio.create_task(drain(process.stdout, out)),
            asyncio.create_task(drain(process.stderr, err)),
        ]
        try:

            def ready() -> bool:
                if process.returncode is not None:
                    raise AssertionError(f"bot exited early with code {process.returncode}")
                greeted = any(t.startswith("Hello! I am") for t in api.sent_to(USER_ID))
                return greeted and api.count("setMyCommands") >= 4

            try:
                await wait_until(ready, START_TIMEOUT_S, "the greeting and setMyCommands x4")
            except AssertionError as error:
                raise AssertionError(f"{error}\nstderr:\n{err.decode(errors='replace')}") from None
            process.send_signal(sig)
            await asyncio.wait_for(process.wait(), EXIT_TIMEOUT_S)
            await asyncio.wait_for(asyncio.gather(*readers), EXIT_TIMEOUT_S)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            for reader in readers:
                reader.cancel()
                with suppress(asyncio.CancelledError):
                    await reader

    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert TOKEN not in stdout
    assert TOKEN not in stderr
    assert "stopped cleanly" in stderr, stderr

    # The bot used the configured token, registered commands per language plus the default.
    assert api.tokens == {TOKEN}
    languages = [p.get("language_code") for m, p in api.calls if m == "setMyCommands"]
    assert {"kk", "ru", "en", None} <= set(languages), languages
    for method, params in api.calls:
        if method == "setMyCommands":
            assert {c["command"] for c in json.loads(params["commands"])} >= {"start", "menu"}

    assert database.is_file()
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT id FROM users WHERE id = ?", (USER_ID,)).fetchall()
    connection.close()
    assert rows == [(USER_ID,)]


async def test_polling_answers_start_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    await run_bot_until_greeted_then_signal(tmp_path, signal.SIGTERM)


async def test_polling_answers_start_and_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    await run_bot_until_greeted_then_signal(tmp_path, signal.SIGINT)


# -- start-up problems the operator can fix: one line, never a traceback -------------------------


def polling_env(base_url: str, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=base_url,
        DATABASE_PATH=str(database),
        PYTHONPATH=str(ROOT),
    )
    return env


async def test_a_refused_token_is_one_line_naming_bot_token(tmp_path: Path) -> None:
    async def unauthorized(request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
        )

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", unauthorized)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=polling_env(base_url, tmp_path / "bot.sqlite3"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), EXIT_TIMEOUT_S)
    finally:
        await runner.cleanup()
    stderr = err.decode(errors="replace")
    assert process.returncode == 2, stderr
    assert "Traceback" not in stderr and TOKEN not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("jolserik: cannot start:") and "BOT_TOKEN" in last
    assert "stopped cleanly" not in stderr  # it did not start, so it says nothing of stopping
    assert out == b""


async def test_no_network_is_retried_one_line_a_try_and_stops_quietly(tmp_path: Path) -> None:
    # A port nobody listens on: every connection is refused, as with the network down.
    probe = web.AppRunner(web.Application())
    await probe.setup()
    site = web.TCPSite(probe, "127.0.0.1", 0)
    await site.start()
    port = probe.addresses[0][1]
    await probe.cleanup()

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=polling_env(f"http://127.0.0.1:{port}", tmp_path / "bot.sqlite3"),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    err = bytearray()
    reader = asyncio.create_task(drain(process.stderr, err))
    try:
        await wait_until(
            lambda: err.count(b"cannot reach Telegram") >= 2, START_TIMEOUT_S, "two retries"
        )
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), EXIT_TIMEOUT_S)
        await asyncio.wait_for(reader, EXIT_TIMEOUT_S)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = err.decode(errors="replace")
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and TOKEN not in stderr
    tries = [json.loads(line) for line in stderr.splitlines() if "cannot reach" in line]
    assert [t["attempt"] for t in tries[:2]] == [1, 2]  # one line per try, counted
    assert all(t["level"] == "WARNING" for t in tries)
