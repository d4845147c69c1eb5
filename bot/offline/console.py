"""Offline console: chat with the real bot in a terminal, no token and no network.

The same dispatcher, handlers and SQLite code run against the in-process fake Bot API that the
tests use. Staff and translators can walk through every dialogue in every language with it.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
    TelegramMethod,
)

from bot.app import build_bot, build_dispatcher
from bot.config import SUPPORTED_LOCALES, Settings
from bot.offline.fakeapi import FAKE_TOKEN, FakeTelegramSession
from bot.offline.simuser import SimulatedUser, plain
from storage.db import Database

HELP = """\
Type a message or a /command and press Enter.
A number presses the button with that number on the newest keyboard; to send a number as
text (a year like 1995, an hour like 9), start it with ' : '1995
  :lang kk|ru|en   the language your Telegram app reports (matters before you choose one)
  :help            this help
  :quit            leave (Ctrl-D works too)"""


class ConsoleRenderer:
    """Prints what the bot did, and remembers the numbered buttons of the newest keyboard."""

    def __init__(self, out: TextIO, user_id: int) -> None:
        self.out = out
        self.user_id = user_id
        self.numbered: list[tuple[int, str]] = []  # (message_id, callback_data)
        self.seen = 0  # how many of the session's calls have been printed

    def render_new(self, session: FakeTelegramSession) -> bool:
        """Print every call not printed yet; True if there was any."""
        end = len(session.calls)
        if end == self.seen:
            return False
        calls = session.calls[self.seen : end]
        results = [session.results.get(i) for i in range(self.seen, end)]
        self.seen = end
        self.render(calls, results)
        return True

    def _print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _keyboard(self, markup: Any, message_id: int) -> None:
        rows = getattr(markup, "inline_keyboard", None)
        if not rows:
            return
        self.numbered = []
        for row in rows:
            cells = []
            for button in row:
                if button.callback_data is None:
                    cells.append(f"[link] {button.text} <{button.url}>")
                    continue
                self.numbered.append((message_id, button.callback_data))
                cells.append(f"[{len(self.numbered)}] {button.text}")
            self._print("   " + "   ".join(cells))

    def render(self, calls: list[TelegramMethod[Any]], results: list[Any]) -> None:
        for call, result in zip(calls, results, strict=True):
            if isinstance(call, SendMessage):
                target = "" if int(call.chat_id) == self.user_id else f" → chat {call.chat_id}"
                self._print(f"\n── bot{target} ──")
                self._print(plain(call.text))
                self._keyboard(call.reply_markup, getattr(result, "message_id", 0))
            elif isinstance(call, EditMessageText):
                self._print(f"\n── bot edited message #{call.message_id} ──")
                self._print(plain(call.text))
                self._keyboard(call.reply_markup, int(call.message_id or 0))
            elif isinstance(call, AnswerCallbackQuery):
                if call.text:
                    self._print(f"   (notification) {call.text}")
            elif isinstance(call, EditMessageReplyMarkup):
                self._print(f"\n── bot changed the buttons of message #{call.message_id} ──")
                self._keyboard(call.reply_markup, int(call.message_id or 0))
            elif isinstance(call, DeleteMessage):
                self._print(f"   (message #{call.message_id} deleted)")
            # Anything else (command lists, chat actions) is not part of the chat a user sees.


async def run_console(
    settings: Settings,
    *,
    database_path: Path,
    language_code: str = "ru",
    user_id: int = 100_000_001,
    staff: bool = False,
    flood_limit: bool = False,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> None:
    """`staff`: the console user is an admin (as if their id were in ADMIN_IDS).
    `flood_limit`: keep the production flood limit; off by default, because a script piped in
    types faster than any person and would be answered with "please wait"."""
    if not flood_limit:
        settings = replace(settings, throttle_burst=10**9)
    if staff:
        settings = replace(settings, admin_ids=settings.admin_ids | {user_id})
    db = await Database.open(database_path)
    session = FakeTelegramSession()
    bot = build_bot(FAKE_TOKEN, session=session)
    app = build_dispatcher(settings, db)
    dispatcher = app.dispatcher
    try:
        await dispatcher.emit_startup(bot=bot, **dispatcher.workflow_data)
        user = SimulatedUser(dispatcher, bot, session, user_id=user_id, language_code=language_code)
        renderer = ConsoleRenderer(stdout, user_id)
        renderer.seen = len(session.calls)  # start-up calls (setMyCommands) are not chat
        watcher = asyncio.create_task(_show_bot_initiated(renderer, session, stdout))
        role = " You act as staff (/stats, /tracker, /programme)." if staff else ""
        stdout.write(f"Jolserik offline console (database {database_path}).{role}\n{HELP}\n")
        stdout.write("Start with /start.\n")
        stdout.flush()
        while True:
            stdout.write("\nyou> ")
            stdout.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                stdout.write("\n")
                break
            text = line.strip()
            if not text:
                continue
            if text in (":quit", ":q", ":exit"):
                break
            if text == ":help":
                stdout.write(HELP + "\n")
                continue
            if text.startswith(":lang"):
                code = text.partition(" ")[2].strip()
                if code in SUPPORTED_LOCALES:
                    user.language_code = code
                    stdout.write(f"Your Telegram app now reports language {code}.\n")
                else:
                    stdout.write(f"Expected one of: {', '.join(SUPPORTED_LOCALES)}\n")
                continue
            if text.isdigit() and renderer.numbered:
                number = int(text)
                if not 1 <= number <= len(renderer.numbered):
                    stdout.write(
                        f"There is no button {number}; choose 1 to {len(renderer.numbered)}.\n"
                    )
                    continue
                message_id, data = renderer.numbered[number - 1]
                await user.press_data(data, message_id=message_id)
            else:
                # A leading ' sends the rest as typed, so numbers can be sent as text.
                await user.send(text[1:].strip() if text.startswith("'") else text)
            renderer.render_new(session)
        watcher.cancel()
    finally:
        await dispatcher.emit_shutdown(bot=bot, **dispatcher.workflow_data)
        await bot.session.close()
        await db.close()


async def _show_bot_initiated(
    renderer: ConsoleRenderer, session: FakeTelegramSession, stdout: TextIO
) -> None:
    """Reminders arrive on their own timer: print them when they come, then re-prompt."""
    while True:
        await asyncio.sleep(0.5)
        if renderer.render_new(session):
            stdout.write("\nyou> ")
            stdout.flush()
