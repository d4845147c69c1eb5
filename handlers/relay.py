"""✉️ Ask a person (/ask, and `AskCb(action="start")` under the FAQ's answers): the person writes
a question, chooses whether staff see their name, and gets staff's answer here; "↩️ Reply" (or a
Telegram reply to the answer) continues the same ticket. 📋 My questions lists their tickets.

What is typed stays in the dialogue's FSM data (the draft), so Back, a restart or a detour to
/help loses nothing. The staff chat's side is handlers/staff_chat.py; the rules and the service
are in bot/relay/.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.content.profile import AUDIENCE_LABELS, effective_time_zone
from bot.help.screens import HELP_KEYS, emergency_card
from bot.i18n import current_locale
from bot.relay.rules import MAX_TEXT_CHARS, LimitCheck, Refusal
from bot.relay.screens import (
    blocked_notice,
    closed_notice,
    follow_up_screen,
    follow_up_sent_screen,
    identity_screen,
    limit_screen,
    my_tickets_screen,
    not_text_problem,
    question_screen,
    received_screen,
    ticket_closed_screen,
    ticket_full_screen,
    ticket_screen,
    too_long_problem,
)
from bot.telegram.callbacks import AskCb, ResumeCb
from bot.telegram.dialogue import Steps, keep_dialogue, leave_dialogue, out_of_date
from bot.telegram.filters import NotACommand
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, show, show_below
from handlers.faq import LAST_QUESTION
from handlers.menu import menu_screen
from storage.content import ContentRepository
from storage.tickets import Ticket
from storage.users import UserRecord

if TYPE_CHECKING:  # the service is injected by name; its module is imported by the app
    from bot.relay.service import RelayService

COMMAND = "ask"
NAME_CHARS = 40  # the name on the "send with my name" button


class AskPerson(StatesGroup):
    question = State()
    identity = State()


class ReplyToStaff(StatesGroup):
    text = State()


ASK_STEPS = Steps(
    AskPerson,
    name=__("Question to staff"),
    back=AskCb(action="back"),
    cancel=AskCb(action="cancel"),
)
REPLY_STEPS = Steps(
    ReplyToStaff, name=__("Reply to staff"), back=None, cancel=AskCb(action="cancel")
)

# FSM data keys
DRAFT, PHOTO, SOURCE, NAME, TICKET = "draft", "photo", "source", "name", "ticket"


# -- reading what was sent ------------------------------------------------------------------


class Written:
    """A message as the relay takes it: its words (text or caption) and its photo."""

    def __init__(self, message: Message) -> None:
        self.text = (message.text or message.caption or "").strip()
        self.photo = message.photo[-1].file_id if message.photo else None
        self.message_id = message.message_id

    def problem(self) -> str | None:
        if len(self.text) > MAX_TEXT_CHARS:
            return too_long_problem(len(self.text), MAX_TEXT_CHARS)
        if not self.text and self.photo is None:
            return not_text_problem()
        return None


def display_name(user: User | None) -> str | None:
    """What "send with my name" shows staff: the name and @username Telegram shows."""
    if user is None:
        return None
    name = user.full_name.strip()
    if user.username:
        name = f"{name} (@{user.username})" if name else f"@{user.username}"
    return name[:64] or None


def _short(name: str | None) -> str | None:
    if not name:
        return None
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


# -- screens of the dialogue ----------------------------------------------------------------


async def _question_screen(state: FSMContext, relay: RelayService) -> Screen:
    data = await state.get_data()
    return question_screen(
        wait=await relay.typical_wait(),
        draft=data.get(DRAFT),
        has_photo=bool(data.get(PHOTO)),
        has_tickets=bool(await relay.tickets_of(state.key.user_id)),
        nav=ASK_STEPS.nav_row(AskPerson.question),
        total=ASK_STEPS.total,
    )


async def _identity_screen(state: FSMContext, user: UserRecord) -> Screen:
    data = await state.get_data()
    audience = str(AUDIENCE_LABELS[user.audience]) if user.audience else _("not said")
    return identity_screen(
        draft=str(data.get(DRAFT) or ""),
        has_photo=bool(data.get(PHOTO)),
        name=_short(data.get(NAME)),
        audience=audience,
        nav=ASK_STEPS.nav_row(AskPerson.identity),
        total=ASK_STEPS.total,
    )


async def _refusal_screen(
    refusal: Refusal, check: LimitCheck, user: UserRecord, content: ContentRepository
) -> Screen:
    if refusal is Refusal.BLOCKED:
        return emergency_card(await content.get_many(HELP_KEYS)).above(blocked_notice())
    return limit_screen(check, effective_time_zone(user), current_locale())


# -- starting and the two steps --------------------------------------------------------------


async def open_ask(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    relay: RelayService,
    content: ContentRepository,
) -> None:
    """/ask and "✉️ Ask a person": the question step, with what the person just typed to the
    FAQ (if anything) as the draft, so it need not be typed again."""
    current = await state.get_state()
    if current == AskPerson.identity.state:  # asking already: the draft stays, and the step
        await show(event, await _identity_screen(state, user_record))
        return
    if current == AskPerson.question.state:
        await show(event, await _question_screen(state, relay))
        return
    prefill = (await state.get_data()).get(LAST_QUESTION) if current is None else None
    left = await leave_dialogue(state)
    check = await relay.check(user_record.id)
    if check.refusal is not None:
        screen = await _refusal_screen(check.refusal, check, user_record, content)
        await show(event, screen.above(left))
        return
    await state.set_state(AskPerson.question)
    await state.set_data({DRAFT: prefill} if isinstance(prefill, str) and prefill else {})
    await show(event, (await _question_screen(state, relay)).above(left))


async def question_written(
    message: Message, state: FSMContext, user_record: UserRecord, relay: RelayService
) -> None:
    written = Written(message)
    problem = written.problem()
    if problem is not None:
        await show(message, (await _question_screen(state, relay)).with_problem(problem))
        return
    if written.photo is not None:
        await state.update_data({PHOTO: written.photo})
    if not written.text:  # a photo without words: kept (with any draft), the words asked for
        await show(message, await _question_screen(state, relay))
        return
    await state.update_data(
        {DRAFT: written.text, SOURCE: written.message_id, NAME: display_name(message.from_user)}
    )
    await state.set_state(AskPerson.identity)
    await show(message, await _identity_screen(state, user_record))


async def use_draft(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, relay: RelayService
) -> None:
    """ "✅ Send this text": the draft from before becomes the question."""
    data = await state.get_data()
    draft = data.get(DRAFT)
    if not isinstance(draft, str) or not draft or len(draft) > MAX_TEXT_CHARS:
        await show(query, await _question_screen(state, relay))
        return
    await state.update_data({NAME: display_name(query.from_user)})
    await state.set_state(AskPerson.identity)
    await show(query, await _identity_screen(state, user_record))


async def go_back(query: CallbackQuery, state: FSMContext, relay: RelayService) -> None:
    await state.set_state(AskPerson.question)
    await show(query, await _question_screen(state, relay))


async def send_question(
    query: CallbackQuery,
    callback_data: AskCb,
    state: FSMContext,
    user_record: UserRecord,
    relay: RelayService,
    content: ContentRepository,
) -> None:
    """Anonymously (the default) or with the name: the ticket is stored, then posted."""
    data = await state.get_data()
    draft = data.get(DRAFT)
    if not isinstance(draft, str) or not draft:
        await state.set_state(AskPerson.question)
        await show(query, await _question_screen(state, relay))
        return
    check = await relay.check(user_record.id)
    if check.refusal is not None:
        await state.clear()
        await show(query, await _refusal_screen(check.refusal, check, user_record, content))
        return
    await state.clear()
    source = data.get(SOURCE)
    ticket = await relay.ask(
        user_record,
        language=current_locale(),
        text=html.escape(draft, quote=False),
        photo_id=data.get(PHOTO),
        display_name=data.get(NAME) if callback_data.action == "named" else None,
        source_message_id=source if isinstance(source, int) else None,
    )
    wait = await relay.typical_wait()
    await show(
        query, received_screen(ticket, wait, effective_time_zone(user_record), current_locale())
    )


async def cancel(query: CallbackQuery, state: FSMContext, user_record: UserRecord) -> None:
    await state.clear()
    notice = _("✖️ Cancelled: nothing was sent to staff.")
    await show(query, menu_screen(user_record).above(notice))


async def resume(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    relay: RelayService,
) -> None:
    """ "↩️ Continue" after /help or /mydata: the step the person is at."""
    current = await state.get_state()
    if current == AskPerson.identity.state:
        await show(query, await _identity_screen(state, user_record))
    elif current == ReplyToStaff.text.state:
        ticket = await relay.ticket_of(
            user_record.id, int((await state.get_data()).get(TICKET) or 0)
        )
        if ticket is None:
            await state.clear()
            await show(query, menu_screen(user_record))
            return
        await show(query, follow_up_screen(ticket, REPLY_STEPS.nav_row(ReplyToStaff.text)))
    else:
        await show(query, await _question_screen(state, relay))


async def buttons_expected(message: Message, state: FSMContext, user_record: UserRecord) -> None:
    """Typing at the name step: say so briefly, keep the place and its buttons (the draft is
    still there; Back goes to it)."""
    await show(
        message,
        (await _identity_screen(state, user_record)).with_problem(
            _("Please choose with the buttons below; ⬅️ Back changes the question.")
        ),
    )


# -- the person's tickets ------------------------------------------------------------------


async def _show(
    query: CallbackQuery, screen: Screen, relay: RelayService, user: UserRecord
) -> None:
    """Under a staff answer, a new message (the answer stays in the chat); elsewhere, in
    place."""
    message = query.message
    if isinstance(message, Message) and await relay.ticket_answered_by(user.id, message.message_id):
        await show_below(query, screen)
    else:
        await show(query, screen)


async def my_questions(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, relay: RelayService
) -> None:
    tickets = await relay.tickets_of(user_record.id)
    screen = my_tickets_screen(
        tickets, effective_time_zone(user_record), current_locale(), relay.retention_days
    )
    await _show(query, await keep_dialogue(state, screen), relay, user_record)


async def _ticket_screen(ticket: Ticket, user: UserRecord, relay: RelayService) -> Screen:
    return ticket_screen(
        ticket,
        await relay.first_question(ticket),
        await relay.last_answer(ticket),
        wait=await relay.typical_wait(),
        zone=effective_time_zone(user),
        locale=current_locale(),
    )


async def show_ticket(
    query: CallbackQuery,
    callback_data: AskCb,
    state: FSMContext,
    user_record: UserRecord,
    relay: RelayService,
) -> None:
    ticket = await relay.ticket_of(user_record.id, callback_data.id)
    if ticket is None:
        await out_of_date(query)
        return
    screen = await keep_dialogue(state, await _ticket_screen(ticket, user_record, relay))
    await _show(query, screen, relay, user_record)


async def _may_follow_up(
    ticket: Ticket, user: UserRecord, relay: RelayService, content: ContentRepository
) -> Screen | None:
    """Why the person may not add to this ticket now, as the screen to show; None: they may."""
    if not ticket.is_open:
        return ticket_closed_screen(ticket)
    if await relay.is_blocked(user.id):
        return emergency_card(await content.get_many(HELP_KEYS)).above(blocked_notice())
    if not await relay.has_room(ticket):
        return ticket_full_screen(ticket)
    return None


async def start_reply(
    query: CallbackQuery,
    callback_data: AskCb,
    state: FSMContext,
    user_record: UserRecord,
    relay: RelayService,
    content: ContentRepository,
) -> None:
    """ "↩️ Reply": a follow-up on the same ticket."""
    ticket = await relay.ticket_of(user_record.id, callback_data.id)
    if ticket is None:
        await out_of_date(query)
        return
    refusal = await _may_follow_up(ticket, user_record, relay, content)
    if refusal is not None:
        await _show(query, refusal, relay, user_record)
        return
    left = await leave_dialogue(state)
    await state.set_state(ReplyToStaff.text)
    await state.set_data({TICKET: ticket.id})
    screen = follow_up_screen(ticket, REPLY_STEPS.nav_row(ReplyToStaff.text)).above(left)
    await _show(query, screen, relay, user_record)


async def _add(
    message: Message,
    ticket: Ticket,
    user: UserRecord,
    relay: RelayService,
    content: ContentRepository,
    written: Written,
) -> bool:
    """Add what was written to the ticket; False (and the reason shown) when it may not be."""
    refusal = await _may_follow_up(ticket, user, relay, content)
    if refusal is not None:
        await show(message, refusal)
        return False
    await relay.add(
        ticket,
        text=html.escape(written.text, quote=False),
        photo_id=written.photo,
        source_message_id=written.message_id,
    )
    await show(message, follow_up_sent_screen(ticket))
    return True


async def reply_written(
    message: Message,
    state: FSMContext,
    user_record: UserRecord,
    relay: RelayService,
    content: ContentRepository,
) -> None:
    data = await state.get_data()
    ticket = await relay.ticket_of(user_record.id, int(data.get(TICKET) or 0))
    if ticket is None:
        await state.clear()
        await show(message, menu_screen(user_record))
        return
    written = Written(message)
    problem = written.problem()
    if problem is not None:
        nav = REPLY_STEPS.nav_row(ReplyToStaff.text)
        await show(message, follow_up_screen(ticket, nav).with_problem(problem))
        return
    if await _add(message, ticket, user_record, relay, content, written):
        await state.clear()


class RepliesToAnswer(Filter):
    """A Telegram reply to a staff answer in the person's chat: it continues that ticket."""

    async def __call__(
        self,
        message: Message,
        relay: RelayService | None = None,
        user_record: UserRecord | None = None,
    ) -> bool | dict[str, Any]:
        reply = message.reply_to_message
        if reply is None or relay is None or user_record is None:
            return False
        if reply.from_user is None or not reply.from_user.is_bot:
            return False
        ticket = await relay.ticket_answered_by(user_record.id, reply.message_id)
        return {"ticket": ticket} if ticket is not None else False


async def reply_to_answer(
    message: Message,
    ticket: Ticket,
    user_record: UserRecord,
    relay: RelayService,
    content: ContentRepository,
) -> None:
    written = Written(message)
    problem = written.problem()
    if problem is not None:
        screen = follow_up_screen(ticket, [back_to_menu_button()])
        await show(message, screen.with_problem(problem))
        return
    await _add(message, ticket, user_record, relay, content, written)


async def close_ticket(
    query: CallbackQuery, callback_data: AskCb, user_record: UserRecord, relay: RelayService
) -> None:
    ticket = await relay.ticket_of(user_record.id, callback_data.id)
    if ticket is None:
        await out_of_date(query)
        return
    closed = await relay.close_by_person(ticket)
    current = await relay.ticket_of(user_record.id, ticket.id) or ticket
    screen = await _ticket_screen(current, user_record, relay)
    await _show(query, screen.above(closed_notice(current) if closed else None), relay, user_record)


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    cb, msg = router.callback_query, router.message
    not_a_command = NotACommand()
    router.message.register(open_ask, Command(COMMAND))
    cb.register(open_ask, AskCb.filter(F.action == "start"))
    cb.register(cancel, AskCb.filter(F.action == "cancel"), ASK_STEPS.filter())
    cb.register(cancel, AskCb.filter(F.action == "cancel"), REPLY_STEPS.filter())
    cb.register(resume, ResumeCb.filter(), ASK_STEPS.filter())
    cb.register(resume, ResumeCb.filter(), REPLY_STEPS.filter())
    cb.register(use_draft, AskCb.filter(F.action == "use"), ASK_STEPS.filter(AskPerson.question))
    cb.register(go_back, AskCb.filter(F.action == "back"), ASK_STEPS.filter(AskPerson.identity))
    cb.register(
        send_question,
        AskCb.filter(F.action.in_({"anon", "named"})),
        ASK_STEPS.filter(AskPerson.identity),
    )
    cb.register(my_questions, AskCb.filter(F.action == "list"))
    cb.register(show_ticket, AskCb.filter(F.action == "show"))
    cb.register(start_reply, AskCb.filter(F.action == "reply"))
    cb.register(close_ticket, AskCb.filter(F.action == "close"))
    cb.register(out_of_date, AskCb.filter())  # a finished dialogue's button, or forged

    msg.register(question_written, ASK_STEPS.filter(AskPerson.question), not_a_command)
    msg.register(buttons_expected, ASK_STEPS.filter(AskPerson.identity), not_a_command)
    msg.register(reply_written, REPLY_STEPS.filter(), not_a_command)
    msg.register(reply_to_answer, RepliesToAnswer(), not_a_command)
