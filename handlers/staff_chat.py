"""The staff chat (STAFF_CHAT_ID): where tickets are answered.

Its own router, filtered to that one chat and included next to the private one: everything else
in the bot happens in private chats. Anyone in the staff chat is trusted to answer (the chat's
membership is the access control); the answering member's id is recorded with each answer.

- A reply to a ticket's post or to any of the bot's messages about it, or any message in a
  ticket's forum topic, is an answer: it reaches the person with the ticket's number.
- /tickets lists the open ones; /close N, /block N, /unblock N (or without N, as a reply or in
  the ticket's topic); the buttons under a ticket's post do the same, and offer FAQ answers.

Texts here are in DEFAULT_LOCALE: the chat is shared, whatever each member's own language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, F, Router
from aiogram.enums import ChatMemberStatus, ContentType
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.faq.screens import entry_text, entry_title
from bot.i18n import in_locale
from bot.relay.rules import MAX_TEXT_CHARS
from bot.relay.staff_posts import (
    LIST_LIMIT,
    closed_ticket_refusal,
    faq_sent_note,
    plain_text,
    tickets_list,
    too_long_refusal,
    unknown_ticket,
    unsupported_refusal,
    usage,
)
from bot.telegram.callbacks import TicketCb
from bot.telegram.dialogue import out_of_date
from bot.telegram.filters import NotACommand
from bot.telegram.screens import button, keyboard
from storage.tickets import Ticket

if TYPE_CHECKING:  # injected by name; their modules are imported by the app
    from bot.faq.service import FaqService
    from bot.relay.service import RelayService

log = logging.getLogger(__name__)

FAQ_PREFIX = "faq."
FAQ_SUGGESTIONS = 3
FAQ_TITLE_CHARS = 60
MAX_TICKET_DIGITS = 18
# What a member may post that is clearly meant for the person but cannot be passed on.
_UNSUPPORTED = frozenset(
    {
        ContentType.STICKER,
        ContentType.DOCUMENT,
        ContentType.VOICE,
        ContentType.VIDEO,
        ContentType.VIDEO_NOTE,
        ContentType.AUDIO,
        ContentType.ANIMATION,
        ContentType.LOCATION,
        ContentType.CONTACT,
        ContentType.POLL,
    }
)


class InChat(Filter):
    """Updates from one chat only (messages, button presses, the bot's membership)."""

    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id

    async def __call__(self, event: TelegramObject) -> bool:
        if isinstance(event, Message | ChatMemberUpdated):
            return event.chat.id == self.chat_id
        if isinstance(event, CallbackQuery) and event.message is not None:
            return event.message.chat.id == self.chat_id
        return False


class StaffChatLanguage(BaseMiddleware):
    """Within the staff chat, the bot speaks DEFAULT_LOCALE to everyone."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        i18n: I18n | None = data.get("i18n")
        if i18n is None:
            return await handler(event, data)
        with in_locale(i18n.default_locale):
            return await handler(event, data)


class AboutATicket(Filter):
    """A message in the staff chat that belongs to a ticket: a reply to one of the bot's
    messages about it, or a message in its forum topic. The ticket is handed on as `ticket`."""

    async def __call__(
        self, message: Message, relay: RelayService | None = None
    ) -> bool | dict[str, Any]:
        if relay is None:
            return False
        reply = message.reply_to_message
        thread = message.message_thread_id if message.is_topic_message else None
        ticket = await relay.ticket_in_staff_chat(
            message.chat.id,
            reply_to=reply.message_id if reply is not None else None,
            thread_id=thread,
        )
        return {"ticket": ticket} if ticket is not None else False


def _who(event: Message | CallbackQuery) -> tuple[int, str]:
    user = event.from_user
    if user is None:
        return 0, "?"
    return user.id, user.full_name or (f"@{user.username}" if user.username else str(user.id))


# -- answers ------------------------------------------------------------------------------------


async def staff_answer(message: Message, ticket: Ticket, relay: RelayService) -> None:
    """A member's message about a ticket: passed on to the person (text, or a photo with or
    without a caption, with its formatting)."""
    if message.from_user is None or message.from_user.is_bot:
        return
    kind = message.content_type
    if kind in _UNSUPPORTED:
        await message.reply(unsupported_refusal())
        return
    if kind not in (ContentType.TEXT, ContentType.PHOTO):
        return  # a service message (topic created, pinned, ...): not an answer
    if not ticket.is_open:
        await message.reply(closed_ticket_refusal(ticket))
        return
    words = message.text or message.caption or ""
    if len(words) > MAX_TEXT_CHARS:
        await message.reply(too_long_refusal(len(words), MAX_TEXT_CHARS))
        return
    await relay.answer(
        ticket,
        text=message.html_text if words else "",
        photo_id=message.photo[-1].file_id if message.photo else None,
        by=message.from_user.id,
        source_message_id=message.message_id,
    )


# -- commands ---------------------------------------------------------------------------------


async def list_tickets(message: Message, relay: RelayService) -> None:
    tickets, total = await relay.open_tickets(LIST_LIMIT)
    await message.answer(tickets_list(tickets, total, int(message.date.timestamp())))


async def _target(
    message: Message, command: CommandObject, relay: RelayService
) -> tuple[Ticket | None, int | None]:
    """The ticket a command names ("/close 12", "/close #12"), or the one it is written about
    (a reply, a topic). (ticket, number): the number also when the ticket is gone."""
    raw = (command.args or "").strip().removeprefix("#").strip()
    if raw:
        if not raw.isdigit() or len(raw) > MAX_TICKET_DIGITS:
            return None, None
        number = int(raw)
        return await relay.get(number), number
    reply = message.reply_to_message
    thread = message.message_thread_id if message.is_topic_message else None
    ticket = await relay.ticket_in_staff_chat(
        message.chat.id, reply_to=reply.message_id if reply else None, thread_id=thread
    )
    return ticket, ticket.id if ticket else None


async def close_command(message: Message, command: CommandObject, relay: RelayService) -> None:
    ticket, number = await _target(message, command, relay)
    if number is None:
        await message.reply(usage("close"))
    elif ticket is None:
        await message.reply(unknown_ticket(number))
    elif not ticket.is_open:
        await message.reply(_("#{id} is closed already.").format(id=ticket.id))
    else:
        staff_id, name = _who(message)
        await relay.close_by_staff(ticket, by=staff_id, name=name)


async def block_command(message: Message, command: CommandObject, relay: RelayService) -> None:
    ticket, number = await _target(message, command, relay)
    if number is None:
        await message.reply(usage("block"))
    elif ticket is None:
        await message.reply(unknown_ticket(number))
    else:
        staff_id, name = _who(message)
        if not await relay.block(ticket, by=staff_id, name=name):
            await message.reply(_("The person of #{id} is blocked already.").format(id=number))


async def unblock_command(message: Message, command: CommandObject, relay: RelayService) -> None:
    ticket, number = await _target(message, command, relay)
    if number is None:
        await message.reply(usage("unblock"))
        return
    name = _who(message)[1]
    if not await relay.unblock(number, name=name):
        await message.reply(_("The person of #{id} is not blocked.").format(id=number))
    elif ticket is None:  # no ticket left to post the note under
        await message.reply(_("✅ The person of #{id} is unblocked.").format(id=number))


# -- buttons under a ticket's post ------------------------------------------------------------


async def _pressed(
    query: CallbackQuery, callback_data: TicketCb, relay: RelayService
) -> Ticket | None:
    ticket = await relay.get(callback_data.id)
    if ticket is None:
        await out_of_date(query)
    return ticket


async def close_button(query: CallbackQuery, callback_data: TicketCb, relay: RelayService) -> None:
    ticket = await _pressed(query, callback_data, relay)
    if ticket is None:
        return
    staff_id, name = _who(query)
    if await relay.close_by_staff(ticket, by=staff_id, name=name):
        await query.answer(_("🔒 #{id} closed.").format(id=ticket.id))
    else:
        await query.answer(_("#{id} is closed already.").format(id=ticket.id))


async def block_button(query: CallbackQuery, callback_data: TicketCb, relay: RelayService) -> None:
    ticket = await _pressed(query, callback_data, relay)
    if ticket is None:
        return
    staff_id, name = _who(query)
    await relay.block(ticket, by=staff_id, name=name)
    await query.answer(_("🚫 Blocked. ✅ Unblock undoes it."))


async def unblock_button(
    query: CallbackQuery, callback_data: TicketCb, relay: RelayService
) -> None:
    if await relay.unblock(callback_data.id, name=_who(query)[1]):
        await query.answer(_("✅ Unblocked."))
    else:
        await out_of_date(query)


async def faq_suggestions(
    query: CallbackQuery,
    callback_data: TicketCb,
    relay: RelayService,
    faq: FaqService,
) -> None:
    """Up to three FAQ entries that match the ticket's question, as buttons in place of the
    post's own (⬅️ Back restores them)."""
    ticket = await _pressed(query, callback_data, relay)
    if ticket is None:
        return
    if not ticket.is_open:
        await query.answer(_("#{id} is closed already.").format(id=ticket.id))
        return
    question = await relay.first_question(ticket)
    found = await faq.search(plain_text(question.text) if question else "", FAQ_SUGGESTIONS)
    rows = []
    for fact in found:
        data = TicketCb(action="faqsend", id=ticket.id, entry=fact.key.removeprefix(FAQ_PREFIX))
        if len(data.pack().encode()) > 64:
            continue  # an id too long for a button (Telegram's 64 bytes)
        title = entry_title(fact)
        if len(title) > FAQ_TITLE_CHARS:
            title = title[: FAQ_TITLE_CHARS - 1] + "…"
        rows.append([button(f"📚 {title}", data)])
    if not rows:
        await query.answer(_("No FAQ entry matches this question."), show_alert=True)
        return
    rows.append([button(_("⬅️ Back"), TicketCb(action="back", id=ticket.id))])
    await relay.refresh_header(ticket, markup=keyboard(*rows))
    await query.answer()


async def faq_send(
    query: CallbackQuery,
    callback_data: TicketCb,
    relay: RelayService,
    faq: FaqService,
) -> None:
    """One tap: the FAQ entry goes to the person as the answer, in the ticket's language, and
    is recorded in the ticket like a typed answer."""
    ticket = await _pressed(query, callback_data, relay)
    if ticket is None:
        return
    fact = await faq.get(FAQ_PREFIX + callback_data.entry)
    if fact is None:
        await out_of_date(query)
        return
    if not ticket.is_open:
        await query.answer(_("#{id} is closed already.").format(id=ticket.id))
        await relay.refresh_header(ticket)
        return
    with in_locale(ticket.language):
        text = entry_text(fact)
    title = entry_title(fact)
    staff_id, name = _who(query)
    await relay.answer(
        ticket, text=text, photo_id=None, by=staff_id, source_message_id=None, faq_key=fact.key
    )
    await relay.refresh_header(ticket)
    await relay.note(ticket, lambda: faq_sent_note(ticket, title, name))
    await query.answer(_("📚 Sent to #{id}.").format(id=ticket.id))


async def back_to_post(query: CallbackQuery, callback_data: TicketCb, relay: RelayService) -> None:
    ticket = await _pressed(query, callback_data, relay)
    if ticket is None:
        return
    await relay.refresh_header(ticket)
    await query.answer()


# -- the bot's own membership -----------------------------------------------------------------


async def membership_changed(event: ChatMemberUpdated, relay: RelayService) -> None:
    """Added back to the staff chat, or made an admin: what waits is posted now."""
    status = event.new_chat_member.status
    if status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        log.info("relay: the bot is in the staff chat again (%s)", status)
        await relay.staff_chat_back()


def build_router(staff_chat_id: int) -> Router:
    """The staff chat's router; the app includes it only when STAFF_CHAT_ID is set."""
    router = Router(name="staff_chat")
    chat = InChat(staff_chat_id)
    for observer in (router.message, router.callback_query, router.my_chat_member):
        observer.filter(chat)
    router.message.middleware(StaffChatLanguage())
    router.callback_query.middleware(StaffChatLanguage())

    msg, cb = router.message, router.callback_query
    msg.register(list_tickets, Command("tickets"))
    msg.register(close_command, Command("close"))
    msg.register(block_command, Command("block"))
    msg.register(unblock_command, Command("unblock"))
    msg.register(staff_answer, AboutATicket(), NotACommand())

    cb.register(close_button, TicketCb.filter(F.action == "close"))
    cb.register(block_button, TicketCb.filter(F.action == "block"))
    cb.register(unblock_button, TicketCb.filter(F.action == "unblock"))
    cb.register(faq_suggestions, TicketCb.filter(F.action == "faq"))
    cb.register(faq_send, TicketCb.filter(F.action == "faqsend"))
    cb.register(back_to_post, TicketCb.filter(F.action == "back"))
    cb.register(out_of_date, TicketCb.filter())
    router.my_chat_member.register(membership_changed)
    return router
