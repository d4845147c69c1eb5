"""The relay's rules as data and pure functions: limits, the wait estimate, retry backoff.

Every number a reviewer may want to change is here, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from statistics import median

DAY = 24 * 3600

# -- limits per person -----------------------------------------------------------------------
MAX_OPEN_TICKETS = 3  # open at once
MAX_NEW_PER_DAY = 5  # new tickets in any 24 hours
LIMIT_WINDOW_S = DAY
MAX_MESSAGES_PER_TICKET = 60  # questions and answers together: a ticket is not a chat room

# -- what a message may hold -------------------------------------------------------------------
# A question (or a staff answer) and its header must fit one Telegram message (4,096).
MAX_TEXT_CHARS = 3500

# -- the estimate ------------------------------------------------------------------------------
ESTIMATE_WINDOW_S = 30 * DAY  # first answers of the questions asked in the last 30 days
MIN_ANSWERED_FOR_ESTIMATE = 5  # fewer than this: say honestly that we cannot tell yet

# -- delivery ------------------------------------------------------------------------------------
RETRY_FIRST_S = 30  # the first retry after a failed post; doubles each time
RETRY_MAX_S = 3600  # ... up to an hour, for as long as it takes (a question is never dropped)
MAX_ANSWER_ATTEMPTS = 20  # an answer that still fails after this (not a block: a bug) is failed
# Telegram deletes a group message only within 48 hours of its sending.
DELETABLE_FOR_S = 48 * 3600
PURGE_EVERY_S = 3600  # how often closed tickets past their retention are looked for


class Refusal(StrEnum):
    """Why a person may not open a new ticket now."""

    BLOCKED = "blocked"
    TOO_MANY_OPEN = "too_many_open"
    TOO_MANY_TODAY = "too_many_today"


@dataclass(frozen=True, slots=True)
class LimitCheck:
    refusal: Refusal | None
    open_count: int = 0
    again_at: int | None = None  # TOO_MANY_TODAY: when the oldest leaves the 24-hour window


def check_limits(
    *, blocked: bool, open_count: int, created_in_window: tuple[int, ...], now: int
) -> LimitCheck:
    """May this person open a ticket now? `created_in_window`: creation times of their tickets
    in the last LIMIT_WINDOW_S, oldest first (deleted tickets still count while their rows
    exist; an erased person starts afresh)."""
    if blocked:
        return LimitCheck(Refusal.BLOCKED, open_count)
    if open_count >= MAX_OPEN_TICKETS:
        return LimitCheck(Refusal.TOO_MANY_OPEN, open_count)
    recent = [moment for moment in created_in_window if moment > now - LIMIT_WINDOW_S]
    if len(recent) >= MAX_NEW_PER_DAY:
        # The window frees a place when the oldest of the last MAX_NEW_PER_DAY leaves it.
        oldest_that_counts = recent[len(recent) - MAX_NEW_PER_DAY]
        return LimitCheck(
            Refusal.TOO_MANY_TODAY, open_count, again_at=oldest_that_counts + LIMIT_WINDOW_S
        )
    return LimitCheck(None, open_count)


def typical_wait(waits: list[int]) -> int | None:
    """The median first-answer wait in seconds, or None when too few questions were answered
    to say anything honest. The median, not the mean: one question answered after a long
    weekend must not make every estimate three days long."""
    if len(waits) < MIN_ANSWERED_FOR_ESTIMATE:
        return None
    return int(median(waits))


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, ...
    capped at an hour."""
    return int(min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** max(0, attempts - 1)))


def rounded_wait(seconds: int) -> tuple[str, int]:
    """A wait as people say it: ("minutes", 40), ("hours", 3), ("days", 2). Rounded up to a
    step people use (5 minutes, whole hours, whole days), never to zero."""
    minutes = max(1, -(-seconds // 60))
    if minutes < 60:
        return "minutes", max(5, -(-minutes // 5) * 5)
    hours = -(-minutes // 60)
    if hours < 48:
        return "hours", hours
    return "days", -(-hours // 24)
