"""Showing a screen: a new message after a command, the same message edited after a button.

Editing in place keeps the chat short and makes "back" feel like navigation, not a new reply.
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

log = logging.getLogger(__name__)


async def show(
    event: Message | CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    notice: str | None = None,
) -> None:
    """Show a screen; for a button press, also answer it (once: Telegram refuses a second
    answer), with `notice` as the popup text if given."""
    if isinstance(event, Message):
        await event.answer(text, reply_markup=markup)
        return
    message = event.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                # Too old to edit, or deleted: a fresh message still gets the user there.
                log.info("edit failed (%s); sending a new message", error.message)
                await message.answer(text, reply_markup=markup)
    elif event.from_user is not None and event.bot is not None:
        # The message is inaccessible (e.g. older than 48 h): write to the user directly.
        await event.bot.send_message(event.from_user.id, text, reply_markup=markup)
    await event.answer(notice)
