"""Screens as values, and the one way to show them.

A screen function is pure: it takes what it shows (facts, a draft, a user's plan) and returns a
`Screen`. Handlers only decide which screen, then call `show`, which sends a new message after a
typed message or a command and edits the same message after a button press (the chat stays
short, and "back" feels like navigation rather than a new reply).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import lru_cache

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

log = logging.getLogger(__name__)

Row = list[InlineKeyboardButton]


@dataclass(frozen=True, slots=True)
class Screen:
    """What the user sees: the text, its buttons, and `notice`, the short popup that answers
    the button press which led here (ignored when the screen answers a typed message)."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    notice: str | None = None

    def above(self, line: str | None) -> Screen:
        """The same screen with a line above it: a confirmation ("✅ Saved.") or a notice."""
        return self if not line else replace(self, text=f"{line}\n\n{self.text}")

    def with_problem(self, problem: str | None) -> Screen:
        """The answer to input that could not be taken: what was wrong and an example, under
        the screen's first line (the step it is at) and with its buttons, so the place in the
        dialogue is kept and Back/Cancel stay at hand. The full question stays above in the
        chat; sending it again after each wrong answer filled the chat with it."""
        if not problem:
            return self
        heading = self.text.split("\n", 1)[0]
        return replace(self, text=f"⚠️ {problem}\n\n{heading}")

    def with_notice(self, notice: str | None) -> Screen:
        return replace(self, notice=notice)

    def with_rows_above(self, *rows: Row) -> Screen:
        """The same screen with extra button rows on top (the shared keyboards are cached and
        never changed in place: this builds a new one)."""
        existing = self.markup.inline_keyboard if self.markup else []
        return replace(self, markup=keyboard(*rows, *existing))


def button(text: str, data: CallbackData | str) -> InlineKeyboardButton:
    """An inline button; typed callback data is packed here, so callers never build strings."""
    packed = data.pack() if isinstance(data, CallbackData) else data
    return _button(text, packed)


@lru_cache(maxsize=16_384)
def _button(text: str, packed: str) -> InlineKeyboardButton:
    """Built once per (label, data): the same buttons come back on every screen, and building
    and validating the model cost more than the rest of drawing a menu. Buttons are never
    changed after they are made (keyboards are rebuilt, not edited), so sharing them is safe."""
    return InlineKeyboardButton(text=text, callback_data=packed)


def keyboard(*rows: Row | None) -> InlineKeyboardMarkup:
    """A keyboard from its rows; an empty or `None` row (a button that does not apply) is
    left out, so screens can write optional rows inline."""
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def join(*blocks: str | None) -> str:
    """Paragraphs of a screen, separated by a blank line; empty blocks are left out."""
    return "\n\n".join(block for block in blocks if block)


async def show(event: Message | CallbackQuery, screen: Screen) -> None:
    """Show a screen; for a button press, also answer it (once: Telegram refuses a second
    answer), with the screen's notice as the popup."""
    if isinstance(event, Message):
        await event.answer(screen.text, reply_markup=screen.markup)
        return
    message = event.message
    if isinstance(message, Message):
        try:
            await message.edit_text(screen.text, reply_markup=screen.markup)
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                # Too old to edit, or deleted: a fresh message still gets the user there.
                log.info("edit failed (%s); sending a new message", error.message)
                await message.answer(screen.text, reply_markup=screen.markup)
    elif event.from_user is not None and event.bot is not None:
        # The message is inaccessible (e.g. older than 48 h): write to the user directly.
        await event.bot.send_message(event.from_user.id, screen.text, reply_markup=screen.markup)
    await event.answer(screen.notice)


async def show_below(event: Message | CallbackQuery, screen: Screen) -> None:
    """Show a screen as a new message even after a button press: for buttons under a message
    that must stay in the chat (news, a delivered reminder)."""
    if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
        await event.message.answer(screen.text, reply_markup=screen.markup)
        await event.answer(screen.notice)
        return
    await show(event, screen)
