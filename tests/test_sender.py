"""Sending with Telegram's limits: 429 waits, network backoff, unreachable users, pacing."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.offline.fakeapi import FakeTelegramSession
from bot.reminders.sender import SendOutcome, TelegramSender


class Sleeper:
    """Records requested sleeps and moves the manual clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.sleeps: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.clock.advance(seconds)


@pytest.fixture
def sleeper(clock: ManualClock) -> Sleeper:
    return Sleeper(clock)


@pytest.fixture
def sender(bot, clock: ManualClock, sleeper: Sleeper) -> TelegramSender:
    return TelegramSender(bot, per_second=10, clock=clock.now, sleep=sleeper)


def sends(session: FakeTelegramSession) -> int:
    return sum(1 for call in session.calls if call.__api_method__ == "sendMessage")


async def test_plain_send(sender: TelegramSender, session: FakeTelegramSession) -> None:
    result = await sender.send_message(42, "hi")
    assert result.outcome is SendOutcome.SENT and result.message_id == 1
    assert sends(session) == 1


async def test_429_waits_retry_after_then_sends(
    sender: TelegramSender, session: FakeTelegramSession, sleeper: Sleeper
) -> None:
    session.fail("sendMessage", 429, retry_after=7)
    result = await sender.send_message(42, "hi")
    assert result.outcome is SendOutcome.SENT
    assert sends(session) == 2
    assert 7 in sleeper.sleeps


async def test_429_slows_every_later_send(
    sender: TelegramSender, session: FakeTelegramSession, clock: ManualClock
) -> None:
    session.fail("sendMessage", 429, retry_after=5)
    start = clock.now()
    await sender.send_message(1, "a")
    await sender.send_message(2, "b")
    assert clock.now() - start >= 5


async def test_endless_429_gives_up(sender: TelegramSender, session: FakeTelegramSession) -> None:
    session.fail("sendMessage", 429, retry_after=1, times=100)
    result = await sender.send_message(42, "hi")
    assert result.outcome is SendOutcome.FAILED and result.error == "flood control"
    assert sends(session) == 6  # the first try and five waits, then it stops


async def test_network_errors_back_off_exponentially(
    sender: TelegramSender, session: FakeTelegramSession, sleeper: Sleeper
) -> None:
    session.fail("sendMessage", 0, times=3)
    result = await sender.send_message(42, "hi")
    assert result.outcome is SendOutcome.SENT
    assert [s for s in sleeper.sleeps if s >= 1] == [1, 2, 4]


async def test_network_errors_give_up_after_the_limit(
    sender: TelegramSender, session: FakeTelegramSession
) -> None:
    session.fail("sendMessage", 0, times=50)
    result = await sender.send_message(42, "hi")
    assert result.outcome is SendOutcome.FAILED
    assert sends(session) == 5  # one try plus four retries


async def test_server_errors_are_retried(
    sender: TelegramSender, session: FakeTelegramSession
) -> None:
    session.fail("sendMessage", 502, "Bad Gateway")
    assert (await sender.send_message(42, "hi")).outcome is SendOutcome.SENT


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was blocked by the user"),
        (403, "Forbidden: user is deactivated"),
        (400, "Bad Request: chat not found"),
    ],
)
async def test_unreachable_users(
    sender: TelegramSender, session: FakeTelegramSession, status: int, description: str
) -> None:
    session.fail("sendMessage", status, description)
    result = await sender.send_message(42, "hi")
    assert result.outcome is SendOutcome.UNREACHABLE
    assert sends(session) == 1  # never retried


async def test_other_bad_requests_fail_without_retry(
    sender: TelegramSender, session: FakeTelegramSession
) -> None:
    session.fail("sendMessage", 400, "Bad Request: can't parse entities")
    result = await sender.send_message(42, "hi")
    assert result.outcome is SendOutcome.FAILED
    assert sends(session) == 1


async def test_pace_spaces_sends(
    sender: TelegramSender, clock: ManualClock, sleeper: Sleeper
) -> None:
    start = clock.now()
    for chat in range(5):
        await sender.send_message(chat, "x")
    assert clock.now() - start == pytest.approx(0.4)  # 10 per second: 0, .1, .2, .3, .4
