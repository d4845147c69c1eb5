"""The one place that sends bot-initiated messages (reminders, news, announcements) to Telegram.

It knows Telegram's limits and errors:
- a global pace (Telegram allows about 30 messages per second to different chats; we stay under);
- 429 Too Many Requests: wait `retry_after` (pausing every sender, since the limit is global),
  then retry, a bounded number of times;
- network failures and 5xx: retry with exponential backoff, a bounded number of times;
- 403 (blocked, deactivated) and "chat not found": the person is unreachable; the caller marks
  them blocked. Other 400s are our bug: not retried, reported as failed.
- two lanes on one budget: personal sends (reminders) go ahead of bulk ones (announcements);
- sends in flight follow the round trip: `in_flight_target()` tells the delivery engines how many
  sends to keep going at once so that the pace is kept whatever the Bot API's latency (at 300 ms a
  fixed 4 in flight gave 13 messages per second instead of 20-25).
Replies to a user's own update go through aiogram directly: they are one per update and cannot
outpace Telegram's per-chat limit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    ForumTopic,
    InlineKeyboardMarkup,
    Message,
    ReactionTypeEmoji,
    ReplyParameters,
)

from bot.announcements.content import send_version
from bot.announcements.model import Version

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# Sends in flight (see `TelegramSender.in_flight_target`). The floor is what served well at
# round trips of ~50 ms; the ceiling bounds what one kill -9 can interrupt (each send in flight
# is at most one message lost, never one sent twice): at 25 msg/s it is reached only at round
# trips of about 2 s, when Telegram or the network is in trouble anyway.
MIN_IN_FLIGHT = 4
MAX_IN_FLIGHT = 64
IN_FLIGHT_HEADROOM = 1.25  # x pace x round trip: room for the estimate lagging a change
IN_FLIGHT_SPARE = 2  # + slots busy with the database (claim, finish) rather than the call


class SendOutcome(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked the bot, deactivated, or no such chat
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    message_id: int | None = None  # of the message sent, or of the forum topic created
    error: str | None = None
    detail: str | None = None  # Telegram's description of a 400, lower case: what went wrong


class Pace:
    """Spaces sends evenly at `per_second`; a 429 pushes every later slot back.

    Two lanes share the one budget. A personal send (a reminder, a progress edit) takes the next
    free slot ahead of every waiting bulk send (an announcement), so a person's "your flight is
    tomorrow" never queues behind 100,000 announcement messages; bulk sends get the slots nobody
    else wants. Waiters are released in order by one releaser task, one per interval.
    """

    def __init__(self, per_second: float, clock: Callable[[], float], sleep: Sleep) -> None:
        self._interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0
        self._priority: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._releaser: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> tuple[int, int]:
        """(personal, bulk) sends waiting for a slot now."""
        return len(self._priority), len(self._bulk)

    async def wait_turn(self, *, bulk: bool = False) -> None:
        now = self._clock()
        ahead = self._priority if not bulk else (self._priority or self._bulk)
        if not ahead and now >= self._next_slot:
            self._take(now)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane = self._bulk if bulk else self._priority
        lane.append(waiter)
        if self._releaser is None or self._releaser.done():
            self._releaser = asyncio.create_task(self._release())
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter in lane:
                lane.remove(waiter)
            raise

    def hold_until(self, moment: float) -> None:
        self._next_slot = max(self._next_slot, moment)

    def _take(self, now: float) -> None:
        # A waiter woken a little late keeps the schedule (the next slot is one interval after
        # this one was due, not after the wake-up), so timer jitter does not wear the rate
        # down; after an idle spell the schedule restarts from now, so no burst builds up.
        on_time = now - self._next_slot < self._interval
        self._next_slot = (self._next_slot if on_time else now) + self._interval

    async def _release(self) -> None:
        while self._priority or self._bulk:
            now = self._clock()
            if now < self._next_slot:
                await self._sleep(self._next_slot - now)
                continue  # a 429 may have moved the slot meanwhile
            lane = self._priority or self._bulk
            waiter = lane.popleft()
            if waiter.done():  # its task was cancelled
                continue
            self._take(now)
            waiter.set_result(None)


class RoundTrip:
    """The Bot API's round trip, smoothed as TCP smooths its RTT (Jacobson/Karels): a running
    mean with gain 1/8 and a running mean deviation with gain 1/4, O(1) per sample.

    Why mean + deviation and not a window quantile: by Little's law the sends busy in HTTP
    calls average pace x mean round trip, so the mean is the quantity that sets the slots
    needed; the deviation (for uniform 30-300 ms jitter, mean + deviation lands near the 75th
    to 85th percentile) is headroom against the mean wandering and against runs of slow answers, so
    jitter never starves the pace; and a spike (one 5 s answer) moves the mean by only 1/8 of
    itself instead of sitting in a window. The first sample starts the deviation at half of it,
    as TCP does, so the estimate starts high and settles within a few dozen answers.
    """

    def __init__(self) -> None:
        self.mean: float | None = None
        self.deviation = 0.0
        self.samples = 0

    def add(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        self.samples += 1
        if self.mean is None:
            self.mean, self.deviation = seconds, seconds / 2
            return
        error = seconds - self.mean
        self.mean += error / 8
        self.deviation += (abs(error) - self.deviation) / 4

    @property
    def estimate(self) -> float:
        """Seconds to plan with (0 before the first answer)."""
        return 0.0 if self.mean is None else self.mean + self.deviation


class InFlightLimiter:
    """At most `limit()` holders at once, like `asyncio.Semaphore` but with a limit read on
    every acquire and release, so it follows `TelegramSender.in_flight_target()` as the round
    trip changes. Waiters are served in arrival order. A lowered limit takes effect as holders
    leave (nobody is interrupted); a raised one at the next acquire or release.
    """

    def __init__(self, limit: Callable[[], int]) -> None:
        self._limit = limit
        self._busy = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def busy(self) -> int:
        """Holders now."""
        return self._busy

    @property
    def limit(self) -> int:
        return max(1, self._limit())

    async def __aenter__(self) -> None:
        if not self._waiters and self._busy < self.limit:
            self._busy += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._wake()  # the limit may have grown since the last release
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._leave()  # the slot was handed over just as the task was cancelled
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        self._leave()

    def _leave(self) -> None:
        self._busy -= 1
        self._wake()

    def _wake(self) -> None:
        limit = self.limit
        while self._waiters and self._busy < limit:
            waiter = self._waiters.popleft()
            if waiter.done():  # cancelled while waiting
                continue
            self._busy += 1  # counted on hand-over, so no newcomer slips in before it runs
            waiter.set_result(None)


class TelegramSender:
    def __init__(
        self,
        bot: Bot,
        *,
        per_second: float = 25.0,
        max_retry_after_waits: int = 5,
        network_retries: int = 4,
        backoff_base: float = 1.0,
        min_in_flight: int = MIN_IN_FLIGHT,
        max_in_flight: int = MAX_IN_FLIGHT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._clock = clock
        self._sleep = sleep
        self.per_second = per_second  # fan-outs (tracker news) plan their fire times by it
        self.pace = Pace(per_second, clock, sleep)
        self.round_trip = RoundTrip()
        self.in_flight = 0  # Bot API calls under way now (observation: benchmarks, tests)
        self._min_in_flight = max(1, min_in_flight)
        self._max_in_flight = max(self._min_in_flight, max_in_flight)
        self._max_retry_after_waits = max_retry_after_waits
        self._network_retries = network_retries
        self._backoff_base = backoff_base

    @property
    def bot(self) -> Bot:
        return self._bot

    def in_flight_target(self) -> int:
        """How many sends the delivery engines should keep going at once to hold the pace.

        ceil(pace x round trip x 1.25) + 2, within [min_in_flight, max_in_flight] (4 and 64):
        a send holds its slot for its round trip, so the pace needs pace x round trip slots in
        calls (Little's law); x 1.25 and the round trip's deviation (see `RoundTrip`) cover
        jitter, + 2 the slots busy with the database around the call. At 25 msg/s: 4 while the
        estimate is under 64 ms, 5 for 30-80 ms at random, 10-12 for 30-300 ms, 12 at a steady
        300 ms. Only the HTTP call is timed: waiting for a pace slot or a 429 hold is not a
        round trip. Read it each time (it moves).
        """
        wanted = math.ceil(self.per_second * self.round_trip.estimate * IN_FLIGHT_HEADROOM)
        return min(max(wanted + IN_FLIGHT_SPARE, self._min_in_flight), self._max_in_flight)

    async def send_message(
        self,
        chat_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | None = None,
        *,
        bulk: bool = False,
        thread_id: int | None = None,
        reply_to: int | None = None,
        quiet: tuple[str, ...] = (),
    ) -> SendResult:
        """A message in the bot's parse mode (HTML). Personal by default: ahead of bulk sends.
        In a group, `thread_id` puts it in a forum topic and `reply_to` makes it a reply (sent
        anyway should that message be gone). `quiet`: 400s the caller expects and handles
        (e.g. "message thread not found"), reported without an error log."""
        return await self._call(
            chat_id,
            lambda: self._bot.send_message(
                chat_id,
                text,
                reply_markup=reply_markup,
                message_thread_id=thread_id,
                reply_parameters=_reply(reply_to),
            ),
            bulk=bulk,
            quiet=quiet,
        )

    async def send_photo(
        self,
        chat_id: int,
        photo: str,
        caption: str | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        quiet: tuple[str, ...] = (),
    ) -> SendResult:
        """A photo by its file_id (one the bot received), personal lane."""
        return await self._call(
            chat_id,
            lambda: self._bot.send_photo(
                chat_id,
                photo,
                caption=caption,
                reply_markup=reply_markup,
                message_thread_id=thread_id,
                reply_parameters=_reply(reply_to),
            ),
            bulk=False,
            quiet=quiet,
        )

    async def create_topic(
        self, chat_id: int, name: str, *, quiet: tuple[str, ...] = ()
    ) -> SendResult:
        """A forum topic; the result's `message_id` is the topic's `message_thread_id`."""
        return await self._call(
            chat_id,
            lambda: self._bot.create_forum_topic(chat_id, name[:128]),
            bulk=False,
            quiet=quiet,
        )

    async def delete_topic(
        self, chat_id: int, thread_id: int, *, quiet: tuple[str, ...] = ()
    ) -> SendResult:
        """A forum topic with every message in it (no 48-hour limit, unlike messages)."""
        return await self._call(
            chat_id,
            lambda: self._bot.delete_forum_topic(chat_id, thread_id),
            bulk=False,
            quiet=quiet,
        )

    async def delete_message(
        self, chat_id: int, message_id: int, *, quiet: tuple[str, ...] = ()
    ) -> SendResult:
        """Telegram deletes a message in a group only within 48 hours of its sending."""
        return await self._call(
            chat_id,
            lambda: self._bot.delete_message(chat_id, message_id),
            bulk=False,
            quiet=quiet,
        )

    async def react(
        self, chat_id: int, message_id: int, emoji: str, *, quiet: tuple[str, ...] = ()
    ) -> SendResult:
        """A reaction on a message (e.g. "👍": the answer reached the person)."""
        return await self._call(
            chat_id,
            lambda: self._bot.set_message_reaction(
                chat_id, message_id, reaction=[ReactionTypeEmoji(emoji=emoji)]
            ),
            bulk=False,
            quiet=quiet,
        )

    async def send_version(
        self,
        chat_id: int,
        version: Version,
        reply_markup: InlineKeyboardMarkup | None = None,
        *,
        bulk: bool = True,
    ) -> SendResult:
        """One announcement version (text or media, with its entities). Bulk by default: it
        yields every slot to personal sends waiting at the same moment."""
        return await self._call(
            chat_id, lambda: send_version(self._bot, chat_id, version, reply_markup), bulk=bulk
        )

    async def edit_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | None = None,
        *,
        quiet: tuple[str, ...] = (),
    ) -> SendResult:
        """Edit a message the bot sent (e.g. a progress line), in the bot's parse mode. An edit
        to the same content counts as done: Telegram refuses it, but the message is right."""
        return await self._call(
            chat_id,
            lambda: self._bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=reply_markup
            ),
            bulk=False,
            unchanged_ok=True,
            quiet=quiet,
        )

    async def _call(
        self,
        chat_id: int,
        call: Callable[[], Awaitable[Message | ForumTopic | bool]],
        *,
        bulk: bool,
        unchanged_ok: bool = False,
        quiet: tuple[str, ...] = (),
    ) -> SendResult:
        """The one retry loop: pace, 429 (a global hold), 403 / chat not found (unreachable),
        network errors and 5xx (backoff), other 400s (our bug: failed, not retried)."""
        retry_after_waits = 0
        network_failures = 0
        while True:
            await self.pace.wait_turn(bulk=bulk)
            try:
                message = await self._timed(call)
            except TelegramRetryAfter as error:
                retry_after_waits += 1
                if retry_after_waits > self._max_retry_after_waits:
                    return SendResult(SendOutcome.FAILED, error="flood control")
                log.warning("429 for chat %s: waiting %s s", chat_id, error.retry_after)
                self.pace.hold_until(self._clock() + error.retry_after)
                await self._sleep(error.retry_after)
            except TelegramForbiddenError:
                return SendResult(SendOutcome.UNREACHABLE, error="forbidden")
            except TelegramBadRequest as error:
                description = error.message.lower()
                if "chat not found" in description:
                    return SendResult(SendOutcome.UNREACHABLE, error="chat not found")
                if unchanged_ok and "message is not modified" in description:
                    return SendResult(SendOutcome.SENT)
                if any(expected in description for expected in quiet):
                    log.info("400 for chat %s: %s", chat_id, error.message)
                else:
                    log.error("400 for chat %s: %s", chat_id, error.message)
                return SendResult(SendOutcome.FAILED, error="bad request", detail=description)
            except (TelegramNetworkError, TelegramServerError) as error:
                network_failures += 1
                if network_failures > self._network_retries:
                    return SendResult(SendOutcome.FAILED, error=type(error).__name__)
                delay = self._backoff_base * 2 ** (network_failures - 1)
                log.warning(
                    "%s for chat %s: retry %s in %.1f s",
                    type(error).__name__,
                    chat_id,
                    network_failures,
                    delay,
                )
                await self._sleep(delay)
            else:
                message_id = None
                if isinstance(message, Message):
                    message_id = message.message_id
                elif isinstance(message, ForumTopic):
                    message_id = message.message_thread_id
                return SendResult(SendOutcome.SENT, message_id=message_id)

    async def _timed(
        self, call: Callable[[], Awaitable[Message | ForumTopic | bool]]
    ) -> Message | ForumTopic | bool:
        """One HTTP call, its round trip noted when Telegram answered (a message, or an error
        such as 429 / 403 / 400). A network failure or a 5xx is no sample: it may be a timeout
        or a proxy giving up, which says nothing about the usual round trip."""
        self.in_flight += 1
        started = self._clock()
        try:
            result = await call()
        except (TelegramNetworkError, TelegramServerError):
            raise
        except TelegramAPIError:
            self.round_trip.add(self._clock() - started)
            raise
        finally:
            self.in_flight -= 1
        self.round_trip.add(self._clock() - started)
        return result


def _reply(message_id: int | None) -> ReplyParameters | None:
    """A reply that is still sent when the message it answers was deleted meanwhile."""
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)
