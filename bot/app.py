"""The composition root: everything the bot needs is built here and handed down explicitly.

Nothing creates a Bot, Dispatcher, connection or I18n at import time. Tests, the console, the
benchmarks and production all call `build_dispatcher`, so they run the very same wiring.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TypedDict

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.utils.i18n import I18n

from bot.announcements.delivery import AnnouncementEngine
from bot.announcements.progress import ProgressReporter
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content.facts import load_seed
from bot.content.recheck import RecheckDigests
from bot.departure.reminders import register_checklist_kinds
from bot.departure.service import DeparturePlans
from bot.eps.selfcheck import SelfChecks
from bot.eps.tracker import register_tracker_kinds
from bot.family.plans import FamilyPlans
from bot.faq.seed import load_faq_seed
from bot.faq.service import FaqService
from bot.i18n import UserLocaleMiddleware, build_i18n
from bot.ops.memory import MemoryWatch
from bot.privacy.personal import PersonalData
from bot.relay.service import RelayService
from bot.reminders.engine import ReminderEngine
from bot.reminders.rules import QuietHours
from bot.reminders.sender import TelegramSender
from bot.telegram.answers import without_echoed_keyboards
from bot.telegram.commands import (
    register_commands,
    register_staff_chat_commands,
    register_staff_commands,
)
from bot.telegram.isolation import ChatIsolation
from bot.telegram.middlewares import UserMiddleware
from bot.telegram.throttling import ThrottlingMiddleware
from handlers import build_router
from handlers.staff_chat import build_router as build_staff_chat_router
from storage.content import ContentRepository
from storage.db import Database
from storage.fsm import SQLiteStorage
from storage.repositories import Repositories, sqlite_repositories
from storage.stats import StatsRepository
from storage.subscriptions import SubscriptionRepository
from storage.users import UserRepository

log = logging.getLogger(__name__)


class WorkflowData(TypedDict):
    """What handlers may ask for by parameter name, besides aiogram's own (bot, state, ...).

    Repositories and the feature services built on them come by name; the database itself is
    not offered, so no handler can write SQL or build a repository of its own
    (storage/repositories.py is the one place that does)."""

    settings: Settings
    clock: Clock
    users: UserRepository
    content: ContentRepository
    subscriptions: SubscriptionRepository
    stats: StatsRepository
    reminders: ReminderEngine
    departure: DeparturePlans
    selfcheck: SelfChecks
    personal_data: PersonalData
    recheck: RecheckDigests
    announcements: AnnouncementEngine
    faq: FaqService
    relay: RelayService
    family_plans: FamilyPlans


@dataclass(frozen=True, slots=True)
class App:
    dispatcher: Dispatcher
    i18n: I18n
    users: UserRepository
    reminders: ReminderEngine
    content: ContentRepository
    clock: Clock
    recheck: RecheckDigests
    announcements: AnnouncementEngine
    relay: RelayService
    memory: MemoryWatch

    async def start(
        self, bot: Bot, *, run_timer: bool, sender: TelegramSender | None = None
    ) -> None:
        """What start-up does before updates flow: seed missing facts, then arm reminders.
        Production calls it from `dispatcher.startup`; tests and the console call it directly."""
        await self.content.seed((*load_seed(), *load_faq_seed()), now=int(self.clock.now()))
        await self.reminders.start(bot, run_timer=run_timer, sender=sender)
        await self.recheck.ensure_scheduled()
        # Announcements share the reminders' sender: one pace, one 429 hold, for the process.
        await self.announcements.start(self.reminders.sender, run_timer=run_timer)
        # The relay too: questions and answers it could not deliver before a stop go now.
        await self.relay.start(self.reminders.sender, run_timer=run_timer)


def build_dispatcher(
    settings: Settings,
    db: Database,
    *,
    clock: Clock | None = None,
    fsm_storage: BaseStorage | None = None,
    run_timer: bool = True,
) -> App:
    """`run_timer=False` arms reminders without starting APScheduler's clock: tests and the
    console then deliver with `reminders.run_due()` on a clock they control."""
    clock = clock or SystemClock()
    repos: Repositories = sqlite_repositories(db, user_cache_size=settings.active_users_cache)
    users = repos.users
    i18n = build_i18n(settings.default_locale)
    reminders = ReminderEngine(
        repos.reminders,
        users,
        i18n,
        clock,
        grace_seconds=settings.reminder_grace_minutes * 60,
        quiet_hours=QuietHours(*settings.quiet_hours),
    )
    register_tracker_kinds(reminders)
    register_checklist_kinds(reminders, repos.checklists)
    content = repos.content
    recheck = RecheckDigests(content, users, reminders, clock, max_age_days=settings.recheck_days)
    reminders.register_kind(recheck.kind())
    announcements = AnnouncementEngine(
        repos.announcements,
        users,
        clock,
        default_locale=settings.default_locale,
        quiet_hours=QuietHours(*settings.quiet_hours),
        on_unreachable=reminders.cancel_all,
    )
    announcements.on_progress = ProgressReporter(
        users, reminders, i18n, staff_chat_id=settings.staff_chat_id
    ).report
    relay = RelayService(
        repos.tickets,
        users,
        i18n,
        clock,
        staff_chat_id=settings.staff_chat_id,
        retention_days=settings.ticket_retention_days,
        on_unreachable=reminders.cancel_all,
    )
    personal_data = PersonalData(
        repos, reminders, clock, ticket_retention_days=settings.ticket_retention_days
    )
    personal_data.before_erase(relay.erasure_notes)
    departure = DeparturePlans(repos.checklists, reminders, content, clock)
    # A worker shares their plan with their family; followers' reminders follow the plan.
    family_plans = FamilyPlans(repos.shares, departure, users, reminders, clock)
    for kind in family_plans.kinds():
        reminders.register_kind(kind)
    departure.on_change(family_plans.plan_changed)
    personal_data.before_erase(family_plans.erasure_notes)
    if fsm_storage is None:
        fsm_storage = SQLiteStorage(db, clock=clock.now, cache_size=settings.active_users_cache)
        users.on_delete(fsm_storage.forget_user)
    # One update per chat at a time: a double press of any button (a confirm above all) is
    # handled after the first one finished, so it sees the dialogue already moved on.
    dispatcher = Dispatcher(storage=fsm_storage, events_isolation=ChatIsolation())
    dispatcher.workflow_data.update(
        WorkflowData(
            settings=settings,
            clock=clock,
            users=users,
            content=content,
            subscriptions=repos.subscriptions,
            stats=repos.stats,
            reminders=reminders,
            departure=departure,
            selfcheck=SelfChecks(content, repos.selfchecks, clock),
            personal_data=personal_data,
            recheck=recheck,
            announcements=announcements,
            faq=FaqService(content),
            relay=relay,
            family_plans=family_plans,
        )
    )
    dispatcher.update.outer_middleware(UserMiddleware(users, clock, settings.admin_ids))
    UserLocaleMiddleware(i18n).setup(dispatcher)
    # After the locale middleware, so the flood notice speaks the user's language.
    throttle = ThrottlingMiddleware(
        clock, rate=settings.throttle_rate, burst=settings.throttle_burst
    )
    dispatcher.message.outer_middleware(throttle)
    dispatcher.callback_query.outer_middleware(throttle)
    dispatcher.include_router(build_router())
    if settings.staff_chat_id is not None:
        # The one group the bot talks in: tickets are answered there (handlers/staff_chat.py).
        dispatcher.include_router(build_staff_chat_router(settings.staff_chat_id))
    app = App(
        dispatcher=dispatcher,
        i18n=i18n,
        users=users,
        reminders=reminders,
        content=content,
        clock=clock,
        recheck=recheck,
        announcements=announcements,
        relay=relay,
        memory=MemoryWatch(
            users,
            fsm_storage if isinstance(fsm_storage, SQLiteStorage) else None,
            lambda: throttle.tracked,
        ),
    )

    async def on_startup(bot: Bot) -> None:
        # Admins first, so the start-up books the weekly digest for today's staff.
        await users.sync_admins(settings.admin_ids, now=int(clock.now()))
        await app.start(bot, run_timer=run_timer)
        try:
            await register_commands(bot, i18n)
            await register_staff_commands(bot, i18n, await users.staff())
            if settings.staff_chat_id is not None:
                await register_staff_chat_commands(bot, i18n, settings.staff_chat_id)
        except (TelegramAPIError, TelegramNetworkError) as error:
            # The command menu is a convenience: the bot works without it, and the next start
            # registers it again. Not a reason to stop serving.
            log.warning("command list not registered (%s)", type(error).__name__)
        app.memory.start()  # a line now and every hour: are the caches big enough?

    async def on_shutdown() -> None:
        await app.memory.stop()
        await relay.shutdown()
        await announcements.shutdown()
        await reminders.shutdown()

    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return app


def build_bot(token: str, session: BaseSession | None = None, api_url: str | None = None) -> Bot:
    """A Bot with HTML parse mode; `api_url` points it at a self-hosted Bot API server.

    Without `session`, the production aiohttp session. Any session codes JSON with orjson when
    installed (`bot/speedups.py`) and reads message answers without their echoed keyboards
    (`bot/telegram/answers.py`), so tests and benchmarks read answers as production does."""
    from bot.speedups import json_codec

    loads, dumps = json_codec()
    if session is None:
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import PRODUCTION

        server = TelegramAPIServer.from_base(api_url) if api_url else PRODUCTION
        session = AiohttpSession(api=server)
    session.json_loads = without_echoed_keyboards(loads)
    session.json_dumps = dumps
    return Bot(
        token=token,
        session=session,
        # No preview cards: screens cite sources as links, and a card of the first one would
        # push the screen itself off a phone. A message that wants a preview says so.
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
