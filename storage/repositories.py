"""Every repository the bot uses, built in one place.

The composition root (`bot.app.build_dispatcher`) builds this bundle once and hands each
repository to the handlers by name through the Dispatcher's workflow data; no handler opens a
connection or constructs a repository. A PostgreSQL deployment writes one more factory like
`sqlite_repositories` (classes with the same methods) and changes nothing above this layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.announcements import AnnouncementRepository
from storage.checklists import ChecklistRepository
from storage.content import ContentRepository
from storage.db import Database
from storage.eligibility import EligibilityRepository
from storage.personal import PersonalDataRepository
from storage.reminders import ReminderRepository
from storage.shares import ShareRepository
from storage.stats import StatsRepository
from storage.subscriptions import SubscriptionRepository
from storage.tickets import TicketRepository
from storage.users import UserRepository


@dataclass(frozen=True, slots=True)
class Repositories:
    users: UserRepository
    reminders: ReminderRepository
    content: ContentRepository
    checklists: ChecklistRepository
    selfchecks: EligibilityRepository
    subscriptions: SubscriptionRepository
    stats: StatsRepository
    announcements: AnnouncementRepository
    tickets: TicketRepository
    shares: ShareRepository
    personal: PersonalDataRepository  # reads only: what /mydata lists, in one statement


def sqlite_repositories(db: Database, *, user_cache_size: int = 60_000) -> Repositories:
    """`user_cache_size`: how many people's records stay in memory (the active population)."""
    return Repositories(
        users=UserRepository(db, cache_size=user_cache_size),
        reminders=ReminderRepository(db),
        content=ContentRepository(db),
        checklists=ChecklistRepository(db),
        selfchecks=EligibilityRepository(db),
        subscriptions=SubscriptionRepository(db),
        stats=StatsRepository(db),
        announcements=AnnouncementRepository(db),
        tickets=TicketRepository(db),
        shares=ShareRepository(db),
        personal=PersonalDataRepository(db),
    )
