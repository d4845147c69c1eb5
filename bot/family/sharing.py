"""Share codes and the limit on guessing them: pure rules, no Telegram, no database.

A code is 8 characters drawn with `secrets` from 32 that cannot be mistaken for one another when
read aloud or copied by hand (no 0/O, 1/I/L): 32**8, about 1.1 * 10**12 codes, of which at most
one per worker is active. It is shown as ABCD-EFGH and typed back in any case, with spaces or
dashes anywhere. A family member gets MAX_ATTEMPTS wrong codes per ATTEMPT_WINDOW (the deep
link counts too), so guessing one of the active codes is hopeless.
"""

from __future__ import annotations

import re
import secrets
from collections import deque
from enum import StrEnum

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0 O 1 I L
CODE_LENGTH = 8
DEEP_LINK_PREFIX = "plan_"
MAX_ATTEMPTS = 10
ATTEMPT_WINDOW = 3600.0
MAX_LABEL = 30
MAX_FOLLOWS = 10  # plans one family member may follow

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")
# A deep-link payload Telegram passes after /start: "plan_" and the code, in any case.
DEEP_LINK = re.compile(rf"^{DEEP_LINK_PREFIX}[A-Za-z0-9]{{{CODE_LENGTH}}}$")


class FollowOutcome(StrEnum):
    """What a typed code or a deep link led to."""

    FOLLOWING = "following"  # a new follow
    ALREADY = "already"  # this plan was followed before
    WRONG = "wrong"  # no plan is shared with this code
    LIMITED = "limited"  # too many wrong codes lately
    OWN = "own"  # the worker's own code
    TOO_MANY = "too_many"  # MAX_FOLLOWS reached


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str | None:
    """The code a person typed, as stored; None when it cannot be a code at all (the limit
    still counts it: a typo costs one attempt, like a wrong code)."""
    code = _SEPARATORS.sub("", typed).upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def display_code(code: str) -> str:
    """ABCD-EFGH: two halves, easy to dictate."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}{code}"


def code_from_payload(payload: str | None) -> str | None:
    """The code in a /start payload ("plan_ABCDEFGH"), or None for any other payload."""
    if not payload or not DEEP_LINK.match(payload):
        return None
    return normalize_code(payload[len(DEEP_LINK_PREFIX) :])


def clean_label(typed: str) -> str | None:
    """The family member's name for the relative: one line, at most MAX_LABEL characters;
    None when nothing usable is left."""
    label = " ".join(typed.split())[:MAX_LABEL].strip()
    return label or None


class AttemptLimiter:
    """Wrong codes per person in a sliding window, in memory.

    Kept in the process on purpose: storing failed attempts would be one more thing kept about
    a person, and a restart (rare) only gives back at most MAX_ATTEMPTS guesses out of 10**12.
    """

    def __init__(self, max_attempts: int = MAX_ATTEMPTS, window: float = ATTEMPT_WINDOW) -> None:
        self._max = max_attempts
        self._window = window
        self._failures: dict[int, deque[float]] = {}

    def _recent(self, user_id: int, now: float) -> deque[float]:
        failures = self._failures.get(user_id)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            del self._failures[user_id]
        return failures

    def blocked_until(self, user_id: int, now: float) -> float | None:
        """When the person may try again, or None when they may now."""
        failures = self._recent(user_id, now)
        if len(failures) < self._max:
            return None
        return failures[0] + self._window

    def failed(self, user_id: int, now: float) -> None:
        self._recent(user_id, now)
        self._failures.setdefault(user_id, deque()).append(now)

    def forget(self, user_id: int) -> None:
        self._failures.pop(user_id, None)
