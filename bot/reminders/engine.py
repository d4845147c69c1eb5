"""The reminders engine: the `reminders` table is the truth, APScheduler is the alarm clock.

Arming: APScheduler (AsyncIOScheduler) holds one job per pending reminder, in a job store of
our own. Building an APScheduler `Job` costs ~40 µs (argument checks, trigger set-up), which
makes re-arming 100,000 reminders take over 4 s; so `ReminderJobStore` keeps just
(fire time, id) pairs in a heap and builds the `Job` when a reminder falls due, the same lazy
pattern APScheduler's own database job stores use. Re-arming is one indexed SELECT.

Delivery is **at most once**:
1. `claim` moves the row pending -> sending in one conditional UPDATE; only one caller wins, so a
   second instance, a double-fired job or a restart can never send the same reminder again.
2. The message is sent (with 429/network retries inside `TelegramSender`).
3. The row becomes sent / failed.
A crash between 1 and 3 leaves the row in `sending`: we cannot know whether Telegram delivered
it, so at start-up it is closed as `failed` ("interrupted") and never re-sent. The window is the
length of one Bot API call, and at most the sender's `in_flight_target()` reminders are in it
at once (4 at fast round trips, 12 at 300 ms, never more than `MAX_IN_FLIGHT`).
Reminders that fell due while the bot was down are sent at start-up if they are at most
`REMINDER_GRACE_MINUTES` late, else marked `missed` (shown in /reminders).
A claim that finds the database locked (another writer past busy_timeout) re-arms the reminder
with a bounded backoff; a finish that does waits it out the same way. Neither loses a reminder
nor sends one twice: the claim stays the only gate.
"""

from __future__ import annotations

import asyncio
import heapq
import html
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from bot.content.profile import effective_time_zone
from bot.reminders.rules import QuietHours, local_to_utc, plan_fire_time
from bot.reminders.sender import MIN_IN_FLIGHT, InFlightLimiter, SendOutcome, TelegramSender
from bot.telegram.callbacks import MenuCb, RemindersCb
from bot.telegram.screens import button, keyboard
from storage.reminders import (
    FAN_OUT_CHUNK,
    NewReminder,
    Reminder,
    ReminderRepository,
    ReminderStatus,
)
from storage.users import UserRecord, UserRepository

log = logging.getLogger(__name__)

JOBSTORE = "reminders"
SHUTDOWN_GRACE_S = 5.0
# Deliveries claimed at once: as many as the sender's `in_flight_target()` says the pace needs
# at the observed round trip (4 before the sender is known). A fixed 4 kept the pace up to
# ~100 ms round trips but gave 13 msg/s instead of 20 at 300 ms. Claiming happens only after a
# slot is free, so however many reminders fall due together, a crash can interrupt at most the
# slot count of that moment.
DELIVERY_SLOTS = MIN_IN_FLIGHT
# A claim or finish that finds the database locked (another writer held it past busy_timeout)
# is tried again after 1, 2, 4, 8, 16, then every 30 seconds; each try already waits
# busy_timeout (5 s) inside SQLite, so this never becomes a tight loop. The first retry is
# short: a lock held a little longer than busy_timeout (a deploy's overlap, a backup) is the
# usual case, and the reminder should go within a second or two of its release.
RETRY_FIRST_S = 1.0
RETRY_CAP_S = 30.0


def retry_delay(failures: int) -> float:
    """Seconds to wait after the `failures`-th failed attempt in a row (1, 2, ...)."""
    return min(RETRY_FIRST_S * 2.0 ** (failures - 1), RETRY_CAP_S)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A reminder as the user receives it: HTML text and, optionally, buttons."""

    text: str
    markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True, slots=True)
class ReminderKind:
    """How one kind of reminder looks. Features register their kinds with the engine.

    `render` and `summary` run inside the recipient's locale (the engine sets it), so they call
    `_()` like any handler. `summary` is a one-line plain-text label for the /reminders list.
    `listed=False` kinds (e.g. news sent to subscribers) stay out of that list and its limit.
    Rendering happens at send time, so a reminder always speaks the user's current language
    and shows the current state of what it is about. `render` is synchronous; a kind whose
    message depends on stored state gives `prepare`, which runs at send time just before it:
    it reads that state (e.g. which checklist items are still open) into the payload it returns,
    or returns None when the reminder has become pointless, and it is then closed as cancelled
    instead of being sent.
    """

    name: str
    render: Callable[[Reminder, UserRecord], Rendered]
    summary: Callable[[Reminder], str]
    listed: bool = True
    prepare: Callable[[Reminder], Awaitable[Reminder | None]] | None = None


def _render_custom(reminder: Reminder, user: UserRecord) -> Rendered:
    """The reminder the user typed, with what people do next: later today, tomorrow, or the
    list."""
    text = html.escape(str(reminder.payload.get("text", "")))
    markup = keyboard(
        [
            button(_("😴 In 1 hour"), RemindersCb(action="snooze", id=reminder.id)),
            button(_("📅 Tomorrow"), RemindersCb(action="tomorrow", id=reminder.id)),
        ],
        [button(_("⏰ My reminders"), MenuCb(section="reminders"))],
    )
    return Rendered(_("⏰ <b>Reminder</b>\n{text}").format(text=text), markup)


def _summary_custom(reminder: Reminder) -> str:
    return str(reminder.payload.get("text", ""))


CUSTOM_KIND = ReminderKind("custom", _render_custom, _summary_custom)


class ReminderJobStore(BaseJobStore):  # type: ignore[misc]
    """An APScheduler job store holding (fire time, reminder id) pairs; Jobs are built on demand.

    A heap gives the next fire time in O(1); cancelled or re-timed entries are skipped lazily.
    """

    def __init__(self, make_job: Callable[[int, float], Job]) -> None:
        super().__init__()
        self._make_job = make_job
        self._heap: list[tuple[float, int]] = []
        self._fire_at: dict[int, float] = {}

    # -- our own fast path -----------------------------------------------------------------

    def load(self, schedule: Iterable[tuple[int, int]]) -> None:
        """Bulk arm from (fire_at, id) pairs, replacing what was held."""
        self._fire_at = {reminder_id: float(fire_at) for fire_at, reminder_id in schedule}
        self._heap = [(fire_at, reminder_id) for reminder_id, fire_at in self._fire_at.items()]
        heapq.heapify(self._heap)

    def put(self, reminder_id: int, fire_at: float) -> None:
        if self._fire_at.get(reminder_id) == float(fire_at):
            return  # already armed for that moment; a second heap entry would fire it twice
        self._fire_at[reminder_id] = float(fire_at)
        heapq.heappush(self._heap, (float(fire_at), reminder_id))

    def discard(self, reminder_id: int) -> None:
        self._fire_at.pop(reminder_id, None)

    def __len__(self) -> int:
        return len(self._fire_at)

    def __contains__(self, reminder_id: object) -> bool:
        return reminder_id in self._fire_at

    def pop_due(self, now: float) -> list[tuple[int, float]]:
        due = []
        while (top := self._peek()) is not None and top[0] <= now:
            heapq.heappop(self._heap)
            self._fire_at.pop(top[1], None)
            due.append((top[1], top[0]))
        return due

    def _peek(self) -> tuple[float, int] | None:
        while self._heap:
            fire_at, reminder_id = self._heap[0]
            if self._fire_at.get(reminder_id) == fire_at:
                return fire_at, reminder_id
            heapq.heappop(self._heap)  # cancelled or re-timed: drop the stale entry
        return None

    # -- BaseJobStore ------------------------------------------------------------------------

    def lookup_job(self, job_id: str) -> Job | None:
        fire_at = self._fire_at.get(int(job_id))
        return None if fire_at is None else self._make_job(int(job_id), fire_at)

    def get_due_jobs(self, now: datetime) -> list[Job]:
        due = []
        seen: set[int] = set()
        moment = now.timestamp()
        while (top := self._peek()) is not None and top[0] <= moment:
            heapq.heappop(self._heap)  # stays in _fire_at until the scheduler removes it
            # Moving a reminder away and back (T1 -> T2 -> T1) leaves two equal entries; a
            # second job for the same id would make APScheduler's removal fail.
            if top[1] not in seen:
                seen.add(top[1])
                due.append(self._make_job(top[1], top[0]))
        return due

    def get_next_run_time(self) -> datetime | None:
        top = self._peek()
        return None if top is None else datetime.fromtimestamp(top[0], tz=UTC)

    def get_all_jobs(self) -> list[Job]:
        ordered = sorted((fire_at, rid) for rid, fire_at in self._fire_at.items())
        return [self._make_job(rid, fire_at) for fire_at, rid in ordered]

    def add_job(self, job: Job) -> None:
        reminder_id = int(job.id)
        if reminder_id in self._fire_at:
            raise ConflictingIdError(job.id)
        self.put(reminder_id, job.next_run_time.timestamp())

    def update_job(self, job: Job) -> None:
        reminder_id = int(job.id)
        if reminder_id not in self._fire_at:
            raise JobLookupError(job.id)
        self.put(reminder_id, job.next_run_time.timestamp())

    def remove_job(self, job_id: str) -> None:
        if int(job_id) not in self._fire_at:
            raise JobLookupError(job_id)
        self.discard(int(job_id))

    def remove_all_jobs(self) -> None:
        self._fire_at.clear()
        self._heap.clear()


@dataclass(frozen=True, slots=True)
class StartReport:
    armed: int
    missed: int
    interrupted: int


class ReminderEngine:
    """Schedules, cancels, re-plans and delivers reminders. Handlers talk to this, not to SQL."""

    def __init__(
        self,
        repo: ReminderRepository,
        users: UserRepository,
        i18n: I18n,
        clock: Clock,
        *,
        grace_seconds: int,
        quiet_hours: QuietHours | None = None,
    ) -> None:
        self.repo = repo
        self.quiet_hours = quiet_hours or QuietHours()
        self._users = users
        self._i18n = i18n
        self._clock = clock
        self._grace = grace_seconds
        self.store = ReminderJobStore(self._make_job)
        self._scheduler: AsyncIOScheduler | None = None
        self._sender: TelegramSender | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._slots = InFlightLimiter(self._slot_limit)
        self._claim_failures: dict[int, int] = {}  # reminder id -> failed claims in a row
        self._kinds: dict[str, ReminderKind] = {CUSTOM_KIND.name: CUSTOM_KIND}

    def register_kind(self, kind: ReminderKind) -> None:
        self._kinds[kind.name] = kind

    @property
    def listed_kinds(self) -> tuple[str, ...]:
        return tuple(name for name, kind in self._kinds.items() if kind.listed)

    @property
    def sender(self) -> TelegramSender:
        """This process's one rate-limited path to Telegram (set by `start`). Features that
        send outside a reply (tracker news, broadcasts) share it, and so share its pace."""
        if self._sender is None:
            raise RuntimeError("ReminderEngine.start() was not called")
        return self._sender

    def summary(self, reminder: Reminder) -> str:
        """The reminder's one-line label in the current locale, for lists."""
        kind = self._kinds.get(reminder.kind)
        return kind.summary(reminder) if kind else reminder.kind

    # -- lifecycle --------------------------------------------------------------------------

    async def start(
        self, bot: Bot, *, run_timer: bool = True, sender: TelegramSender | None = None
    ) -> StartReport:
        """Recover after a stop or crash, then arm every pending reminder."""
        self._sender = sender or TelegramSender(bot)
        now = int(self._clock.now())
        interrupted = await self.repo.fail_interrupted()
        missed = await self.repo.miss_overdue(before=now - self._grace)
        self.store.load(await self.repo.pending_schedule())
        if run_timer and self._scheduler is None:
            self._scheduler = AsyncIOScheduler(
                timezone=UTC, jobstores={JOBSTORE: self.store}, job_defaults={"coalesce": True}
            )
            self._scheduler.start()
        report = StartReport(armed=len(self.store), missed=missed, interrupted=interrupted)
        log.info(
            "reminders: %s armed, %s missed while down, %s interrupted",
            report.armed,
            report.missed,
            report.interrupted,
        )
        return report

    async def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._inflight:
            # Let deliveries under way finish, so they are recorded as sent, not interrupted.
            await asyncio.wait(set(self._inflight), timeout=SHUTDOWN_GRACE_S)

    def _make_job(self, reminder_id: int, fire_at: float) -> Job:
        run_date = datetime.fromtimestamp(fire_at, tz=UTC)
        job = Job(
            self._scheduler,
            id=str(reminder_id),
            func=self.deliver,
            args=(reminder_id,),
            kwargs={},
            trigger=DateTrigger(run_date, timezone=UTC),
            executor="default",
            name="reminder",
            misfire_grace_time=None,  # lateness is judged by `deliver` against the grace window
            coalesce=True,
            max_instances=1,
            next_run_time=run_date,
        )
        job._jobstore_alias = JOBSTORE
        return job

    def _wake(self) -> None:
        if self._scheduler is not None:
            self._scheduler.wakeup()

    def _slot_limit(self) -> int:
        """Deliveries at once: what the sender's pace needs at the current round trip."""
        return DELIVERY_SLOTS if self._sender is None else self._sender.in_flight_target()

    # -- operations ---------------------------------------------------------------------------

    def plan(self, due_at: int, zone: str, *, urgent: bool, latest: int | None = None) -> int:
        """When a reminder due at `due_at` will be sent, with this deployment's quiet hours
        (see `plan_fire_time`)."""
        return plan_fire_time(due_at, zone, urgent=urgent, quiet=self.quiet_hours, latest=latest)

    async def schedule(self, new: NewReminder) -> Reminder:
        reminder = await self.repo.create(new, now=int(self._clock.now()))
        self.store.put(reminder.id, reminder.fire_at)
        self._wake()
        return reminder

    async def schedule_many(self, rows: list[NewReminder]) -> int:
        """Fan-out (news to every subscriber): one transaction for all rows, then each is armed.

        The timer is woken once; delivery then goes through the usual path (pace, 429, 403,
        at most once), so a big fan-out never bypasses Telegram's limits.
        """
        created = await self.repo.create_many(rows, now=int(self._clock.now()))
        for index, (reminder_id, fire_at) in enumerate(created, start=1):
            self.store.put(reminder_id, fire_at)
            if index % FAN_OUT_CHUNK == 0:
                await asyncio.sleep(0)  # arming 10,000 must not hold everyone's updates
        self._wake()
        return len(created)

    async def cancel_kind(self, kind: str) -> int:
        """Cancel and disarm every pending reminder of `kind` (e.g. news made stale by newer
        news)."""
        ids = await self.repo.cancel_pending_of_kind(kind)
        for reminder_id in ids:
            self.store.discard(reminder_id)
        return len(ids)

    async def cancel(self, reminder_id: int, *, user_id: int) -> bool:
        cancelled = await self.repo.cancel(reminder_id, user_id=user_id)
        if cancelled:
            self.store.discard(reminder_id)
        return cancelled

    async def restore(self, reminder_id: int, *, user_id: int) -> bool:
        """Undo a cancel, while the reminder's time is still ahead."""
        reminder = await self.repo.restore(reminder_id, user_id=user_id, now=int(self._clock.now()))
        if reminder is None:
            return False
        self.store.put(reminder.id, reminder.fire_at)
        self._wake()
        return True

    async def cancel_all(self, user_id: int) -> int:
        ids = await self.repo.cancel_all_for_user(user_id)
        for reminder_id in ids:
            self.store.discard(reminder_id)
        return len(ids)

    async def replan_user(self, user: UserRecord) -> int:
        """After a time-zone change: keep each reminder's wall-clock time in the new zone."""
        zone = effective_time_zone(user)
        changed = 0
        for reminder in await self.repo.upcoming_for_user(user.id, limit=1000):
            local = reminder.payload.get("local")
            if not local:
                continue  # an absolute instant (e.g. a flight): the zone does not move it
            moment = datetime.fromisoformat(local)
            due_at = local_to_utc(moment.date(), moment.time(), zone)
            fire_at = plan_fire_time(due_at, zone, urgent=reminder.urgent, quiet=self.quiet_hours)
            payload = {**reminder.payload, "zone": zone}
            if await self.repo.reschedule(
                reminder.id, due_at=due_at, fire_at=fire_at, payload=payload
            ):
                self.store.put(reminder.id, fire_at)
                changed += 1
        self._wake()
        return changed

    async def run_due(self) -> int:
        """Deliver everything due by our clock, one by one. The timer does this in production;
        tests and the console call it with a controlled clock."""
        delivered = 0
        for reminder_id, _fire_at in self.store.pop_due(self._clock.now()):
            await self.deliver(reminder_id)
            delivered += 1
        return delivered

    async def deliver(self, reminder_id: int) -> ReminderStatus | None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            async with self._slots:
                return await self._deliver(reminder_id)
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def _deliver(self, reminder_id: int) -> ReminderStatus | None:
        now = int(self._clock.now())
        try:
            reminder = await self.repo.claim(reminder_id, now=now)
        except sqlite3.OperationalError as exc:
            # "database is locked": another writer held the file past busy_timeout. The row is
            # still pending (the UPDATE did not run), and the scheduler has already dropped this
            # one-shot job: arm it again a little later, or it would wait for the next restart.
            self._rearm_after_failed_claim(reminder_id, exc)
            return None
        self._claim_failures.pop(reminder_id, None)
        if reminder is None:
            return None  # cancelled, already handled, or deleted with its user
        try:
            status, error = await self._send(reminder, now)
        except Exception as exc:
            log.exception("reminder %s: delivery crashed", reminder_id)
            status, error = ReminderStatus.FAILED, type(exc).__name__
        await self._finish(reminder_id, status, error)
        return status

    def _rearm_after_failed_claim(self, reminder_id: int, exc: Exception) -> None:
        failures = self._claim_failures.get(reminder_id, 0) + 1
        self._claim_failures[reminder_id] = failures
        delay = retry_delay(failures)
        log.warning(
            "reminder %s: cannot claim (%s); trying again in %.0f s",
            reminder_id,
            exc,
            delay,
            extra={"reminder_id": reminder_id, "attempt": failures},
        )
        # Claim stays the at-most-once gate: if the row did change after all, the next claim
        # finds it no longer pending and sends nothing.
        self.store.put(reminder_id, self._clock.now() + delay)
        self._wake()

    async def _finish(self, reminder_id: int, status: ReminderStatus, error: str | None) -> None:
        """Record the outcome. The message is already out (or definitely not), so a locked
        database is waited out with the same bounded backoff, inside the delivery slot: a row
        left in `sending` would be closed as "interrupted" at the next start although the user
        got it. Gives up only when the database is gone (shutdown)."""
        failures = 0
        while True:
            try:
                await self.repo.finish(reminder_id, status, now=int(self._clock.now()), error=error)
                return
            except sqlite3.OperationalError as exc:
                failures += 1
                delay = retry_delay(failures)
                log.warning(
                    "reminder %s: cannot record %s (%s); trying again in %.0f s",
                    reminder_id,
                    status.value,
                    exc,
                    delay,
                    extra={"reminder_id": reminder_id, "attempt": failures},
                )
                await asyncio.sleep(delay)

    async def _send(self, reminder: Reminder, now: int) -> tuple[ReminderStatus, str | None]:
        if now - reminder.fire_at > self._grace:
            return ReminderStatus.MISSED, "late"
        user = await self._users.get(reminder.user_id)
        if user is None or user.blocked_at is not None:
            return ReminderStatus.CANCELLED, "unreachable"
        if self._sender is None:
            raise RuntimeError("ReminderEngine.start() was not called")
        kind = self._kinds.get(reminder.kind)
        if kind is not None and kind.prepare is not None:
            prepared = await kind.prepare(reminder)
            if prepared is None:
                return ReminderStatus.CANCELLED, "obsolete"
            reminder = prepared
        rendered = self.render(reminder, user)
        result = await self._sender.send_message(user.id, rendered.text, rendered.markup)
        if result.outcome is SendOutcome.SENT:
            return ReminderStatus.SENT, None
        if result.outcome is SendOutcome.UNREACHABLE:
            await self._users.mark_blocked(user.id, now=int(self._clock.now()))
            cancelled = await self.cancel_all(user.id)
            log.info("user %s unreachable: %s reminders cancelled", user.id, cancelled)
        return ReminderStatus.FAILED, result.error

    def render(self, reminder: Reminder, user: UserRecord) -> Rendered:
        """The message for `user`, in their language. An unknown kind (a row written by a newer
        version, say) raises, and the delivery is recorded as failed rather than sent garbled."""
        kind = self._kinds[reminder.kind]
        locale = user.language or self._i18n.default_locale
        with self._i18n.context(), self._i18n.use_locale(locale):
            return kind.render(reminder, user)


def custom_reminder(user: UserRecord, day: date, at: time, text: str) -> NewReminder:
    """A reminder the user typed: sent at exactly the wall-clock time they chose, in their zone.

    It is marked urgent, so quiet hours do not move it: the person picked the time themselves.
    """
    zone = effective_time_zone(user)
    due_at = local_to_utc(day, at, zone)
    return NewReminder(
        user_id=user.id,
        kind="custom",
        payload={"text": text, "local": datetime.combine(day, at).isoformat(), "zone": zone},
        due_at=due_at,
        fire_at=plan_fire_time(due_at, zone, urgent=True),
        urgent=True,
    )
