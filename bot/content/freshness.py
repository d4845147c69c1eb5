"""Freshness: which facts are due for a new check against their source.

A fact is only as good as its last check. The accession stage or a programme's dates can change
any week, and a page checked long ago may say something else today, so staff see the facts
whose checked day is older than `RECHECK_DAYS` (oldest first) and get a weekly digest of them.
Pure rules here; the staff screen and the digest are in `bot/content/recheck.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from storage.content import Fact

DIGEST_WEEKDAY = 0  # Monday: the start of the working week in Kazakhstan and Korea
DIGEST_TIME = time(9, 0)


@dataclass(frozen=True, slots=True)
class DueFact:
    fact: Fact
    age_days: int  # days since it was last checked


def due_for_recheck(facts: Iterable[Fact], today: date, max_age_days: int) -> list[DueFact]:
    """Facts last checked more than `max_age_days` ago, oldest check first (then by key, so
    the order is stable)."""
    due = [
        DueFact(fact, (today - fact.checked_on).days)
        for fact in facts
        if (today - fact.checked_on).days > max_age_days
    ]
    return sorted(due, key=lambda item: (item.fact.checked_on, item.fact.key))


def next_digest_moment(now_local: datetime) -> datetime:
    """The next Monday 09:00 strictly after `now_local` (a naive local wall-clock time)."""
    days_ahead = (DIGEST_WEEKDAY - now_local.weekday()) % 7
    candidate = datetime.combine(now_local.date() + timedelta(days=days_ahead), DIGEST_TIME)
    if candidate <= now_local:
        candidate += timedelta(days=7)
    return candidate
