"""The person's side of the relay: the question dialogue, the received note, their tickets, and
the answer as it arrives. Pure functions returning `Screen`s (or texts), in the current locale.
"""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.formatting import format_date, format_datetime
from bot.relay.rules import (
    DAY,
    ESTIMATE_WINDOW_S,
    MAX_NEW_PER_DAY,
    MAX_OPEN_TICKETS,
    LimitCheck,
    Refusal,
    rounded_wait,
)
from bot.relay.staff_posts import plain_text
from bot.telegram.callbacks import AskCb, MenuCb
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Row, Screen, button, join, keyboard
from storage.tickets import Ticket, TicketMessage

PREVIEW_CHARS = 300  # the question quoted back on a screen
ANSWER_PREVIEW_CHARS = 450  # the latest answer on the ticket's screen
TICKETS_SHOWN = 8  # buttons on "My questions"


def ask_label() -> str:
    return _("✉️ Ask a person")


def my_questions_label() -> str:
    return _("📋 My questions")


def contacts_button() -> Row:
    return [button(_("☎️ Contacts"), MenuCb(section="contacts"))]


def wait_phrase(seconds: int) -> str:
    """'about 40 minutes', 'about 3 hours', 'about 2 days' (rounded up, never 'now')."""
    unit, count = rounded_wait(seconds)
    if unit == "minutes":
        return ngettext("about {count} minute", "about {count} minutes", count).format(count=count)
    if unit == "hours":
        return ngettext("about {count} hour", "about {count} hours", count).format(count=count)
    return ngettext("about {count} day", "about {count} days", count).format(count=count)


def estimate_line(wait: int | None) -> str:
    """The typical first-answer wait, or an honest "I cannot tell yet"."""
    days = ESTIMATE_WINDOW_S // DAY
    if wait is None:
        return _(
            "⏱ I cannot tell yet how soon staff answer: too few questions were answered in the "
            "last {days} days."
        ).format(days=days)
    return _("⏱ Staff usually answer within {wait} (the median of the last {days} days).").format(
        wait=wait_phrase(wait), days=days
    )


def _quote(text: str, limit: int = PREVIEW_CHARS) -> str:
    """Plain text of `text` (escaped HTML or not), cut to `limit`, escaped for the screen."""
    shown = plain_text(text).strip()
    if len(shown) > limit:
        shown = shown[: limit - 1].rstrip() + "…"
    return f"«{html.escape(shown)}»"


def _heading(step: int, total: int) -> str:
    return _("<b>✉️ Ask a person</b>, step {number} of {total}").format(number=step, total=total)


def question_screen(
    *,
    wait: int | None,
    draft: str | None,
    has_photo: bool,
    has_tickets: bool,
    nav: Row,
    total: int,
) -> Screen:
    """Step 1: what to write, how soon an answer comes, and what never to send."""
    parts = [
        _heading(1, total)
        + "\n"
        + _(
            "Write your question in one message: text, or a photo with a caption. Someone "
            "from our team reads it and answers here, in this chat."
        ),
        estimate_line(wait),
        _(
            "🔒 Never send passport, ID card or bank card numbers: staff do not need them to "
            "answer you."
        ),
        _(
            "🆘 In danger right now? Do not wait for an answer: the emergency numbers are in ☎️ "
            "Contacts."
        ),
    ]
    rows: list[Row] = []
    if draft:
        kept = _("Your text from before: {text}").format(text=_quote(draft))
        if has_photo:
            kept += "\n" + _("📷 and your photo.")
        parts.append(kept + "\n" + _("Send it as it is, or write a new message."))
        rows.append([button(_("✅ Send this text"), AskCb(action="use"))])
    elif has_photo:
        parts.append(_("📷 I have your photo. Now write your question in words."))
    rows.append(contacts_button())
    if has_tickets:
        rows.append(_my_questions_row())
    rows.append(nav)
    return Screen(join(*parts), keyboard(*rows))


def identity_screen(
    *, draft: str, has_photo: bool, name: str | None, audience: str, nav: Row, total: int
) -> Screen:
    """Step 2: send anonymously (the default, first) or with the name Telegram shows."""
    question = _("Your question: {text}").format(text=_quote(draft))
    if has_photo:
        question += "\n" + _("📷 With your photo.")
    text = join(
        _heading(2, total) + "\n" + question,
        _(
            "Should staff see your name? Without it they see only the question's number, your "
            "language and who you are ({audience})."
        ).format(audience=audience),
    )
    rows: list[Row] = [[button(_("🙈 Send without my name"), AskCb(action="anon"))]]
    if name:
        rows.append(
            [button(_("👤 Send with my name: {name}").format(name=name), AskCb(action="named"))]
        )
    rows.append(nav)
    return Screen(text, keyboard(*rows))


def received_screen(ticket: Ticket, wait: int | None, zone: str, locale: str) -> Screen:
    lines = [
        _("✅ <b>Question #{id} received.</b> Staff will answer here, in this chat.").format(
            id=ticket.id
        )
    ]
    if wait is None:
        lines.append(estimate_line(None))
    else:
        lines.append(
            _("⏱ Staff usually answer within {wait}, so probably by {time}.").format(
                wait=wait_phrase(wait),
                time=format_datetime(ticket.created_at + wait, zone, locale),
            )
        )
    lines.append(
        _("To add something later, press ↩️ Reply under their answer, or open 📋 My questions.")
    )
    return Screen(join(*lines), keyboard(_my_questions_row(), [back_to_menu_button()]))


def _my_questions_row() -> Row:
    return [button(my_questions_label(), AskCb(action="list"))]


def limit_screen(check: LimitCheck, zone: str, locale: str) -> Screen:
    """Too many open or new questions: say which limit, and when it frees up."""
    if check.refusal is Refusal.TOO_MANY_OPEN:
        reason = ngettext(
            "You have {count} open question, the most at a time. Close one you no longer need "
            "in 📋 My questions, or wait for an answer.",
            "You have {count} open questions, the most at a time. Close one you no longer need "
            "in 📋 My questions, or wait for an answer.",
            MAX_OPEN_TICKETS,
        ).format(count=MAX_OPEN_TICKETS)
    else:
        when = format_datetime(check.again_at or 0, zone, locale)
        reason = ngettext(
            "You have asked {count} new question in the last 24 hours, the most a day. You can "
            "ask a new one from {time}.",
            "You have asked {count} new questions in the last 24 hours, the most a day. You can "
            "ask a new one from {time}.",
            MAX_NEW_PER_DAY,
        ).format(count=MAX_NEW_PER_DAY, time=when)
    urgent = _(
        "🆘 If it is urgent or someone is in danger, do not wait: the emergency numbers are in ☎️ "
        "Contacts."
    )
    markup = keyboard(contacts_button(), _my_questions_row(), [back_to_menu_button()])
    return Screen(join(reason, urgent), markup)


def blocked_notice() -> str:
    return _(
        "I am sorry: staff have turned off questions from this chat. If you need help, these "
        "numbers are for you."
    )


def _status(ticket: Ticket) -> str:
    return _("open") if ticket.is_open else _("closed")


def my_tickets_screen(tickets: list[Ticket], zone: str, locale: str, retention_days: int) -> Screen:
    lines = [_("<b>📋 My questions to staff</b>")]
    if not tickets:
        lines.append(_("You have not asked staff anything yet."))
    for ticket in tickets[:TICKETS_SHOWN]:
        answered = _("💬 answered") if ticket.first_answer_at else _("⏳ no answer yet")
        lines.append(
            f"#{ticket.id} · {_status(ticket)} · {answered} · "
            f"{format_date(ticket.created_at, zone, locale)}"
        )
    lines.append("")
    lines.append(
        ngettext(
            "Closed questions are deleted {days} day after closing.",
            "Closed questions are deleted {days} days after closing.",
            retention_days,
        ).format(days=retention_days)
    )
    rows: list[Row] = [
        [button(f"#{t.id} · {_status(t)}", AskCb(action="show", id=t.id))]
        for t in tickets[:TICKETS_SHOWN]
    ]
    rows.append([button(ask_label(), AskCb(action="start"))])
    rows.append([back_to_menu_button()])
    return Screen("\n".join(lines), keyboard(*rows))


def ticket_screen(
    ticket: Ticket,
    question: TicketMessage | None,
    answer: TicketMessage | None,
    *,
    wait: int | None,
    zone: str,
    locale: str,
) -> Screen:
    head = _("<b>Question #{id}</b> · {status}").format(id=ticket.id, status=_status(ticket))
    asked = _("Asked: {time}").format(time=format_datetime(ticket.created_at, zone, locale))
    parts = [f"{head}\n{asked}"]
    if question is not None:
        parts.append(_("Your question: {text}").format(text=_quote(question.text)))
    if answer is not None:
        parts.append(
            _("💬 Latest answer, {time}:").format(
                time=format_datetime(answer.created_at, zone, locale)
            )
            + "\n"
            + _quote(answer.text, ANSWER_PREVIEW_CHARS)
        )
    elif ticket.is_open:
        parts.append(_("⏳ No answer yet.") + "\n" + estimate_line(wait))
    rows: list[Row] = []
    if ticket.is_open:
        rows.append(
            [
                button(_("↩️ Reply"), AskCb(action="reply", id=ticket.id)),
                button(_("✅ Close question"), AskCb(action="close", id=ticket.id)),
            ]
        )
    else:
        rows.append([button(ask_label(), AskCb(action="start"))])
    rows.append([button(_("⬅️ My questions"), AskCb(action="list")), back_to_menu_button()])
    return Screen(join(*parts), keyboard(*rows))


def answer_message(ticket: Ticket, text: str) -> str:
    """A staff answer as the person receives it: the ticket's number, then the answer."""
    return join(_("💬 <b>Answer to your question #{id}</b>").format(id=ticket.id), text)


def answer_keyboard(ticket: Ticket) -> InlineKeyboardMarkup:
    return keyboard(
        [
            button(_("↩️ Reply"), AskCb(action="reply", id=ticket.id)),
            button(_("✅ Close question"), AskCb(action="close", id=ticket.id)),
        ],
        _my_questions_row(),
    )


def closed_by_staff_message(ticket: Ticket) -> Screen:
    text = _("🔒 Staff closed your question #{id}. If you need anything else, ask again.").format(
        id=ticket.id
    )
    return Screen(text, keyboard([button(ask_label(), AskCb(action="start"))], _my_questions_row()))


def follow_up_screen(ticket: Ticket, nav: Row) -> Screen:
    text = join(
        _("<b>↩️ Reply to staff</b>, question #{id}").format(id=ticket.id)
        + "\n"
        + _("Write your message: text, or a photo with a caption."),
        _("🔒 Never send passport, ID card or bank card numbers."),
    )
    return Screen(text, keyboard(nav))


def follow_up_sent_screen(ticket: Ticket) -> Screen:
    text = _("✅ Sent to staff: question #{id}. Their answer comes here.").format(id=ticket.id)
    return Screen(text, keyboard(_my_questions_row(), [back_to_menu_button()]))


def closed_notice(ticket: Ticket) -> str:
    return _("✅ Question #{id} is closed. Thank you!").format(id=ticket.id)


def ticket_closed_screen(ticket: Ticket) -> Screen:
    text = _("Question #{id} is closed. You can ask a new one.").format(id=ticket.id)
    return Screen(
        text,
        keyboard(
            [button(ask_label(), AskCb(action="start"))],
            _my_questions_row(),
            [back_to_menu_button()],
        ),
    )


def ticket_full_screen(ticket: Ticket) -> Screen:
    text = _(
        "Question #{id} has grown long. Please close it and ask a new question if you need more."
    ).format(id=ticket.id)
    return Screen(
        text,
        keyboard(
            [button(_("✅ Close question"), AskCb(action="close", id=ticket.id))],
            _my_questions_row(),
            [back_to_menu_button()],
        ),
    )


# -- problems with what was typed ----------------------------------------------------------------


def not_text_problem() -> str:
    return _("Please write your question as text, or send a photo with a caption.")


def too_long_problem(length: int, limit: int) -> str:
    return _(
        "This is {count} characters long; the most is {limit}. Please shorten it, or send the "
        "rest after the first answer with ↩️ Reply."
    ).format(count=length, limit=limit)


def erasure_lines(tickets: int, left: int) -> list[str]:
    """/deletemydata: what happened to the questions' traces in the staff chat."""
    if not tickets:
        return []
    if not left:
        return [_("Your questions to staff were deleted from the staff chat too.")]
    return [
        ngettext(
            "{count} message about your questions stays in the staff chat: Telegram lets me "
            "delete messages there only within 48 hours. I asked staff to delete it by hand.",
            "{count} messages about your questions stay in the staff chat: Telegram lets me "
            "delete messages there only within 48 hours. I asked staff to delete them by hand.",
            left,
        ).format(count=left)
    ]
