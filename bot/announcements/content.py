"""From a staff member's Telegram message to a `Version`, and from a `Version` back to a
message: the formatting travels as Telegram entities, never re-parsed as HTML, so what staff
wrote is exactly what users get."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup, Message, MessageEntity

from bot.announcements.model import ContentKind, Version


def version_from_message(message: Message, locale: str) -> Version | None:
    """The announcement in `message`: text, or one photo / document / video with a caption.
    None for anything else (a sticker, a voice note, a poll): the dialogue asks again."""
    if message.text is not None:
        return Version(locale, ContentKind.TEXT, message.text, _entities(message.entities))
    caption, entities = message.caption or "", _entities(message.caption_entities)
    if message.photo:
        return Version(locale, ContentKind.PHOTO, caption, entities, message.photo[-1].file_id)
    if message.document is not None:
        return Version(locale, ContentKind.DOCUMENT, caption, entities, message.document.file_id)
    if message.video is not None:
        return Version(locale, ContentKind.VIDEO, caption, entities, message.video.file_id)
    return None


def _entities(entities: list[MessageEntity] | None) -> tuple[dict[str, Any], ...]:
    return tuple(entity.model_dump(exclude_none=True) for entity in entities or ())


def too_long(version: Version) -> bool:
    """Telegram counts UTF-16 code units: an emoji may count twice."""
    return len(version.text.encode("utf-16-le")) // 2 > version.limit


async def send_version(
    bot: Bot, chat_id: int, version: Version, reply_markup: InlineKeyboardMarkup | None = None
) -> Message:
    """Send one version as a new message. `parse_mode=None`: the entities are the formatting."""
    entities = [MessageEntity.model_validate(item) for item in version.entities] or None
    if version.kind is ContentKind.TEXT:
        return await bot.send_message(
            chat_id,
            version.text,
            entities=entities,
            parse_mode=None,
            reply_markup=reply_markup,
            link_preview_options=None,
        )
    caption = version.text or None
    common: dict[str, Any] = {
        "caption": caption,
        "caption_entities": entities,
        "parse_mode": None,
        "reply_markup": reply_markup,
    }
    if version.kind is ContentKind.PHOTO:
        return await bot.send_photo(chat_id, version.file_id or "", **common)
    if version.kind is ContentKind.DOCUMENT:
        return await bot.send_document(chat_id, version.file_id or "", **common)
    return await bot.send_video(chat_id, version.file_id or "", **common)
