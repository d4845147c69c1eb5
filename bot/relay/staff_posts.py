"""What the bot posts in the staff chat: the ticket post, follow-ups, notes, the /tickets list.

Pure functions of the ticket. They speak the current locale; the relay sets the staff chat's
language (DEFAULT_LOCALE) around them, since the chat is shared by the whole team.
"""

from __future__ import annotations

import html
import re

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.i18n import LANGUAGE_NAMES
from bot.telegram.callbacks import TicketCb
from bot.telegram.screens import button, keyboard
from storage.tickets import Ticket, TicketMessage

LIST_LIMIT = 30  # /tickets shows this many; the rest are counted
_TAG = re.compile(r"<[^>]+>")


def audience_label(audience: str | None) -> str:
    """Who the person said they are, in the third person (the staff's view)."""
    labels = {
        "worker": _("works in Korea"),
        "family": _("family of a worker in Korea"),
        "other": _("someone else"),
    }
    return labels.get(audience or "", _("did not say who they are"))


def language_label(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def topic_name(ticket: Ticket) -> str:
    """The forum topic's name: number, language and who, so staff can pick from the list."""
    return f"#{ticket.id} · {ticket.language} · {audience_label(ticket.audience)}"[:128]


def ticket_post(
    ticket: Ticket, question: TicketMessage | None, *, forum: bool, blocked: bool
) -> str:
    """The post staff answer: who (only as much as the person allowed), how to answer, the
    first question, and the ticket's state once it changes."""
    who = (
        _("👤 {name}").format(name=html.escape(ticket.display_name))
        if ticket.display_name
        else _("👤 anonymous (the person did not share their name)")
    )
    how = (
        _("💬 Write in this topic to answer; the person gets every message here.")
        if forum
        else _("↩️ Reply to this message (or to any of mine about #{id}) to answer.").format(
            id=ticket.id
        )
    )
    lines = [
        _("🎫 <b>Ticket #{id}</b> · {language} · {audience}").format(
            id=ticket.id,
            language=language_label(ticket.language),
            audience=audience_label(ticket.audience),
        ),
        who,
        how,
        "",
        question.text if question is not None else "",
    ]
    if question is not None and question.photo_id:
        lines.append(_("📷 With a photo (below)."))
    if not ticket.is_open:
        lines += ["", _("🔒 Closed.")]
    if blocked:
        lines.append(_("🚫 This person may not ask new questions (blocked)."))
    return "\n".join(lines)


def ticket_keyboard(ticket: Ticket, *, blocked: bool) -> InlineKeyboardMarkup:
    block = (
        button(_("✅ Unblock"), TicketCb(action="unblock", id=ticket.id))
        if blocked
        else button(_("🚫 Block"), TicketCb(action="block", id=ticket.id))
    )
    if not ticket.is_open:
        return keyboard([block])
    return keyboard(
        [button(_("📚 Send an FAQ answer"), TicketCb(action="faq", id=ticket.id))],
        [button(_("🔒 Close"), TicketCb(action="close", id=ticket.id)), block],
    )


def follow_up_post(ticket: Ticket, message: TicketMessage) -> str:
    lines = [_("💬 <b>#{id}</b>, the person writes:").format(id=ticket.id), "", message.text]
    if message.photo_id:
        lines.append(_("📷 With a photo (below)."))
    return "\n".join(lines)


def photo_caption(ticket: Ticket) -> str:
    return f"📷 #{ticket.id}"


def closed_by_person_note(ticket: Ticket) -> str:
    return _("🔒 #{id}: the person closed the question.").format(id=ticket.id)


def closed_by_staff_note(ticket: Ticket, name: str) -> str:
    return _("🔒 #{id} closed by {name}.").format(id=ticket.id, name=html.escape(name))


def blocked_note(ticket: Ticket, name: str) -> str:
    return _(
        "🚫 #{id}: {name} blocked this person from asking new questions. /unblock {id} undoes it."
    ).format(id=ticket.id, name=html.escape(name))


def unblocked_note(ticket_id: int, name: str) -> str:
    return _("✅ #{id}: {name} unblocked this person.").format(id=ticket_id, name=html.escape(name))


def undeliverable_note(ticket: Ticket) -> str:
    return _(
        "⚠️ #{id}: the answer did not reach the person: they have blocked the bot. It stays in "
        "the ticket; they see it in 📋 My questions if they come back."
    ).format(id=ticket.id)


def failed_note(ticket: Ticket) -> str:
    return _(
        "⚠️ #{id}: the answer could not be delivered after many attempts. It stays in the "
        "ticket; please try again in other words, or later."
    ).format(id=ticket.id)


def closed_ticket_refusal(ticket: Ticket) -> str:
    return _("🔒 Ticket #{id} is closed: this was not sent to the person.").format(id=ticket.id)


def faq_sent_note(ticket: Ticket, title: str, name: str) -> str:
    return _("📚 #{id}: {name} sent the FAQ answer «{title}».").format(
        id=ticket.id, name=html.escape(name), title=html.escape(title)
    )


def too_long_refusal(length: int, limit: int) -> str:
    return _(
        "⚠️ Not sent: {length} characters, and the most I pass on is {limit}. Please split it."
    ).format(length=length, limit=limit)


def unsupported_refusal() -> str:
    return _("⚠️ Not sent: I pass on text, or a photo with a caption.")


def erased_note(ticket_ids: list[int], left: int) -> str:
    numbers = ", ".join(f"#{number}" for number in ticket_ids)
    return ngettext(
        "🗑 The person behind {tickets} erased their data. Telegram no longer lets me delete "
        "{count} older message about it here: please delete it by hand.",
        "🗑 The person behind {tickets} erased their data. Telegram no longer lets me delete "
        "{count} older messages about it here: please delete them by hand.",
        left,
    ).format(tickets=numbers, count=left)


def ago(seconds: int) -> str:
    """How long ago, rounded down ("3 hours ago" until it is 4); under a minute, "just now"."""
    if seconds < 60:
        return _("just now")
    minutes = seconds // 60
    unit, count = ("minutes", minutes) if minutes < 60 else ("hours", minutes // 60)
    if unit == "hours" and count >= 48:
        unit, count = "days", count // 24
    if unit == "minutes":
        return ngettext("{count} minute ago", "{count} minutes ago", count).format(count=count)
    if unit == "hours":
        return ngettext("{count} hour ago", "{count} hours ago", count).format(count=count)
    return ngettext("{count} day ago", "{count} days ago", count).format(count=count)


def message_link(chat_id: int, message_id: int) -> str | None:
    """A link to a supergroup message (or forum topic), for staff; None in a basic group."""
    text = str(chat_id)
    if not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text[4:]}/{message_id}"


def tickets_list(tickets: list[Ticket], total: int, now: int) -> str:
    """/tickets: the open tickets, oldest first, each linked to its post or topic."""
    if not tickets:
        return _("🎫 No open tickets.")
    lines = [_("🎫 <b>Open tickets: {count}</b>").format(count=total)]
    for ticket in tickets:
        number = f"#{ticket.id}"
        target = ticket.staff_thread_id or ticket.staff_post_id
        link = (
            message_link(ticket.staff_chat_id, target)
            if ticket.staff_chat_id is not None and target is not None
            else None
        )
        if link:
            number = f'<a href="{link}">{number}</a>'
        state = _("💬 answered") if ticket.first_answer_at else _("⏳ waiting")
        if ticket.staff_post_id is None:
            state += " · " + _("not posted yet")
        lines.append(
            f"{number} · {ticket.language} · {audience_label(ticket.audience)} · "
            f"{ago(now - ticket.created_at)} · {state}"
        )
    if total > len(tickets):
        lines.append(_("Not shown: {count} more.").format(count=total - len(tickets)))
    return "\n".join(lines)


def usage(command: str) -> str:
    return _(
        "Write /{command} with the ticket's number, e.g. /{command} 12, or reply with it to a "
        "message of the ticket."
    ).format(command=command)


def unknown_ticket(number: int) -> str:
    return _(
        "There is no ticket #{id}: it may have been deleted (the person erased their data, or "
        "it was closed long ago)."
    ).format(id=number)


def plain_text(text: str) -> str:
    """HTML as the reader sees it (for previews that are cut short)."""
    return html.unescape(_TAG.sub("", text))
