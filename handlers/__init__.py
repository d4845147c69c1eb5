"""All routers, composed in one place. The include order is the dispatch order."""

from __future__ import annotations

from aiogram import Router

from bot.filters import PrivateChat
from handlers import errors, fallback, language, membership, menu, privacy, reminders, start


def build_router() -> Router:
    root = Router(name="jolserik")
    root.include_router(errors.build_router())
    root.include_router(membership.build_router())
    # Dialogues happen in private chats; in groups the bot stays silent. The filter sits on one
    # parent router, so it runs once per update instead of once per feature.
    private = Router(name="private")
    private.message.filter(PrivateChat())
    private.callback_query.filter(PrivateChat())
    for feature in (start, language, menu, privacy, reminders):
        private.include_router(feature.build_router())
    # Last: whatever no feature understood gets a friendly way back to the menu.
    private.include_router(fallback.build_router())
    root.include_router(private)
    return root
