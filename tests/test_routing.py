"""The indexed router (bot/telegram/routing.py) skips only handlers whose first filter would
reject the update, and keeps the registration order: checked against the real handler list."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.filters.command import Command
from aiogram.filters.state import StateFilter
from aiogram.types import CallbackQuery, Message

from bot.telegram.routing import ANY, IndexedObserver, callback_keys, command_keys, state_gate
from handlers import build_router

USER = {"id": 42, "is_bot": False, "first_name": "A"}
CHAT = {"id": 42, "type": "private"}


def message(text: str | None = None, caption: str | None = None) -> Message:
    data: dict[str, Any] = {"message_id": 1, "date": 0, "chat": CHAT, "from": USER}
    if text is not None:
        data["text"] = text
    if caption is not None:
        data["caption"] = caption
        data["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    return Message.model_validate(data)


def query(data: str) -> CallbackQuery:
    return CallbackQuery.model_validate(
        {"id": "1", "from": USER, "chat_instance": "c", "data": data}
    )


async def refused_by_a_leading_filter(
    handler: Any, event: Any, bot: Bot, raw_state: str | None
) -> bool:
    """Whether one of the filters the index reads (callback data, command, state, in the
    handler's order, before any other filter) refuses the event."""
    for filter_object in handler.filters or ():
        if not isinstance(filter_object.callback, (CallbackQueryFilter, Command, StateFilter)):
            return False
        kwargs: dict[str, Any] = {"bot": bot} if isinstance(event, Message) else {}
        if isinstance(filter_object.callback, StateFilter):
            kwargs = {"raw_state": raw_state}
        if not await filter_object.call(event, **kwargs):
            return True
    return False


async def test_no_skipped_handler_could_have_matched(bot: Bot) -> None:
    router = build_router()
    messages = router.message
    callbacks = router.callback_query
    assert isinstance(messages, IndexedObserver) and isinstance(callbacks, IndexedObserver)
    commands = {name for h in messages.handlers if (k := command_keys(h)) is not ANY for name in k}  # type: ignore[union-attr]
    prefixes = {p for h in callbacks.handlers if (k := callback_keys(h)) is not ANY for p in k}  # type: ignore[union-attr]
    assert {"start", "menu", "help", "mydata"} <= commands and {"menu", "staff"} <= prefixes

    events: list[Any] = [message("how do I get a visa?"), message("/nosuchcommand"), message()]
    for name in commands:
        events += [message(f"/{name}"), message(f"/{name.upper()} x"), message(caption=f"/{name}")]
    for prefix in (*prefixes, "unknown"):
        events += [query(f"{prefix}:1"), query(prefix)]
    named = {
        name
        for observer in (messages, callbacks)
        for handler in observer.handlers
        if (gate := state_gate(handler)) is not ANY
        for name in gate  # type: ignore[attr-defined]
        if name is not None
    }
    states = [None, "NoSuch:state", *sorted(named)]
    assert "Onboarding:language" in states
    for event in events:
        observer = messages if isinstance(event, Message) else callbacks
        for raw_state in states:
            kept = observer.candidates(event, raw_state)
            assert list(kept) == [h for h in observer.handlers if h in kept], "order changed"
            for handler in observer.handlers:
                if handler not in kept:
                    assert await refused_by_a_leading_filter(handler, event, bot, raw_state), (
                        event,
                        raw_state,
                        handler.callback,
                    )


async def test_a_text_skips_every_command_handler_and_a_press_every_other_prefix() -> None:
    router = build_router()
    text_candidates = router.message.candidates(message("привет"))  # type: ignore[attr-defined]
    assert len(text_candidates) <= 3 < len(router.message.handlers)  # no dialogue: FAQ search
    menu_candidates = router.callback_query.candidates(query("menu:root"))  # type: ignore[attr-defined]
    assert len(menu_candidates) < 25 < len(router.callback_query.handlers)


async def test_made_up_commands_and_prefixes_do_not_grow_the_index() -> None:
    router = build_router()
    observer = router.message
    observer.candidates(message("/menu"))  # type: ignore[attr-defined]
    size = len(observer._by_state)  # type: ignore[attr-defined]
    for n in range(200):
        observer.candidates(message(f"/madeup{n}"))  # type: ignore[attr-defined]
        router.callback_query.candidates(query(f"forged{n}:1"))  # type: ignore[attr-defined]
    assert len(observer._by_state) <= size + 1  # type: ignore[attr-defined]
    assert len(router.callback_query._by_state) <= 1  # type: ignore[attr-defined]
