"""The indexed router (bot/telegram/routing.py) skips only handlers whose first filter would
reject the update, and keeps the registration order: checked against the real handler list."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.types import CallbackQuery, Message

from bot.telegram.routing import ANY, IndexedObserver, callback_keys, command_keys
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


async def first_filter_passes(handler: Any, event: Any, bot: Bot) -> bool:
    first = handler.filters[0]
    kwargs = {"bot": bot} if isinstance(event, Message) else {}
    return bool(await first.call(event, **kwargs))


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
    for event in events:
        observer = messages if isinstance(event, Message) else callbacks
        kept = observer.candidates(event)
        assert list(kept) == [h for h in observer.handlers if h in kept], "order changed"
        for handler in observer.handlers:
            if handler not in kept:
                assert handler.filters, "an unfiltered handler was skipped"
                assert not await first_filter_passes(handler, event, bot), (event, handler)


async def test_a_text_skips_every_command_handler_and_a_press_every_other_prefix() -> None:
    router = build_router()
    text_candidates = router.message.candidates(message("привет"))  # type: ignore[attr-defined]
    assert len(text_candidates) < len(router.message.handlers) / 2
    menu_candidates = router.callback_query.candidates(query("menu:root"))  # type: ignore[attr-defined]
    assert len(menu_candidates) < 25 < len(router.callback_query.handlers)
