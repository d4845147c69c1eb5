"""An in-process Bot API: records every outgoing call and answers like Telegram would.

Used by the tests, the offline console and the benchmarks. Answers are built as Telegram's JSON
and passed through aiogram's own `check_response`, so results are validated exactly as in
production, and an injected error becomes the real exception type (`TelegramRetryAfter` for 429,
`TelegramForbiddenError` for 403, ...). It also remembers each chat's messages, so editing a
message that does not exist, or editing it to the same content, fails as it does on Telegram.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    CreateForumTopic,
    DeleteForumTopic,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVideo,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardMarkup

BOT_ID = 7000000001
BOT_USERNAME = "jolserik_test_bot"
FAKE_TOKEN = f"{BOT_ID}:AAFakeTokenForOfflineUseOnly_0123456789"
# Telegram lets a bot delete a message in a group only within 48 hours of its sending.
GROUP_DELETE_WINDOW_S = 48 * 3600
TOPIC_ICON_COLOR = 7322096


@dataclass
class Fault:
    """An error to inject into the next matching call."""

    method: str | None  # Bot API method name (e.g. "sendMessage"); None matches any
    status: int  # HTTP status; 0 means a network failure
    description: str = ""
    retry_after: int | None = None
    chat_id: int | None = None
    times: int = 1


@dataclass
class StoredMessage:
    """What a chat looks like from Telegram's side: enough to edit and to press buttons."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    date: int
    from_bot: bool
    # Formatting as Telegram entities (`entities`, or `caption_entities` of a media message).
    entities: list[dict[str, Any]] | None = None
    media_kind: str | None = None  # "photo" / "document" / "video"; None for a text message
    file_id: str | None = None  # the media's file_id; the text above is then its caption
    thread_id: int | None = None  # the forum topic it is in
    reply_to: int | None = None  # the message it replies to
    from_user: dict[str, Any] | None = None  # who wrote it, when not the bot (group chats)


@dataclass
class FakeTelegramSession(BaseSession):
    """Drop-in `BaseSession`: `Bot(token, session=FakeTelegramSession())`."""

    clock: Callable[[], float] = time.time
    calls: list[TelegramMethod[Any]] = field(default_factory=list)
    messages: dict[tuple[int, int], StoredMessage] = field(default_factory=dict)
    results: dict[int, Any] = field(default_factory=dict)  # index in `calls` -> what it returned
    record_calls: bool = True
    # Seconds each call takes (the network and Telegram): a number, or a function giving one per
    # call (e.g. lambda: random.uniform(0.03, 0.08)); benchmarks use it, tests leave it at 0.
    latency: float | Callable[[], float] = 0.0
    # Group chats that are forums (topics), and the topics each has: id -> name.
    forums: set[int] = field(default_factory=set)
    topics: dict[int, dict[int, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        self._faults: deque[Fault] = deque()
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._update_ids = itertools.count(1)
        self._answered: set[str] = set()  # Telegram accepts one answer per callback query
        self.closed = False

    # -- test controls ------------------------------------------------------------------------

    def fail(
        self,
        method: str | None,
        status: int,
        description: str = "",
        *,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` matching calls fail.

        E.g. `fail("sendMessage", 429, retry_after=3)`; status 0 is a network failure.
        """
        defaults = {
            403: "Forbidden: bot was blocked by the user",
            429: f"Too Many Requests: retry after {retry_after}",
            400: "Bad Request",
            500: "Internal Server Error",
            0: "network is unreachable",
        }
        self._faults.append(
            Fault(
                method,
                status,
                description or defaults.get(status, "error"),
                retry_after,
                chat_id,
                times,
            )
        )

    def clear_faults(self) -> None:
        """Every injected failure is gone: the network, or the chat, is back."""
        self._faults.clear()

    def make_forum(self, chat_id: int) -> None:
        """Make a group chat a forum (a supergroup with topics)."""
        self.forums.add(chat_id)
        self.topics.setdefault(chat_id, {})

    def chat_json(self, chat_id: int) -> dict[str, Any]:
        """The chat as Telegram describes it in a message."""
        if chat_id > 0:
            return {"id": chat_id, "type": "private"}
        if str(chat_id).startswith("-100"):
            chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": "Staff"}
            if chat_id in self.forums:
                chat["is_forum"] = True
            return chat
        return {"id": chat_id, "type": "group", "title": "Staff"}

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def remember(self, message: StoredMessage) -> None:
        self.messages[(message.chat_id, message.message_id)] = message

    def calls_of(self, method_type: type[TelegramMethod[Any]]) -> list[Any]:
        return [call for call in self.calls if isinstance(call, method_type)]

    def clear(self) -> None:
        self.calls.clear()
        self.results.clear()

    # -- BaseSession ----------------------------------------------------------------------------

    async def close(self) -> None:
        self.closed = True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        index = len(self.calls)
        if self.record_calls:
            self.calls.append(method)
        delay = self.latency() if callable(self.latency) else self.latency
        if delay > 0:
            await asyncio.sleep(delay)
        result = self._answer(bot, method)
        if self.record_calls:
            self.results[index] = result
        return result

    def _answer(self, bot: Bot, method: TelegramMethod[TelegramType]) -> TelegramType:
        fault = self._take_fault(method)
        if fault is not None:
            if fault.status == 0:
                raise TelegramNetworkError(method=method, message=fault.description)
            return self._reply(bot, method, fault.status, self._error(fault))
        try:
            result = self._result_for(bot, method)
        except _ApiError as error:
            return self._reply(
                bot,
                method,
                error.status,
                {"ok": False, "error_code": error.status, "description": error.description},
            )
        return self._reply(bot, method, 200, {"ok": True, "result": result})

    # -- internals ------------------------------------------------------------------------------

    def _reply(
        self, bot: Bot, method: TelegramMethod[TelegramType], status: int, payload: dict[str, Any]
    ) -> TelegramType:
        response = self.check_response(bot, method, status, json.dumps(payload))
        return response.result  # type: ignore[return-value]

    def _take_fault(self, method: TelegramMethod[Any]) -> Fault | None:
        for fault in self._faults:
            if fault.method not in (None, method.__api_method__):
                continue
            if fault.chat_id is not None and getattr(method, "chat_id", None) != fault.chat_id:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            return fault
        return None

    @staticmethod
    def _error(fault: Fault) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": fault.status,
            "description": fault.description,
        }
        if fault.retry_after is not None:
            payload["parameters"] = {"retry_after": fault.retry_after}
        return payload

    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Jolserik", "username": BOT_USERNAME}

    def _message_json(self, stored: StoredMessage, *, nested: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": stored.message_id,
            "date": stored.date,
            "chat": self.chat_json(stored.chat_id),
        }
        if stored.thread_id is not None:
            data["message_thread_id"] = stored.thread_id
            data["is_topic_message"] = True
        if stored.from_user is not None:
            data["from"] = stored.from_user
        replied = self.messages.get((stored.chat_id, stored.reply_to or 0))
        if replied is not None and not nested:  # Telegram, too, nests one level only
            data["reply_to_message"] = self._message_json(replied, nested=True)
        if stored.media_kind is None:
            data["text"] = stored.text
            if stored.entities:
                data["entities"] = stored.entities
        else:
            data.update(self._media_json(stored))
        if stored.from_bot:
            data["from"] = self._bot_user()
        if stored.reply_markup:
            data["reply_markup"] = stored.reply_markup
        return data

    def message_json(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return self._message_json(self.messages[(chat_id, message_id)])

    def _place(self, method: Any, chat_id: int) -> tuple[int | None, int | None]:
        """Where a new message goes: (topic, replied-to message), as Telegram checks them."""
        thread_id = getattr(method, "message_thread_id", None)
        if thread_id is not None and thread_id not in self.topics.get(chat_id, {}):
            raise _ApiError(400, "Bad Request: message thread not found")
        parameters = getattr(method, "reply_parameters", None)
        reply_to = parameters.message_id if parameters is not None else None
        if reply_to is not None and (chat_id, reply_to) not in self.messages:
            if not parameters.allow_sending_without_reply:
                raise _ApiError(400, "Bad Request: message to be replied not found")
            reply_to = None
        if reply_to is not None and thread_id is None:
            thread_id = self.messages[(chat_id, reply_to)].thread_id
        return thread_id, reply_to

    @staticmethod
    def _media_json(stored: StoredMessage) -> dict[str, Any]:
        file = {"file_id": stored.file_id or "", "file_unique_id": f"u{stored.file_id or ''}"}
        data: dict[str, Any]
        if stored.media_kind == "photo":
            data = {"photo": [{**file, "width": 1280, "height": 960}]}
        elif stored.media_kind == "video":
            data = {"video": {**file, "width": 1280, "height": 720, "duration": 10}}
        else:
            data = {"document": file}
        if stored.text:
            data["caption"] = stored.text
        if stored.entities:
            data["caption_entities"] = stored.entities
        return data

    @staticmethod
    def _entities_json(entities: Any) -> list[dict[str, Any]] | None:
        if not entities:
            return None
        return [entity.model_dump(mode="json", exclude_none=True) for entity in entities]

    @staticmethod
    def _markup_json(markup: Any) -> dict[str, Any] | None:
        if isinstance(markup, InlineKeyboardMarkup):
            return markup.model_dump(mode="json", exclude_none=True)
        return None

    def _result_for(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return self._bot_user()
        if isinstance(method, SendMessage):
            chat_id = int(method.chat_id)
            thread_id, reply_to = self._place(method, chat_id)
            stored = StoredMessage(
                chat_id=chat_id,
                message_id=self.next_message_id(chat_id),
                text=method.text,
                reply_markup=self._markup_json(method.reply_markup),
                date=int(self.clock()),
                from_bot=True,
                entities=self._entities_json(method.entities),
                thread_id=thread_id,
                reply_to=reply_to,
            )
            self.remember(stored)
            return self._message_json(stored)
        if isinstance(method, SendPhoto | SendDocument | SendVideo):
            chat_id = int(method.chat_id)
            thread_id, reply_to = self._place(method, chat_id)
            kinds = {SendPhoto: "photo", SendDocument: "document", SendVideo: "video"}
            media = getattr(method, kinds[type(method)])
            stored = StoredMessage(
                chat_id=chat_id,
                message_id=self.next_message_id(chat_id),
                text=method.caption or "",
                reply_markup=self._markup_json(method.reply_markup),
                date=int(self.clock()),
                from_bot=True,
                entities=self._entities_json(method.caption_entities),
                media_kind=kinds[type(method)],
                file_id=media if isinstance(media, str) else "uploaded",
                thread_id=thread_id,
                reply_to=reply_to,
            )
            self.remember(stored)
            return self._message_json(stored)
        if isinstance(method, EditMessageText | EditMessageReplyMarkup):
            key = (int(method.chat_id or 0), int(method.message_id or 0))
            stored = self.messages.get(key)
            if stored is None or not stored.from_bot:
                raise _ApiError(400, "Bad Request: message to edit not found")
            if isinstance(method, EditMessageText) and stored.media_kind is not None:
                raise _ApiError(400, "Bad Request: there is no text in the message to edit")
            new_text = method.text if isinstance(method, EditMessageText) else stored.text
            new_markup = self._markup_json(method.reply_markup)
            if new_text == stored.text and new_markup == stored.reply_markup:
                raise _ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            stored.text, stored.reply_markup = new_text, new_markup
            if isinstance(method, EditMessageText):
                stored.entities = self._entities_json(method.entities)
            return self._message_json(stored)
        if isinstance(method, DeleteMessage):
            key = (int(method.chat_id), method.message_id)
            stored = self.messages.get(key)
            if stored is None:
                raise _ApiError(400, "Bad Request: message to delete not found")
            if key[0] < 0 and self.clock() - stored.date >= GROUP_DELETE_WINDOW_S:
                raise _ApiError(400, "Bad Request: message can't be deleted")
            del self.messages[key]
            return True
        if isinstance(method, CreateForumTopic):
            chat_id = int(method.chat_id)
            if chat_id not in self.forums:
                raise _ApiError(400, "Bad Request: the chat is not a forum")
            thread_id = self.next_message_id(chat_id)  # the topic's first (service) message
            self.topics.setdefault(chat_id, {})[thread_id] = method.name
            return {
                "message_thread_id": thread_id,
                "name": method.name,
                "icon_color": TOPIC_ICON_COLOR,
            }
        if isinstance(method, DeleteForumTopic):
            chat_id = int(method.chat_id)
            if self.topics.get(chat_id, {}).pop(method.message_thread_id, None) is None:
                raise _ApiError(400, "Bad Request: message thread not found")
            for key in [
                key
                for key, stored in self.messages.items()
                if key[0] == chat_id and stored.thread_id == method.message_thread_id
            ]:
                del self.messages[key]
            return True
        if isinstance(method, AnswerCallbackQuery):
            if method.callback_query_id in self._answered:
                raise _ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID is "
                    "invalid",
                )
            self._answered.add(method.callback_query_id)
            return True
        returning = getattr(method, "__returning__", None)
        if returning is bool:
            # setMyCommands, deleteWebhook, sendChatAction, ...: Telegram answers `true`.
            return True
        raise NotImplementedError(
            f"the fake Bot API does not answer {method.__api_method__} yet; teach it in fakeapi.py"
        )


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
