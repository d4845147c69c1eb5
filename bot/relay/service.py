"""The relay: a person's question goes to the staff chat, a staff answer comes back.

Nothing is lost. Every question and answer is stored first (storage/tickets.py) and delivered
after, through the one sending path (`TelegramSender`: pace, 429, network backoff). What does not
land stays 'pending' with the time of its next attempt, in SQLite: the loop started at start-up
(or `run_due()` in tests and the console) picks it up again, with a growing pause while the staff
chat is unreachable (no STAFF_CHAT_ID, the bot removed, the network, flood control), also after
a restart. A delivery a stop interrupted is tried again at start-up, so a post may repeat once
after a crash but a question is never dropped. An answer the person can no longer receive (they
blocked the bot) stays in the ticket and the staff chat is told.

The staff chat is a forum (one topic per ticket, created with createForumTopic) or a plain group
(one post per ticket, which staff reply to). Which one is found out by trying: a chat that is not
a forum, or where the bot may not create topics, answers createForumTopic with a 400 and the
relay uses replies from then on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from aiogram.utils.i18n import I18n

from bot.clock import Clock
from bot.relay import rules
from bot.relay.rules import DAY, LimitCheck, check_limits, retry_delay, typical_wait
from bot.relay.screens import (
    answer_keyboard,
    answer_message,
    closed_by_staff_message,
    erasure_lines,
)
from bot.relay.staff_posts import (
    blocked_note,
    closed_by_person_note,
    closed_by_staff_note,
    erased_note,
    failed_note,
    follow_up_post,
    photo_caption,
    ticket_keyboard,
    ticket_post,
    topic_name,
    unblocked_note,
    undeliverable_note,
)
from bot.reminders.sender import SendOutcome, SendResult, TelegramSender
from storage.tickets import (
    Delivery,
    Direction,
    StaffMessage,
    Ticket,
    TicketMessage,
    TicketRepository,
)
from storage.users import UserRecord, UserRepository

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 5.0
IDLE_POLL_S = 300.0  # the longest the loop sleeps: another instance may have stored something

# Telegram's descriptions (lower case) of the 400s the relay expects and handles itself.
NOT_A_FORUM = ("not a forum", "only for supergroups", "not enough rights", "topics are disabled")
THREAD_GONE = ("thread not found", "topic_deleted", "topic was deleted", "topic_closed")
NOT_DELETABLE = ("can't be deleted", "message to delete not found", "not enough rights")
EDIT_QUIET = ("message to edit not found", "can't be edited")
REACT_QUIET = ("reaction", "message to react not found", "not found")
ANSWERED = "👍"  # the reaction on a staff answer that reached the person


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What /deletemydata did in the staff chat."""

    tickets: int
    deleted: int  # topics or messages deleted
    left: int  # messages Telegram no longer lets the bot delete (older than 48 hours)


class _StaffChatDown(Exception):
    """The staff chat did not take a post (unreachable, network, flood control, ...)."""


class _ThreadGone(Exception):
    """The ticket's topic or post was deleted in the staff chat: post the ticket afresh."""


class RelayService:
    """Tickets from questions, their delivery both ways, closing, blocking, retention, erasure.
    Handlers (handlers/relay.py, handlers/staff_chat.py) call this; they never see the tables."""

    def __init__(
        self,
        repo: TicketRepository,
        users: UserRepository,
        i18n: I18n,
        clock: Clock,
        *,
        staff_chat_id: int | None,
        retention_days: int,
        on_unreachable: Callable[[int], Awaitable[object]] | None = None,
    ) -> None:
        self.repo = repo
        self.staff_chat_id = staff_chat_id
        self.retention_days = retention_days
        self._users = users
        self._i18n = i18n
        self._clock = clock
        self._on_unreachable = on_unreachable
        self._sender: TelegramSender | None = None
        self._forum: bool | None = None  # unknown until the first post
        self._staff_failures = 0
        self._staff_retry_at = 0  # while the staff chat is down, questions wait until then
        self._next_purge = 0
        self._background = False
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake = asyncio.Event()

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def sender(self) -> TelegramSender:
        if self._sender is None:
            raise RuntimeError("RelayService.start() was not called")
        return self._sender

    async def start(self, sender: TelegramSender, *, run_timer: bool = True) -> None:
        """Take up what a stop left: interrupted deliveries are tried again, pending ones when
        due. `run_timer=False`: no background loop (tests and the console call `run_due`)."""
        self._sender = sender
        self._stopping = False
        released = await self.repo.release_interrupted()
        waiting = await self.repo.count_pending(Direction.QUESTION)
        log.info(
            "relay: %s questions waiting for the staff chat, %s interrupted deliveries resumed",
            waiting,
            released,
        )
        if self.staff_chat_id is None and waiting:
            log.warning("relay: STAFF_CHAT_ID is not set; %s questions wait until it is", waiting)
        if run_timer and self._runner is None:
            self._background = True
            self._runner = asyncio.create_task(self._run(), name="relay")

    async def shutdown(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            done, _ = await asyncio.wait({self._runner}, timeout=SHUTDOWN_GRACE_S)
            if not done:
                # A delivery cut short stays 'sending' and is tried again at the next start.
                self._runner.cancel()
            self._runner = None
        self._background = False

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.run_due()
                delay = await self._next_delay()
            except Exception:
                log.exception("relay: loop step failed")
                delay = 5.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _next_delay(self) -> float:
        now = self._clock.now()
        moments: list[float] = [self._next_purge]
        answer_at = await self.repo.next_attempt_at(Direction.ANSWER)
        if answer_at is not None:
            moments.append(answer_at)
        if self.staff_chat_id is not None:
            question_at = await self.repo.next_attempt_at(Direction.QUESTION)
            if question_at is not None:
                moments.append(max(question_at, self._staff_retry_at))
        return min(max(min(moments) - now, 0.2), IDLE_POLL_S)

    def _now(self) -> int:
        return int(self._clock.now())

    @contextlib.contextmanager
    def _staff_language(self) -> Iterator[None]:
        """The staff chat is shared by the whole team: it is written in DEFAULT_LOCALE."""
        with self._i18n.context(), self._i18n.use_locale(self._i18n.default_locale):
            yield

    @contextlib.contextmanager
    def _language(self, locale: str) -> Iterator[None]:
        with self._i18n.context(), self._i18n.use_locale(locale):
            yield

    # -- the person's side --------------------------------------------------------------------

    async def check(self, user_id: int) -> LimitCheck:
        """May this person open a new ticket now (blocked, too many open, too many today)?"""
        now = self._now()
        counts = await self.repo.limits_for(user_id, since=now - rules.LIMIT_WINDOW_S)
        return check_limits(
            blocked=await self.is_blocked(user_id),
            open_count=counts.open,
            created_in_window=counts.created_since,
            now=now,
        )

    async def is_blocked(self, user_id: int) -> bool:
        return await self.repo.block_of(user_id) is not None

    async def typical_wait(self) -> int | None:
        """The median first-answer wait of the last 30 days, or None when too few."""
        since = self._now() - rules.ESTIMATE_WINDOW_S
        return typical_wait(await self.repo.wait_times(since=since))

    async def ask(
        self,
        user: UserRecord,
        *,
        language: str,
        text: str,
        photo_id: str | None,
        display_name: str | None,
        source_message_id: int | None,
    ) -> Ticket:
        """A new ticket; posted to the staff chat now if it can be, later if not."""
        ticket = await self.repo.create(
            user_id=user.id,
            language=language,
            audience=user.audience.value if user.audience else None,
            display_name=display_name,
            text=text,
            photo_id=photo_id,
            source_message_id=source_message_id,
            now=self._now(),
        )
        log.info("ticket %s opened by %s", ticket.id, user.id)
        await self._kick(ticket.id)
        return await self.repo.get(ticket.id) or ticket

    async def add(
        self, ticket: Ticket, *, text: str, photo_id: str | None, source_message_id: int | None
    ) -> TicketMessage:
        """The person's follow-up on their ticket."""
        message = await self.repo.add_question(
            ticket.id,
            text=text,
            photo_id=photo_id,
            source_message_id=source_message_id,
            now=self._now(),
        )
        await self._kick(ticket.id)
        return message

    async def has_room(self, ticket: Ticket) -> bool:
        return await self.repo.count_messages(ticket.id) < rules.MAX_MESSAGES_PER_TICKET

    async def tickets_of(self, user_id: int) -> list[Ticket]:
        return await self.repo.for_user(user_id)

    async def ticket_of(self, user_id: int, ticket_id: int) -> Ticket | None:
        """The ticket, if it is this person's (a forged number finds nothing)."""
        ticket = await self.repo.get(ticket_id) if ticket_id else None
        return ticket if ticket is not None and ticket.user_id == user_id else None

    async def ticket_answered_by(self, user_id: int, message_id: int) -> Ticket | None:
        """The ticket whose answer (in the person's chat) this message id is."""
        return await self.repo.ticket_of_answer(user_id, message_id)

    async def first_question(self, ticket: Ticket) -> TicketMessage | None:
        return await self.repo.first_question(ticket.id)

    async def last_answer(self, ticket: Ticket) -> TicketMessage | None:
        return await self.repo.last_answer(ticket.id)

    async def close_by_person(self, ticket: Ticket) -> bool:
        if not await self.repo.close(ticket.id, by=None, now=self._now()):
            return False
        closed = await self.repo.get(ticket.id) or ticket
        await self._note(closed, lambda: closed_by_person_note(closed))
        await self.refresh_header(closed)
        return True

    # -- the staff chat's side ----------------------------------------------------------------

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.repo.get(ticket_id)

    async def ticket_in_staff_chat(
        self, chat_id: int, *, reply_to: int | None, thread_id: int | None
    ) -> Ticket | None:
        """Which ticket a staff message is about: a reply to any of the bot's messages of a
        ticket, or any message in a ticket's forum topic."""
        if reply_to is not None:
            ticket = await self.repo.by_staff_message(chat_id, reply_to)
            if ticket is not None:
                return ticket
        if thread_id is not None:
            return await self.repo.by_thread(chat_id, thread_id)
        return None

    async def answer(
        self,
        ticket: Ticket,
        *,
        text: str,
        photo_id: str | None,
        by: int,
        source_message_id: int | None,
        faq_key: str | None = None,
    ) -> TicketMessage:
        """A staff answer: stored, then delivered to the person (now, or retried)."""
        message = await self.repo.add_answer(
            ticket.id,
            text=text,
            photo_id=photo_id,
            sent_by=by,
            source_message_id=source_message_id,
            faq_key=faq_key,
            now=self._now(),
        )
        log.info("ticket %s answered by %s", ticket.id, by)
        await self._kick(ticket.id)
        return await self.repo.message(message.id) or message

    async def close_by_staff(self, ticket: Ticket, *, by: int, name: str) -> bool:
        if not await self.repo.close(ticket.id, by=by, now=self._now()):
            return False
        closed = await self.repo.get(ticket.id) or ticket
        log.info("ticket %s closed by %s", ticket.id, by)
        await self._note(closed, lambda: closed_by_staff_note(closed, name))
        await self.refresh_header(closed)
        user = await self._users.get(closed.user_id)
        if user is not None:
            with self._language(user.language or closed.language):
                screen = closed_by_staff_message(closed)
            await self.sender.send_message(user.id, screen.text, screen.markup)
        return True

    async def block(self, ticket: Ticket, *, by: int, name: str) -> bool:
        blocked = await self.repo.block(ticket.user_id, by=by, ticket_id=ticket.id, now=self._now())
        if blocked:
            log.info("ticket %s: its person blocked from the relay by %s", ticket.id, by)
            await self._note(ticket, lambda: blocked_note(ticket, name))
            await self.refresh_header(ticket)
        return blocked

    async def unblock(self, number: int, *, name: str) -> bool:
        """Unblock the person of ticket `number` (also when that ticket is gone)."""
        ticket = await self.repo.get(number)
        user_id = ticket.user_id if ticket else await self.repo.blocked_user_of_ticket(number)
        if user_id is None or not await self.repo.unblock(user_id):
            return False
        log.info("ticket %s: its person unblocked", number)
        if ticket is not None:
            await self._note(ticket, lambda: unblocked_note(number, name))
            await self.refresh_header(ticket)
        return True

    async def open_tickets(self, limit: int) -> tuple[list[Ticket], int]:
        return await self.repo.open_tickets(limit=limit), await self.repo.count_open()

    async def refresh_header(self, ticket: Ticket, markup: object | None = None) -> None:
        """The ticket's post shows its state (closed, blocked) and the matching buttons;
        `markup` replaces the buttons for a moment (the FAQ suggestions)."""
        if ticket.staff_chat_id is None or ticket.staff_post_id is None:
            return
        first = await self.repo.first_question(ticket.id)
        blocked = await self.is_blocked(ticket.user_id)
        with self._staff_language():
            text = ticket_post(
                ticket, first, forum=ticket.staff_thread_id is not None, blocked=blocked
            )
            buttons = markup if markup is not None else ticket_keyboard(ticket, blocked=blocked)
        await self.sender.edit_text(
            ticket.staff_chat_id,
            ticket.staff_post_id,
            text,
            buttons,  # type: ignore[arg-type]
            quiet=EDIT_QUIET,
        )

    async def note(self, ticket: Ticket, render: Callable[[], str]) -> None:
        """A line about the ticket in its thread of the staff chat (rendered in its language)."""
        await self._note(ticket, render)

    async def staff_chat_back(self) -> None:
        """The bot was added back to the staff chat (or promoted): post what waits, now."""
        self._staff_failures = 0
        self._staff_retry_at = 0
        self._forum = None  # it may have become a forum meanwhile
        await self.repo.retry_now(now=self._now())
        if self._background:
            self._wake.set()
        elif self._sender is not None:
            await self.run_due()

    # -- delivery -----------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Deliver everything whose time has come (answers first: a person waits for them), and
        purge closed tickets past their retention when that is due. The loop calls this; tests
        and the console call it on a clock they move."""
        now = self._now()
        delivered = 0
        for message_id in await self.repo.due(now=now, direction=Direction.ANSWER):
            await self._deliver(message_id)
            delivered += 1
        if self.staff_chat_id is not None:
            for message_id in await self.repo.due(now=now, direction=Direction.QUESTION):
                if self._staff_retry_at > self._now():
                    break  # the staff chat went down during this round: wait it out
                await self._deliver(message_id)
                delivered += 1
        if now >= self._next_purge:
            self._next_purge = now + rules.PURGE_EVERY_S
            await self.purge()
        return delivered

    async def _kick(self, ticket_id: int) -> None:
        """Deliver what just came in: the loop does it at once; without it (tests, console),
        right here."""
        if self._background:
            self._wake.set()
            return
        if self._sender is None:
            return
        now = self._now()
        for message_id in await self.repo.due(
            now=now, direction=Direction.ANSWER, ticket_id=ticket_id
        ):
            await self._deliver(message_id)
        if self.staff_chat_id is None or self._staff_retry_at > now:
            return
        for message_id in await self.repo.due(
            now=now, direction=Direction.QUESTION, ticket_id=ticket_id
        ):
            await self._deliver(message_id)

    async def _deliver(self, message_id: int) -> None:
        message = await self.repo.claim(message_id)
        if message is None:
            return  # taken by another delivery, or deleted with its ticket
        try:
            ticket = await self.repo.get(message.ticket_id)
            if ticket is None:
                return
            if message.direction is Direction.QUESTION:
                await self._post_question(ticket, message)
            else:
                await self._deliver_answer(ticket, message)
        except Exception as exc:
            log.exception("ticket message %s: delivery crashed", message_id)
            await self.repo.retry_at(
                message_id,
                at=self._now() + retry_delay(message.attempts),
                error=type(exc).__name__,
            )

    # -- questions to the staff chat ----------------------------------------------------------

    async def _post_question(self, ticket: Ticket, message: TicketMessage) -> None:
        try:
            try:
                await self._post_parts(ticket, message)
            except _ThreadGone:
                # Staff deleted the topic or the post: the ticket is posted afresh, once.
                log.info(
                    "ticket %s: its thread is gone from the staff chat; posting anew", ticket.id
                )
                await self.repo.forget_staff_thread(ticket.id)
                await self.repo.set_landed(message.id, None)
                fresh = await self.repo.get(ticket.id)
                refreshed = await self.repo.message(message.id)
                if fresh is None or refreshed is None:
                    return
                await self._post_parts(fresh, refreshed)
        except (_StaffChatDown, _ThreadGone) as problem:
            self._staff_failures += 1
            self._staff_retry_at = self._now() + retry_delay(self._staff_failures)
            await self.repo.retry_at(message.id, at=self._staff_retry_at, error=str(problem))
            log.warning(
                "relay: the staff chat did not take ticket %s (%s); next try in %s s",
                ticket.id,
                problem,
                self._staff_retry_at - self._now(),
            )
            return
        self._staff_failures = 0
        self._staff_retry_at = 0

    async def _post_parts(self, ticket: Ticket, message: TicketMessage) -> None:
        chat = self.staff_chat_id
        assert chat is not None  # noqa: S101 - questions are only delivered with a staff chat
        header_id, thread_id, header_is_text = await self._ensure_posted(ticket, message)
        landed = header_id if header_is_text else message.chat_message_id
        if landed is None:
            with self._staff_language():
                text = follow_up_post(ticket, message)
            result = await self.sender.send_message(
                chat,
                text,
                thread_id=thread_id,
                reply_to=None if thread_id else header_id,
                quiet=THREAD_GONE,
            )
            landed = await self._landed(ticket, result)
            await self.repo.set_landed(message.id, landed)
        if message.photo_id:
            result = await self.sender.send_photo(
                chat,
                message.photo_id,
                caption=photo_caption(ticket),
                thread_id=thread_id,
                reply_to=None if thread_id else landed,
                quiet=THREAD_GONE,
            )
            await self._landed(ticket, result)
        await self.repo.delivered(message.id, now=self._now(), chat_message_id=landed)

    async def _ensure_posted(
        self, ticket: Ticket, message: TicketMessage
    ) -> tuple[int, int | None, bool]:
        """The ticket's post (and topic) in the staff chat: (post id, topic id, whether the
        post carries this very message's text)."""
        chat = self.staff_chat_id
        assert chat is not None  # noqa: S101
        here = ticket.staff_chat_id == chat
        first = await self.repo.first_question(ticket.id)
        header_is_text = first is not None and first.id == message.id
        if here and ticket.staff_post_id is not None:
            # The post carries the first question's text: a retry after a stop between the
            # post and its bookkeeping does not post that text a second time.
            return ticket.staff_post_id, ticket.staff_thread_id, header_is_text
        thread_id = ticket.staff_thread_id if here else None
        if thread_id is None and self._forum is not False:
            with self._staff_language():
                name = topic_name(ticket)
            result = await self.sender.create_topic(chat, name, quiet=NOT_A_FORUM)
            if result.outcome is SendOutcome.SENT and result.message_id is not None:
                thread_id = result.message_id
                self._forum = True
                await self.repo.set_topic(ticket.id, chat_id=chat, thread_id=thread_id)
            elif result.detail and any(text in result.detail for text in NOT_A_FORUM):
                log.info("relay: the staff chat takes no topics here; tickets are replied to")
                self._forum = False
            else:
                raise _StaffChatDown(result.error or result.outcome.value)
        blocked = await self.is_blocked(ticket.user_id)
        current = await self.repo.get(ticket.id) or ticket
        with self._staff_language():
            text = ticket_post(current, first, forum=thread_id is not None, blocked=blocked)
            markup = ticket_keyboard(current, blocked=blocked)
        result = await self.sender.send_message(
            chat, text, markup, thread_id=thread_id, quiet=THREAD_GONE
        )
        header_id = await self._landed(ticket, result)
        await self.repo.set_post(ticket.id, chat_id=chat, message_id=header_id)
        if header_is_text:
            await self.repo.set_landed(message.id, header_id)
        return header_id, thread_id, header_is_text

    async def _landed(self, ticket: Ticket, result: SendResult) -> int:
        """The id of what was just posted in the staff chat, remembered for the ticket (a reply
        to it answers the ticket; /deletemydata deletes it)."""
        if result.outcome is SendOutcome.SENT and result.message_id is not None:
            assert self.staff_chat_id is not None  # noqa: S101
            await self.repo.remember_staff_message(
                ticket.id,
                chat_id=self.staff_chat_id,
                message_id=result.message_id,
                now=self._now(),
            )
            return result.message_id
        if result.detail and any(text in result.detail for text in THREAD_GONE):
            raise _ThreadGone(result.detail)
        raise _StaffChatDown(result.error or result.outcome.value)

    async def _note(self, ticket: Ticket, render: Callable[[], str]) -> None:
        """Best effort: a note is a courtesy, the ticket's state is in SQLite and its post."""
        chat, post = ticket.staff_chat_id, ticket.staff_post_id
        if chat is None or post is None or chat != self.staff_chat_id or self._sender is None:
            return
        with self._staff_language():
            text = render()
        thread = ticket.staff_thread_id
        result = await self.sender.send_message(
            chat, text, thread_id=thread, reply_to=None if thread else post, quiet=THREAD_GONE
        )
        if result.outcome is SendOutcome.SENT and result.message_id is not None:
            await self.repo.remember_staff_message(
                ticket.id, chat_id=chat, message_id=result.message_id, now=self._now()
            )

    # -- answers to the person ----------------------------------------------------------------

    async def _deliver_answer(self, ticket: Ticket, message: TicketMessage) -> None:
        user = await self._users.get(ticket.user_id)
        if user is None:
            await self.repo.give_up(message.id, Delivery.FAILED, error="no such user")
            return
        with self._language(user.language or ticket.language):
            text = answer_message(ticket, message.text)
            markup = answer_keyboard(ticket)
        landed = message.chat_message_id
        if landed is None:
            result = await self.sender.send_message(user.id, text, markup)
            if result.outcome is not SendOutcome.SENT:
                await self._answer_failed(ticket, message, result)
                return
            landed = result.message_id
            await self.repo.set_landed(message.id, landed)
        if message.photo_id:
            result = await self.sender.send_photo(
                user.id, message.photo_id, caption=photo_caption(ticket), reply_to=landed
            )
            if result.outcome is not SendOutcome.SENT:
                await self._answer_failed(ticket, message, result)
                return
        await self.repo.delivered(message.id, now=self._now(), chat_message_id=landed)
        if message.source_message_id is not None and ticket.staff_chat_id == self.staff_chat_id:
            assert ticket.staff_chat_id is not None  # noqa: S101
            await self.sender.react(
                ticket.staff_chat_id, message.source_message_id, ANSWERED, quiet=REACT_QUIET
            )

    async def _answer_failed(
        self, ticket: Ticket, message: TicketMessage, result: SendResult
    ) -> None:
        if result.outcome is SendOutcome.UNREACHABLE:
            await self.repo.give_up(message.id, Delivery.UNDELIVERABLE, error=result.error)
            await self._users.mark_blocked(ticket.user_id, now=self._now())
            if self._on_unreachable is not None:
                await self._on_unreachable(ticket.user_id)
            log.info("ticket %s: answer kept, the person blocked the bot", ticket.id)
            await self._note(ticket, lambda: undeliverable_note(ticket))
            return
        if message.attempts >= rules.MAX_ANSWER_ATTEMPTS:
            await self.repo.give_up(message.id, Delivery.FAILED, error=result.error)
            await self._note(ticket, lambda: failed_note(ticket))
            return
        await self.repo.retry_at(
            message.id, at=self._now() + retry_delay(message.attempts), error=result.error
        )

    # -- retention and erasure ----------------------------------------------------------------

    async def purge(self) -> int:
        """Closed tickets past TICKET_RETENTION_DAYS are deleted, with their forum topic (and
        any of their staff-chat messages Telegram still lets the bot delete); first-answer
        waits older than the estimate's window go too."""
        now = self._now()
        purged = 0
        while True:
            batch = await self.repo.closed_before(now - self.retention_days * DAY)
            if not batch:
                break
            for ticket in batch:
                with contextlib.suppress(Exception):
                    await self._remove_traces(ticket, now)
            purged += await self.repo.delete([ticket.id for ticket in batch])
        await self.repo.forget_wait_times(before=now - rules.ESTIMATE_WINDOW_S)
        if purged:
            log.info("relay: %s closed tickets past retention deleted", purged)
        return purged

    async def erase(self, user_id: int) -> ErasureReport:
        """Before a person's data is deleted: their tickets' traces in the staff chat go too
        where Telegram allows it (a topic always; a message within 48 hours); staff are asked
        to delete the rest by hand. The rows themselves go with the user (foreign keys)."""
        tickets = await self.repo.for_user(user_id, limit=1_000_000)
        if not tickets:
            return ErasureReport(0, 0, 0)
        now = self._now()
        deleted = left = 0
        kept: list[Ticket] = []
        for ticket in tickets:
            gone, stays = await self._remove_traces(ticket, now)
            deleted += gone
            left += stays
            if stays:
                kept.append(ticket)
        if kept and self._sender is not None:
            first = kept[0]
            with self._staff_language():
                text = erased_note([ticket.id for ticket in kept], left)
            if first.staff_chat_id == self.staff_chat_id and first.staff_chat_id is not None:
                await self.sender.send_message(
                    first.staff_chat_id,
                    text,
                    thread_id=first.staff_thread_id,
                    reply_to=None if first.staff_thread_id else first.staff_post_id,
                    quiet=THREAD_GONE,
                )
        log.info(
            "relay: %s tickets of %s erased (%s left in the staff chat)",
            len(tickets),
            user_id,
            left,
        )
        return ErasureReport(len(tickets), deleted, left)

    async def erasure_notes(self, user: UserRecord) -> list[str]:
        """The erasure step for /deletemydata (`PersonalData.before_erase`): erase, then say
        how it went, in the person's language (the update's)."""
        report = await self.erase(user.id)
        return erasure_lines(report.tickets, report.left)

    async def _remove_traces(self, ticket: Ticket, now: int) -> tuple[int, int]:
        """Delete the ticket's topic, or its messages, in the staff chat: (deleted, left)."""
        chat = ticket.staff_chat_id
        if chat is None or self._sender is None:
            return 0, 0
        if ticket.staff_thread_id is not None:
            result = await self.sender.delete_topic(
                chat, ticket.staff_thread_id, quiet=NOT_DELETABLE + THREAD_GONE
            )
            if result.outcome is SendOutcome.SENT or _gone(result):
                return 1, 0
        traces: list[StaffMessage] = [
            *await self.repo.staff_messages_of(ticket.id),
            *await self.repo.staff_answers_of(ticket.id),
        ]
        deleted = left = 0
        for trace in traces:
            if now - trace.posted_at >= rules.DELETABLE_FOR_S:
                left += 1  # Telegram refuses: older than 48 hours
                continue
            result = await self.sender.delete_message(chat, trace.message_id, quiet=NOT_DELETABLE)
            if result.outcome is SendOutcome.SENT or _gone(result):
                deleted += 1
            else:
                left += 1
        return deleted, left


def _gone(result: SendResult) -> bool:
    """Already deleted (by hand): as good as deleted now."""
    return bool(result.detail) and "not found" in (result.detail or "")
