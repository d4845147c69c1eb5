"""The last line of defence: log the failure without private data, apologise, keep serving."""

from __future__ import annotations

import logging
import traceback

from aiogram import Bot, Router
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


def _chat_of(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None


async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    # Only the update id and the exception: never the message text, which may be private.
    # The exception's own message is left out too: a parsing error can quote the user's input.
    log.error(
        "update %s failed with %s\n%s",
        event.update.update_id,
        type(event.exception).__name__,
        "".join(traceback.format_tb(event.exception.__traceback__)).rstrip(),
        extra={"update_id": event.update.update_id, "error": type(event.exception).__name__},
    )
    apology = _(
        "Sorry, something went wrong on my side. Please try again in a minute; "
        "what you saved is safe."
    )
    if event.update.callback_query is not None:
        try:  # stop the button's spinner; it may have been answered before the failure
            await event.update.callback_query.answer()
        except Exception:
            log.debug("callback of update %s already answered", event.update.update_id)
    try:
        chat_id = _chat_of(event)
        if chat_id is not None:
            await bot.send_message(chat_id, apology)
    except Exception:
        log.warning("could not send the apology for update %s", event.update.update_id)
    return True


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    router.errors.register(on_error)
