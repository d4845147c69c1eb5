"""A simulated Telegram user who talks to the real Dispatcher through the fake Bot API.

Tests read like conversations (`await user.send("/start")`, `await user.press("Русский")`), and
the offline console drives the same object from the terminal.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import Update

from bot.offline.fakeapi import FakeTelegramSession, StoredMessage

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """HTML message text as a person sees it (tags removed, entities unescaped)."""
    return html.unescape(_TAG.sub("", text))


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str | None
    url: str | None


class SimulatedUser:
    """One private chat between a person and the bot."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        session: FakeTelegramSession,
        *,
        user_id: int = 100_000_001,
        language_code: str | None = "ru",
        first_name: str = "Aigerim",
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.session = session
        self.user_id = user_id
        self.language_code = language_code
        self.first_name = first_name
        self.last_calls: list[TelegramMethod[Any]] = []

    # -- acting -------------------------------------------------------------------------------

    def _user_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def _chat_json(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}

    async def feed(self, update: dict[str, Any]) -> list[TelegramMethod[Any]]:
        """Push one raw update through the dispatcher; return the calls it caused."""
        start = len(self.session.calls)
        await self.dispatcher.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )
        self.last_calls = self.session.calls[start:]
        return self.last_calls

    def _new_user_message(self, **content: Any) -> dict[str, Any]:
        message_id = self.session.next_message_id(self.user_id)
        date = int(self.session.clock())
        message = {
            "message_id": message_id,
            "date": date,
            "chat": self._chat_json(),
            "from": self._user_json(),
            **content,
        }
        self.session.remember(
            StoredMessage(self.user_id, message_id, content.get("text", ""), None, date, False)
        )
        return message

    async def send(self, text: str) -> list[TelegramMethod[Any]]:
        entities = []
        if text.startswith("/"):
            command_length = len(text.split()[0])
            entities = [{"type": "bot_command", "offset": 0, "length": command_length}]
        message = self._new_user_message(text=text, **({"entities": entities} if entities else {}))
        return await self.feed({"update_id": self.session.next_update_id(), "message": message})

    async def reply(self, message_id: int, text: str) -> list[TelegramMethod[Any]]:
        """A Telegram reply (swipe left) to message `message_id` of this chat."""
        replied = self.session.message_json(self.user_id, message_id)
        message = self._new_user_message(text=text, reply_to_message=replied)
        return await self.feed({"update_id": self.session.next_update_id(), "message": message})

    async def send_sticker(self) -> list[TelegramMethod[Any]]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAEB",
            "file_unique_id": "AgADAQAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        message = self._new_user_message(sticker=sticker)
        return await self.feed({"update_id": self.session.next_update_id(), "message": message})

    async def send_photo(self) -> list[TelegramMethod[Any]]:
        photo = [
            {"file_id": "AgACAgIAAxkBAAEB", "file_unique_id": "AQAD", "width": 90, "height": 90}
        ]
        message = self._new_user_message(photo=photo)
        return await self.feed({"update_id": self.session.next_update_id(), "message": message})

    async def send_formatted(
        self,
        text: str,
        entities: list[dict[str, Any]],
        *,
        photo_id: str | None = None,
    ) -> list[TelegramMethod[Any]]:
        """A message with Telegram formatting (bold, links...) as entities, as a person writes
        it in the app; with `photo_id`, a photo whose caption is `text`."""
        if photo_id is None:
            message = self._new_user_message(text=text, entities=entities)
        else:
            photo = [{"file_id": photo_id, "file_unique_id": "PH", "width": 90, "height": 90}]
            message = self._new_user_message(photo=photo, caption=text, caption_entities=entities)
        return await self.feed({"update_id": self.session.next_update_id(), "message": message})

    async def press(
        self, label: str, *, message_id: int | None = None
    ) -> list[TelegramMethod[Any]]:
        """Press the inline button whose text contains `label` on the newest message with one.

        Raises `LookupError` listing the buttons on offer when none matches: a test that fails
        there says what the user actually saw.
        """
        stored = self._message_with_buttons(message_id)
        buttons = self._buttons_of(stored)
        chosen = next((b for b in buttons if b.text == label), None) or next(
            (b for b in buttons if label.casefold() in b.text.casefold()), None
        )
        if chosen is None or chosen.callback_data is None:
            offered = ", ".join(repr(b.text) for b in buttons)
            raise LookupError(f"no button {label!r}; on offer: {offered}")
        return await self.press_data(chosen.callback_data, message_id=stored.message_id)

    async def press_data(self, data: str, *, message_id: int) -> list[TelegramMethod[Any]]:
        query = {
            "id": str(self.session.next_update_id()),
            "from": self._user_json(),
            "chat_instance": str(self.user_id),
            "data": data,
            "message": self.session.message_json(self.user_id, message_id),
        }
        return await self.feed(
            {"update_id": self.session.next_update_id(), "callback_query": query}
        )

    # -- seeing -------------------------------------------------------------------------------

    def _message_with_buttons(self, message_id: int | None) -> StoredMessage:
        if message_id is not None:
            return self.session.messages[(self.user_id, message_id)]
        for stored in reversed(self.chat()):
            if stored.from_bot and stored.reply_markup:
                return stored
        raise LookupError("the bot has not shown any buttons in this chat")

    @staticmethod
    def _buttons_of(stored: StoredMessage) -> list[Button]:
        rows = (stored.reply_markup or {}).get("inline_keyboard", [])
        return [
            Button(b["text"], b.get("callback_data"), b.get("url")) for row in rows for b in row
        ]

    def chat(self) -> list[StoredMessage]:
        """The chat as it stands now, oldest first, with edits applied."""
        return sorted(
            (m for (chat_id, _), m in self.session.messages.items() if chat_id == self.user_id),
            key=lambda m: m.message_id,
        )

    def bot_messages(self) -> list[StoredMessage]:
        return [m for m in self.chat() if m.from_bot]

    @property
    def last_message(self) -> StoredMessage:
        messages = self.bot_messages()
        if not messages:
            raise LookupError("the bot has said nothing in this chat")
        return messages[-1]

    @property
    def last_text(self) -> str:
        """The newest bot message as the user reads it (without HTML tags)."""
        return plain(self.last_message.text)

    @property
    def buttons(self) -> list[str]:
        """Texts of the buttons on the newest bot message that has any."""
        try:
            return [b.text for b in self._buttons_of(self._message_with_buttons(None))]
        except LookupError:
            return []

    @property
    def replies(self) -> list[str]:
        """Texts the last action sent or edited in, in order."""
        return [
            plain(call.text)
            for call in self.last_calls
            if isinstance(call, SendMessage | EditMessageText)
        ]

    @property
    def popups(self) -> list[str]:
        """Callback-query notifications the last action showed."""
        return [
            call.text
            for call in self.last_calls
            if isinstance(call, AnswerCallbackQuery) and call.text
        ]

    async def send_forwarded(
        self, text: str, origin_user_id: int | None, *, origin_name: str = "Dana"
    ) -> list[TelegramMethod[Any]]:
        """Forward a text message someone else wrote: from `origin_user_id`, or, with None,
        from a person whose privacy settings hide them (Telegram then sends only a name)."""
        date = int(self.session.clock())
        if origin_user_id is None:
            origin: dict[str, Any] = {
                "type": "hidden_user",
                "date": date,
                "sender_user_name": origin_name,
            }
        else:
            sender = {"id": origin_user_id, "is_bot": False, "first_name": origin_name}
            origin = {"type": "user", "date": date, "sender_user": sender}
        message = self._new_user_message(text=text, forward_origin=origin)
        return await self.feed({"update_id": self.session.next_update_id(), "message": message})


class GroupMember:
    """A person in a group chat with the bot (the staff chat): writes, replies, writes in a
    forum topic, presses the buttons under the bot's posts. Tests read as the staff's side of a
    conversation: `await staff.reply_to(post_id, "Hello!")`."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        session: FakeTelegramSession,
        *,
        chat_id: int,
        user_id: int = 800_000_001,
        first_name: str = "Dana",
        language_code: str | None = "ru",
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.session = session
        self.chat_id = chat_id
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.last_calls: list[TelegramMethod[Any]] = []

    def _user_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    async def feed(self, update: dict[str, Any]) -> list[TelegramMethod[Any]]:
        start = len(self.session.calls)
        await self.dispatcher.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )
        self.last_calls = self.session.calls[start:]
        return self.last_calls

    async def _post(
        self, content: dict[str, Any], *, reply_to: int | None, thread_id: int | None
    ) -> list[TelegramMethod[Any]]:
        message_id = self.session.next_message_id(self.chat_id)
        date = int(self.session.clock())
        if reply_to is not None and thread_id is None:
            thread_id = self.session.messages[(self.chat_id, reply_to)].thread_id
        stored = StoredMessage(
            self.chat_id,
            message_id,
            content.get("text", content.get("caption", "")),
            None,
            date,
            False,
            thread_id=thread_id,
            reply_to=reply_to,
            from_user=self._user_json(),
            media_kind="photo" if "photo" in content else None,
            file_id=content["photo"][-1]["file_id"] if "photo" in content else None,
        )
        self.session.remember(stored)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": date,
            "chat": self.session.chat_json(self.chat_id),
            "from": self._user_json(),
            **content,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = self.session.message_json(self.chat_id, reply_to)
        elif thread_id is not None:
            # In a forum, Telegram makes every topic message a reply to the topic's first one.
            message["reply_to_message"] = {
                "message_id": thread_id,
                "date": date,
                "chat": self.session.chat_json(self.chat_id),
                "message_thread_id": thread_id,
                "is_topic_message": True,
                "forum_topic_created": {"name": "topic", "icon_color": 7322096},
            }
        return await self.feed({"update_id": self.session.next_update_id(), "message": message})

    async def send(
        self, text: str, *, reply_to: int | None = None, thread_id: int | None = None
    ) -> list[TelegramMethod[Any]]:
        """A text in the chat: a reply to `reply_to`, or in the forum topic `thread_id`."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self._post(content, reply_to=reply_to, thread_id=thread_id)

    async def send_formatted(
        self, text: str, entities: list[dict[str, Any]], *, reply_to: int | None = None
    ) -> list[TelegramMethod[Any]]:
        return await self._post(
            {"text": text, "entities": entities}, reply_to=reply_to, thread_id=None
        )

    async def send_photo(
        self,
        caption: str | None = None,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        photo_id: str = "AgACAgIAAxkBAAStaff",
    ) -> list[TelegramMethod[Any]]:
        photo = [{"file_id": photo_id, "file_unique_id": "STAFF", "width": 90, "height": 90}]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return await self._post(content, reply_to=reply_to, thread_id=thread_id)

    async def send_sticker(
        self, *, reply_to: int | None = None, thread_id: int | None = None
    ) -> list[TelegramMethod[Any]]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAEB",
            "file_unique_id": "AgADAQAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return await self._post({"sticker": sticker}, reply_to=reply_to, thread_id=thread_id)

    async def press(self, label: str, *, message_id: int) -> list[TelegramMethod[Any]]:
        """Press the button whose text contains `label` under the bot's message `message_id`."""
        stored = self.session.messages[(self.chat_id, message_id)]
        buttons = SimulatedUser._buttons_of(stored)
        chosen = next((b for b in buttons if label.casefold() in b.text.casefold()), None)
        if chosen is None or chosen.callback_data is None:
            offered = ", ".join(repr(b.text) for b in buttons)
            raise LookupError(f"no button {label!r}; on offer: {offered}")
        query = {
            "id": str(self.session.next_update_id()),
            "from": self._user_json(),
            "chat_instance": str(self.chat_id),
            "data": chosen.callback_data,
            "message": self.session.message_json(self.chat_id, message_id),
        }
        return await self.feed(
            {"update_id": self.session.next_update_id(), "callback_query": query}
        )

    def chat(self) -> list[StoredMessage]:
        """The group chat as it stands now, oldest first."""
        return sorted(
            (m for (chat_id, _), m in self.session.messages.items() if chat_id == self.chat_id),
            key=lambda m: m.message_id,
        )

    def bot_messages(self, thread_id: int | None = None) -> list[StoredMessage]:
        return [
            m for m in self.chat() if m.from_bot and (thread_id is None or m.thread_id == thread_id)
        ]

    @property
    def last_message(self) -> StoredMessage:
        messages = self.bot_messages()
        if not messages:
            raise LookupError("the bot has said nothing in this chat")
        return messages[-1]

    @property
    def last_text(self) -> str:
        return plain(self.last_message.text)

    def buttons(self, message_id: int) -> list[str]:
        stored = self.session.messages[(self.chat_id, message_id)]
        return [b.text for b in SimulatedUser._buttons_of(stored)]

    @property
    def replies(self) -> list[str]:
        return [
            plain(call.text)
            for call in self.last_calls
            if isinstance(call, SendMessage | EditMessageText)
        ]

    @property
    def popups(self) -> list[str]:
        return [
            call.text
            for call in self.last_calls
            if isinstance(call, AnswerCallbackQuery) and call.text
        ]
