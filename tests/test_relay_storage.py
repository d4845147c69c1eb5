"""The relay's repository on a real SQLite file, and its rules as pure functions."""

from __future__ import annotations

import asyncio

import pytest

from bot.relay.rules import (
    LIMIT_WINDOW_S,
    MAX_NEW_PER_DAY,
    MAX_OPEN_TICKETS,
    MIN_ANSWERED_FOR_ESTIMATE,
    RETRY_MAX_S,
    Refusal,
    check_limits,
    retry_delay,
    rounded_wait,
    typical_wait,
)
from bot.reminders.sender import SendOutcome, TelegramSender
from storage.db import Database
from storage.tickets import Delivery, Direction, TicketRepository
from storage.users import UserRepository

NOW = 1_795_000_000
USER = 100_000_001
OTHER = 100_000_002


@pytest.fixture
async def repo(db: Database) -> TicketRepository:
    users = UserRepository(db)
    await users.register(USER, now=NOW)
    await users.register(OTHER, now=NOW)
    return TicketRepository(db)


async def new_ticket(repo: TicketRepository, user: int = USER, *, at: int = NOW, text: str = "q"):
    return await repo.create(
        user_id=user,
        language="ru",
        audience="worker",
        display_name=None,
        text=text,
        photo_id=None,
        source_message_id=None,
        now=at,
    )


# -- rules ------------------------------------------------------------------------------------


def test_limits() -> None:
    assert check_limits(blocked=True, open_count=0, created_in_window=(), now=NOW).refusal is (
        Refusal.BLOCKED
    )
    full = check_limits(blocked=False, open_count=MAX_OPEN_TICKETS, created_in_window=(), now=NOW)
    assert full.refusal is Refusal.TOO_MANY_OPEN
    times = tuple(NOW - 3600 * (MAX_NEW_PER_DAY - i) for i in range(MAX_NEW_PER_DAY))
    busy = check_limits(blocked=False, open_count=0, created_in_window=times, now=NOW)
    assert busy.refusal is Refusal.TOO_MANY_TODAY
    assert busy.again_at == times[0] + LIMIT_WINDOW_S
    fine = check_limits(blocked=False, open_count=1, created_in_window=times[1:], now=NOW)
    assert fine.refusal is None


def test_the_estimate_is_a_median_and_honest_about_too_few() -> None:
    assert typical_wait([60] * (MIN_ANSWERED_FOR_ESTIMATE - 1)) is None
    assert typical_wait([3600, 7200, 10800, 14400, 30 * 3600]) == 10800
    assert rounded_wait(10) == ("minutes", 5)
    assert rounded_wait(41 * 60) == ("minutes", 45)
    assert rounded_wait(3 * 3600) == ("hours", 3)
    assert rounded_wait(3 * 3600 + 1) == ("hours", 4)
    assert rounded_wait(50 * 3600) == ("days", 3)


def test_retries_back_off_to_an_hour() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(50) == RETRY_MAX_S


# -- the repository --------------------------------------------------------------------------


async def test_a_ticket_and_its_question_are_stored_together(repo: TicketRepository) -> None:
    ticket = await new_ticket(repo)
    assert ticket.is_open and ticket.staff_post_id is None
    [message] = await repo.messages(ticket.id)
    assert message.direction is Direction.QUESTION and message.delivery is Delivery.PENDING
    assert await repo.due(now=NOW, direction=Direction.QUESTION) == [message.id]
    assert await repo.due(now=NOW, direction=Direction.ANSWER) == []


async def test_a_message_is_claimed_once(repo: TicketRepository) -> None:
    ticket = await new_ticket(repo)
    [message] = await repo.messages(ticket.id)
    claims = await asyncio.gather(*(repo.claim(message.id) for _ in range(5)))
    assert sum(1 for claim in claims if claim is not None) == 1
    await repo.delivered(message.id, now=NOW, chat_message_id=42)
    assert (await repo.message(message.id)).delivery is Delivery.DELIVERED  # type: ignore[union-attr]
    assert await repo.claim(message.id) is None


async def test_messages_of_a_ticket_go_in_order(repo: TicketRepository) -> None:
    ticket = await new_ticket(repo)
    first = (await repo.messages(ticket.id))[0]
    second = await repo.add_question(
        ticket.id, text="more", photo_id=None, source_message_id=None, now=NOW
    )
    assert await repo.due(now=NOW, direction=Direction.QUESTION) == [first.id]
    await repo.claim(first.id)
    await repo.retry_at(first.id, at=NOW + 60, error="down")
    # The second waits behind the first, and the next attempt is the first's time.
    assert await repo.due(now=NOW, direction=Direction.QUESTION) == []
    assert await repo.next_attempt_at(Direction.QUESTION) == NOW + 60
    await repo.claim(first.id)
    await repo.delivered(first.id, now=NOW + 60, chat_message_id=1)
    assert await repo.due(now=NOW + 60, direction=Direction.QUESTION) == [second.id]


async def test_interrupted_deliveries_are_released(repo: TicketRepository) -> None:
    ticket = await new_ticket(repo)
    [message] = await repo.messages(ticket.id)
    await repo.claim(message.id)
    assert await repo.release_interrupted() == 1
    assert (await repo.message(message.id)).delivery is Delivery.PENDING  # type: ignore[union-attr]


async def test_the_first_answer_records_the_wait_once(repo: TicketRepository) -> None:
    ticket = await new_ticket(repo)
    for minutes in (90, 120):
        await repo.add_answer(
            ticket.id,
            text="a",
            photo_id=None,
            sent_by=7,
            source_message_id=None,
            faq_key=None,
            now=NOW + minutes * 60,
        )
    assert await repo.wait_times(since=NOW - 1) == [90 * 60]
    assert (await repo.get(ticket.id)).first_answer_at == NOW + 90 * 60  # type: ignore[union-attr]
    # The waits are anonymous and outlive the ticket.
    await repo.delete([ticket.id])
    assert await repo.wait_times(since=NOW - 1) == [90 * 60]
    assert await repo.forget_wait_times(before=NOW + 1) == 1


async def test_limits_counts(repo: TicketRepository) -> None:
    first = await new_ticket(repo, at=NOW - 3600)
    await new_ticket(repo, at=NOW)
    await new_ticket(repo, OTHER, at=NOW)
    await repo.close(first.id, by=None, now=NOW)
    counts = await repo.limits_for(USER, since=NOW - LIMIT_WINDOW_S)
    assert counts.open == 1 and counts.created_since == (NOW - 3600, NOW)


async def test_close_is_conditional(repo: TicketRepository) -> None:
    ticket = await new_ticket(repo)
    assert await repo.close(ticket.id, by=5, now=NOW)
    assert not await repo.close(ticket.id, by=6, now=NOW)
    assert (await repo.get(ticket.id)).closed_by == 5  # type: ignore[union-attr]


async def test_staff_messages_find_their_ticket(repo: TicketRepository) -> None:
    ticket = await new_ticket(repo)
    await repo.set_topic(ticket.id, chat_id=-100, thread_id=7)
    await repo.set_post(ticket.id, chat_id=-100, message_id=8)
    await repo.remember_staff_message(ticket.id, chat_id=-100, message_id=8, now=NOW)
    assert (await repo.by_staff_message(-100, 8)).id == ticket.id  # type: ignore[union-attr]
    assert (await repo.by_thread(-100, 7)).id == ticket.id  # type: ignore[union-attr]
    assert await repo.by_staff_message(-100, 9) is None
    await repo.forget_staff_thread(ticket.id)
    assert await repo.by_thread(-100, 7) is None


async def test_blocks_outlive_the_ticket_but_not_the_person(
    db: Database, repo: TicketRepository
) -> None:
    ticket = await new_ticket(repo)
    assert await repo.block(USER, by=5, ticket_id=ticket.id, now=NOW)
    assert not await repo.block(USER, by=5, ticket_id=ticket.id, now=NOW)
    await repo.delete([ticket.id])
    assert await repo.blocked_user_of_ticket(ticket.id) == USER
    await UserRepository(db).delete(USER)
    assert await repo.block_of(USER) is None


async def test_deleting_the_person_deletes_every_row(db: Database, repo: TicketRepository) -> None:
    ticket = await new_ticket(repo)
    await repo.remember_staff_message(ticket.id, chat_id=-100, message_id=1, now=NOW)
    await repo.add_answer(
        ticket.id, text="a", photo_id=None, sent_by=7, source_message_id=3, faq_key=None, now=NOW
    )
    await UserRepository(db).delete(USER)
    for table in ("tickets", "ticket_messages", "ticket_staff_messages"):
        assert await db.fetch_value(f"SELECT COUNT(*) FROM {table}") == 0, table


async def test_closed_before_finds_only_closed(repo: TicketRepository) -> None:
    old = await new_ticket(repo)
    await new_ticket(repo)
    await repo.close(old.id, by=None, now=NOW)
    assert [t.id for t in await repo.closed_before(NOW + 1)] == [old.id]
    assert await repo.closed_before(NOW) == []


# -- the sender's new calls ----------------------------------------------------------------------


async def test_the_sender_makes_topics_and_reports_expected_400s_quietly(
    bot, session, clock, clock_sleep, caplog: pytest.LogCaptureFixture
) -> None:
    sender = TelegramSender(bot, clock=clock.now, sleep=clock_sleep)
    refused = await sender.create_topic(-1001, "#1", quiet=("not a forum",))
    assert refused.outcome is SendOutcome.FAILED and refused.detail is not None
    assert "not a forum" in refused.detail
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    session.make_forum(-1001)
    topic = await sender.create_topic(-1001, "#1")
    assert topic.outcome is SendOutcome.SENT and topic.message_id in session.topics[-1001]
    post = await sender.send_message(-1001, "in the topic", thread_id=topic.message_id)
    reply = await sender.send_message(-1001, "a reply", reply_to=post.message_id)
    assert session.messages[(-1001, reply.message_id or 0)].thread_id == topic.message_id
    gone = await sender.send_message(-1001, "x", thread_id=999, quiet=("thread not found",))
    assert gone.detail is not None and "thread not found" in gone.detail
    assert (await sender.react(-1001, post.message_id or 0, "👍")).outcome is SendOutcome.SENT
    assert (await sender.delete_topic(-1001, topic.message_id or 0)).outcome is SendOutcome.SENT
    assert (-1001, post.message_id) not in session.messages
