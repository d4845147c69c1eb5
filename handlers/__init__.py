"""All routers, composed in one place. The include order is the dispatch order."""

from __future__ import annotations

from aiogram import Router

from bot.filters import PrivateChat
from handlers import errors, fallback, language, membership, menu, privacy, reminders, start


def private_only(router: Router) -> Router:
    """Dialogues happen in private chats; in groups the bot stays silent."""
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    return router


def build_router() -> Router:
    root = Router(name="jolserik")
    root.include_router(errors.build_router())
    root.include_router(membership.build_router())
    for feature in (start, language, menu, privacy, reminders):
        root.include_router(private_only(feature.build_router()))
    # Last: whatever no feature understood gets a friendly way back to the menu.
    root.include_router(private_only(fallback.build_router()))
    return root
