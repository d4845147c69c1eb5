"""All handlers, composed in one place. The registration order is the dispatch order.

Every feature module registers its handlers onto one router gated to private chats, instead of
each owning a nested router: aiogram pays ~25 µs of middleware wrapping per router level an
update passes, and eight levels were a third of the bot's own time per update
(docs/benchmarks.md). Features stay one module each; only the router object is shared.
The router tries only the handlers an update could match (`bot.telegram.routing`): with ~170
callback handlers and ~55 message handlers in one list, the linear scan was ~15 % of the time.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram.filters import PrivateChat
from bot.telegram.routing import IndexedRouter
from handlers import (
    announcements,
    checklist,
    contacts,
    departure,
    eligibility,
    eps,
    errors,
    fallback,
    family,
    faq,
    language,
    membership,
    menu,
    privacy,
    relay,
    reminders,
    sharing,
    staff,
    start,
    tracker,
)


def build_router() -> Router:
    router = IndexedRouter(name="jolserik")
    # Dialogues happen in private chats; in groups the bot stays silent.
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.my_chat_member.filter(PrivateChat())
    errors.register(router)
    features = (
        membership,
        start,
        language,
        menu,
        privacy,
        reminders,
        eps,
        eligibility,
        tracker,
        departure,
        checklist,
        sharing,
        announcements,
        contacts,
        faq,
        family,
        relay,
        staff,  # after the features: its refusals catch staff commands nobody above accepted
    )
    for feature in features:
        feature.register(router)
    # Last: whatever no feature understood gets a friendly way back to the menu.
    fallback.register(router)
    return router
