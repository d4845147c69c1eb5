"""The announcement delivery engine: SQLite is the queue, `TelegramSender` the one path out.

Why it looks like the reminders engine (docs/reminders.md): the same promise, **at most once**
per recipient, also across crashes. A recipient is claimed (pending -> sending, one conditional
UPDATE) only when a send slot is free, sent, then finished (sent / blocked / failed). A crash
between claim and finish leaves the row in `sending`; at start-up it is closed as failed
("interrupted") and never re-sent: we cannot know whether Telegram showed it, and a repeated
announcement to 100,000 people is worse than a few lost ones. One crash therefore loses at most
the slot count of that moment: the sender's `in_flight_target()` (what the pace needs at the
observed round trip: 4 at fast round trips, 12 at 300 ms, at most `MAX_IN_FLIGHT`), or a fixed
`slots` given by a benchmark.

Why not one reminder row per recipient: an announcement is one thing staff pause, resume, cancel
and watch, with one draft and its counts; 100,000 reminder rows carrying 100,000 copies of the
text, armed in APScheduler's store, would make each of those a scan. Here recipients are
materialized by one INSERT ... SELECT when sending starts, claimed in batches, and counted by
triggers.

Sends are bulk: the sender's pace gives every slot to a personal reminder waiting at the same
moment, so reminders are never late behind an announcement. Quiet hours apply in each reader's
own zone (a per-recipient `not_before`) unless the announcement is urgent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.announcements.model import Announcement, Audience, Draft, RecipientStatus, Status
from bot.clock import Clock
from bot.content.profile import SEOUL, default_time_zone
from bot.eps.tracker import TOPIC as TRACKER_TOPIC
from bot.reminders.rules import QuietHours, plan_fire_time
from bot.reminders.sender import MIN_IN_FLIGHT, SendOutcome, TelegramSender
from storage.announcements import AnnouncementRepository, Claimed, Outcome, Selection
from storage.users import Audience as UserAudience
from storage.users import UserRepository

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 5.0
# The longest the runner sleeps without looking at the table: another instance may have created,
# paused or resumed an announcement, which this process only learns from SQLite.
IDLE_POLL_S = 30.0

ProgressCallback = Callable[[Announcement], Awaitable[None]]


class AnnouncementEngine:
    """Creates, schedules, delivers, pauses, resumes and cancels announcements.

    The staff UI talks to this; handlers never see the tables. `on_progress` (set by the UI) is
    called at most every `progress_interval` seconds while an announcement runs, and once more
    when it ends (done or cancelled); an exception in it is logged and delivery goes on.
    """

    def __init__(
        self,
        repo: AnnouncementRepository,
        users: UserRepository,
        clock: Clock,
        *,
        default_locale: str,
        quiet_hours: QuietHours,
        slots: int | None = None,
        progress_interval: float = 3.0,
        on_unreachable: Callable[[int], Awaitable[object]] | None = None,
    ) -> None:
        self.repo = repo
        self.on_progress: ProgressCallback | None = None
        self._users = users
        self._clock = clock
        self._default_locale = default_locale
        self._quiet = quiet_hours
        # Sends in flight: None follows the sender's `in_flight_target()` (read at every
        # claim, so it tracks the round trip: a fixed 4 gave 13 msg/s at 300 ms instead of the
        # pace); a number is a fixed override (benchmarks: 96 for the ceiling run).
        self._fixed_slots = None if slots is None else max(1, slots)
        self._progress_interval = progress_interval
        self._on_unreachable = on_unreachable
        self._sender: TelegramSender | None = None
        self._background = False
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake = asyncio.Event()
        self._active: list[int] = []  # running announcements, oldest first
        self._drafts: dict[int, Draft] = {}
        self._inflight: dict[asyncio.Task[Any], int] = {}  # send task -> announcement id
        self._outcomes: list[Outcome] = []  # finished sends not yet recorded
        self._side_tasks: set[asyncio.Task[None]] = set()  # progress callbacks
        self._progress_task: dict[int, asyncio.Task[None]] = {}
        self._last_progress: dict[int, float] = {}
        self._final_pending: set[int] = set()  # ended; final progress once its sends finish
        self._next_scheduled: int | None = None

    @property
    def sender(self) -> TelegramSender:
        """The process's one sender (set by `start`): the UI edits progress messages with it."""
        if self._sender is None:
            raise RuntimeError("AnnouncementEngine.start() was not called")
        return self._sender

    @property
    def slots(self) -> int:
        """Sends in flight allowed now: the fixed `slots`, else the sender's target."""
        if self._fixed_slots is not None:
            return self._fixed_slots
        return MIN_IN_FLIGHT if self._sender is None else self._sender.in_flight_target()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, sender: TelegramSender, *, run_timer: bool = True) -> None:
        """Recover after a stop or crash: close interrupted sends as failed, resume running
        announcements, arm scheduled ones. `run_timer=False`: nothing runs in the background;
        tests and the console deliver with `run_due()`."""
        self._sender = sender
        self._stopping = False
        now = int(self._clock.now())
        interrupted = await self.repo.fail_interrupted(now=now)
        await self._refresh_active()
        for announcement_id in list(self._active):
            await self._complete_if_drained(announcement_id)
        self._next_scheduled = await self.repo.next_scheduled_at()
        log.info(
            "announcements: %s running, next scheduled at %s, %s interrupted",
            len(self._active),
            self._next_scheduled,
            interrupted,
        )
        if run_timer and self._runner is None:
            self._background = True
            self._runner = asyncio.create_task(self._run(), name="announcements")

    async def shutdown(self) -> None:
        """Stop claiming; let sends under way finish (so they are recorded as sent, not
        interrupted), for at most SHUTDOWN_GRACE_S."""
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            # Not cancelled: a claim cancelled half-way could leave claimed rows unsent.
            done, _ = await asyncio.wait({self._runner}, timeout=SHUTDOWN_GRACE_S)
            if not done:
                self._runner.cancel()
            self._runner = None
        pending = set(self._inflight) | self._side_tasks
        if pending:
            await asyncio.wait(pending, timeout=SHUTDOWN_GRACE_S)
        await self._settle()
        self._background = False

    # -- what the UI calls --------------------------------------------------------------------

    async def count(self, audience: Audience, *, urgent: bool) -> int:
        """How many users it would reach now (blocked never; muted only when urgent)."""
        return await self.repo.count(self._selection(audience, urgent=urgent))

    async def create(
        self,
        draft: Draft,
        *,
        by: int,
        progress_chat_id: int | None = None,
        progress_message_id: int | None = None,
    ) -> Announcement:
        """SCHEDULED when `draft.scheduled_at` is ahead, else RUNNING at once with every
        recipient materialized in the same transaction."""
        now = int(self._clock.now())
        progress = None
        if progress_chat_id is not None and progress_message_id is not None:
            progress = (progress_chat_id, progress_message_id)
        later = draft.scheduled_at is not None and draft.scheduled_at > now
        start = None
        if not later:
            start = (
                self._selection(draft.audience, urgent=draft.urgent),
                self._planner(draft, now),
            )
        announcement_id = await self.repo.create(
            draft, by=by, now=now, progress=progress, start=start
        )
        if later:
            self._note_scheduled(draft.scheduled_at)
        else:
            self._activate(announcement_id, draft)
        created = await self.repo.get(announcement_id)
        assert created is not None  # noqa: S101 - inserted just above
        log.info(
            "announcement %s by %s: %s, %s recipients",
            announcement_id,
            by,
            created.status.value,
            created.counts.total,
        )
        return created

    async def set_progress_message(
        self, announcement_id: int, chat_id: int, message_id: int
    ) -> None:
        await self.repo.set_progress_message(announcement_id, chat_id, message_id)

    async def replace_scheduled(self, announcement_id: int, draft: Draft) -> Announcement | None:
        """A new draft (text, audience, time) for an announcement that has not started."""
        if not await self.repo.replace_draft(announcement_id, draft):
            return None
        self._next_scheduled = await self.repo.next_scheduled_at()
        self._wake.set()
        return await self.repo.get(announcement_id)

    async def cancel(self, announcement_id: int) -> bool:
        """Scheduled, running or paused -> cancelled; pending recipients become cancelled.
        Messages being sent right now still go out. False if it had already ended."""
        if not await self.repo.cancel(announcement_id, now=int(self._clock.now())):
            return False
        log.info("announcement %s cancelled", announcement_id)
        self._deactivate(announcement_id)
        self._next_scheduled = await self.repo.next_scheduled_at()
        await self._ended(announcement_id)
        self._wake.set()
        return True

    async def pause(self, announcement_id: int) -> bool:
        """Running -> paused: no new sends (the ones under way finish)."""
        paused = await self.repo.move(
            announcement_id, Status.PAUSED, allowed=(Status.RUNNING,), now=int(self._clock.now())
        )
        if paused:
            self._deactivate(announcement_id)
        return paused

    async def resume(self, announcement_id: int) -> bool:
        resumed = await self.repo.move(
            announcement_id, Status.RUNNING, allowed=(Status.PAUSED,), now=int(self._clock.now())
        )
        if resumed:
            self._activate(announcement_id, None)
        return resumed

    async def get(self, announcement_id: int) -> Announcement | None:
        return await self.repo.get(announcement_id)

    async def recent(self, limit: int = 10) -> list[Announcement]:
        return await self.repo.recent(limit)

    async def recent_for_user(self, user_id: int, limit: int = 5) -> list[Announcement]:
        """Running or done announcements this user was sent, newest first, to read again."""
        return await self.repo.received_by(user_id, limit)

    async def run_due(self, *, limit: int | None = None) -> int:
        """Start scheduled announcements whose time has come and deliver, one by one, every
        recipient whose time has come (quiet hours respected). Returns the sends attempted;
        `limit` stops after that many (tests pause or cancel mid-run with it). The background
        runner does this in production; tests and the console call it with a controlled clock."""
        await self._start_due()
        await self._refresh_active()
        attempted = 0
        for announcement_id in list(self._active):
            while limit is None or attempted < limit:
                now = int(self._clock.now())
                batch = await self.repo.claim(announcement_id, now=now, limit=1)
                if not batch:
                    break
                draft = await self._draft(announcement_id)
                await self._deliver_tracked(batch[0], draft)
                attempted += 1
                if self._progress_due(announcement_id):
                    await self._emit(announcement_id)
            await self._complete_if_drained(announcement_id)
        return attempted

    # -- the background runner ----------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                delay = await self._step()
            except Exception:
                log.exception("announcements: runner step failed")
                delay = 1.0
            if delay is None or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.0))

    async def _step(self) -> float | None:
        """Claim what free slots allow and launch the sends. None: go again at once; a number:
        sleep that long unless woken (a send finished, something was created or resumed)."""
        now = int(self._clock.now())
        if self._next_scheduled is not None and self._next_scheduled <= now:
            await self._start_due()
        slots = self.slots
        room = slots - len(self._inflight)
        # With many slots, claim once a few are free rather than after every send: one claim
        # statement per ~slots/8 messages instead of one per message. Still never more claimed
        # than there are free slots, so a crash loses at most `slots` messages.
        claim_batch = max(1, slots // 8)
        if room <= 0 or (self._inflight and room < claim_batch):
            return IDLE_POLL_S  # a finishing send wakes us
        claimed = False
        wake_at: list[float] = []
        if self._next_scheduled is not None:
            wake_at.append(self._next_scheduled)
        settle, self._outcomes = self._outcomes, []
        for announcement_id in list(self._active):
            batch = await self.repo.claim(announcement_id, now=now, limit=room, settle=settle)
            settle = []
            if batch:
                draft = await self._draft(announcement_id)
                for claimed_row in batch:
                    self._launch(claimed_row, draft)
                room -= len(batch)
                claimed = True
            elif announcement_id not in self._inflight.values():
                await self._idle(announcement_id, wake_at)
            if self._progress_due(announcement_id):
                self._spawn_progress(announcement_id)
            if room <= 0:
                break
        if settle:
            await self.repo.settle(settle)  # nothing running to claim for
        if claimed and room > 0:
            return None
        if claimed:
            return IDLE_POLL_S
        await self._refresh_active()
        soonest = min(wake_at, default=now + IDLE_POLL_S)
        return min(max(soonest - self._clock.now(), 0.05), IDLE_POLL_S)

    async def _idle(self, announcement_id: int, wake_at: list[float]) -> None:
        """Nothing to claim and nothing in flight: done, waiting for quiet hours to end in
        some zones, or paused / cancelled by another instance."""
        if await self._complete_if_drained(announcement_id):
            return
        next_at = await self.repo.next_not_before(announcement_id)
        if next_at is not None:
            wake_at.append(next_at)
        else:
            await self._refresh_active()

    def _launch(self, claimed: Claimed, draft: Draft) -> None:
        task = asyncio.create_task(self._deliver_buffered(claimed, draft))
        self._inflight[task] = claimed.announcement_id
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[Any]) -> None:
        announcement_id = self._inflight.pop(task, None)
        self._wake.set()
        if (
            announcement_id in self._final_pending
            and announcement_id not in self._inflight.values()
        ):
            self._spawn(self._final(announcement_id))

    async def _deliver_tracked(self, claimed: Claimed, draft: Draft) -> None:
        """`run_due`'s send: tracked like a background one, so a cancel made meanwhile (by an
        `on_progress` callback, say) gives its final progress after this send."""
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - always inside a task under asyncio
        self._inflight[task] = claimed.announcement_id
        try:
            outcome = await self._deliver(claimed, draft)
        finally:
            self._inflight.pop(task, None)
        try:
            await self.repo.finish(outcome)
        except Exception:
            log.exception("announcement %s: outcome not recorded", claimed.announcement_id)
        if claimed.announcement_id in self._final_pending:
            await self._final(claimed.announcement_id)

    async def _deliver_buffered(self, claimed: Claimed, draft: Draft) -> None:
        """The background runner's send: the outcome is recorded with the runner's next claim
        (one transaction for many), or by `_settle`."""
        outcome = await self._deliver(claimed, draft)
        self._outcomes.append(outcome)  # after the await: the runner may have swapped the list

    async def _settle(self) -> None:
        outcomes, self._outcomes = self._outcomes, []
        try:
            await self.repo.settle(outcomes)
        except Exception:
            log.exception("announcements: %s outcomes not recorded", len(outcomes))

    async def _deliver(self, claimed: Claimed, draft: Draft) -> Outcome:
        """One recipient: send, and say how it went. Never raises (a bug is a failed row)."""
        status, error = RecipientStatus.FAILED, None
        try:
            result = await self.sender.send_version(
                claimed.user_id, draft.version_for(claimed.locale)
            )
            if result.outcome is SendOutcome.SENT:
                status = RecipientStatus.SENT
            elif result.outcome is SendOutcome.UNREACHABLE:
                status, error = RecipientStatus.BLOCKED, result.error
                await self._unreachable(claimed.user_id)
            else:
                error = result.error
        except Exception as exc:
            log.exception("announcement %s: send crashed", claimed.announcement_id)
            error = type(exc).__name__
        return Outcome(
            claimed.announcement_id, claimed.user_id, status, int(self._clock.now()), error
        )

    async def _unreachable(self, user_id: int) -> None:
        """403 / chat not found: the user blocked the bot. Marked, and their reminders cancelled
        (the callback; the app passes the reminders engine's `cancel_all`)."""
        await self._users.mark_blocked(user_id, now=int(self._clock.now()))
        if self._on_unreachable is not None:
            await self._on_unreachable(user_id)

    # -- state kept in step with the table ----------------------------------------------------

    async def _start_due(self) -> None:
        """Scheduled announcements whose time has come start: recipients materialized now."""
        now = int(self._clock.now())
        for announcement_id in await self.repo.due_scheduled(now):
            announcement = await self.repo.get(announcement_id)
            if announcement is None:
                continue
            draft = announcement.draft
            started = await self.repo.start(
                announcement_id,
                now=now,
                selection=self._selection(draft.audience, urgent=draft.urgent),
                plan=self._planner(draft, now),
            )
            if started:
                log.info("announcement %s: scheduled start", announcement_id)
                self._activate(announcement_id, draft)
        self._next_scheduled = await self.repo.next_scheduled_at()

    async def _refresh_active(self) -> None:
        running = await self.repo.ids_with_status(Status.RUNNING)
        self._active = running
        for announcement_id in list(self._drafts):
            if announcement_id not in running:
                self._drafts.pop(announcement_id, None)

    def _activate(self, announcement_id: int, draft: Draft | None) -> None:
        if draft is not None:
            self._drafts[announcement_id] = draft
        if announcement_id not in self._active:
            self._active.append(announcement_id)
            self._active.sort()
        self._last_progress.setdefault(announcement_id, self._clock.now())
        self._wake.set()

    def _deactivate(self, announcement_id: int) -> None:
        if announcement_id in self._active:
            self._active.remove(announcement_id)

    def _note_scheduled(self, at: int | None) -> None:
        if at is not None and (self._next_scheduled is None or at < self._next_scheduled):
            self._next_scheduled = at
        self._wake.set()

    async def _draft(self, announcement_id: int) -> Draft:
        draft = self._drafts.get(announcement_id)
        if draft is None:
            announcement = await self.repo.get(announcement_id)
            if announcement is None:
                raise LookupError(announcement_id)
            draft = self._drafts[announcement_id] = announcement.draft
        return draft

    async def _complete_if_drained(self, announcement_id: int) -> bool:
        if not await self.repo.complete_if_drained(announcement_id, now=int(self._clock.now())):
            return False
        log.info("announcement %s: done", announcement_id)
        self._deactivate(announcement_id)
        await self._ended(announcement_id)
        return True

    # -- progress -----------------------------------------------------------------------------

    def _progress_due(self, announcement_id: int) -> bool:
        now = self._clock.now()
        last = self._last_progress.setdefault(announcement_id, now)
        if now - last < self._progress_interval or self.on_progress is None:
            return False
        self._last_progress[announcement_id] = now
        return True

    def _spawn_progress(self, announcement_id: int) -> None:
        running = self._progress_task.get(announcement_id)
        if running is not None and not running.done():
            return  # the previous edit is still on its way: skip this one
        self._progress_task[announcement_id] = self._spawn(self._emit(announcement_id))

    def _spawn(self, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coroutine)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
        return task

    async def _ended(self, announcement_id: int) -> None:
        """Done or cancelled: one last progress call, after its sends under way finished."""
        self._drafts.pop(announcement_id, None)
        if announcement_id in self._inflight.values():
            self._final_pending.add(announcement_id)
        elif self._background:
            self._spawn(self._final(announcement_id))
        else:
            await self._final(announcement_id)

    async def _final(self, announcement_id: int) -> None:
        self._final_pending.discard(announcement_id)
        await self._settle()  # the counts include the sends that just finished
        earlier = self._progress_task.pop(announcement_id, None)
        if earlier is not None and earlier is not asyncio.current_task():
            with contextlib.suppress(Exception):
                await earlier
        self._last_progress.pop(announcement_id, None)
        await self._emit(announcement_id)

    async def _emit(self, announcement_id: int) -> None:
        callback = self.on_progress
        if callback is None:
            return
        try:
            announcement = await self.repo.get(announcement_id)
            if announcement is not None:
                await callback(announcement)
        except Exception:
            log.exception("announcement %s: progress callback failed", announcement_id)

    # -- audience -----------------------------------------------------------------------------

    def _selection(self, audience: Audience, *, urgent: bool) -> Selection:
        flight_from = flight_to = None
        if audience.flight_within_days is not None:
            # Flight dates are Korea days (departure_plans.flight_date): "today" is Seoul's.
            today = datetime.fromtimestamp(self._clock.now(), tz=UTC).astimezone(ZoneInfo(SEOUL))
            flight_from = today.date().isoformat()
            ahead = today.date() + timedelta(days=max(audience.flight_within_days, 0))
            flight_to = ahead.isoformat()
        return Selection(
            default_locale=self._default_locale,
            languages=audience.languages,
            audiences=audience.audiences,
            subscribed_to=TRACKER_TOPIC if audience.tracker_subscribers else None,
            flight_from=flight_from,
            flight_to=flight_to,
            include_muted=urgent,
        )

    def _planner(self, draft: Draft, now: int) -> Callable[[str | None, str | None], int]:
        """When a reader with this (time_zone, audience) may get it: now, or the end of quiet
        hours in their zone (`effective_time_zone`'s rule) unless urgent."""

        def plan(time_zone: str | None, audience: str | None) -> int:
            if draft.urgent:
                return now
            zone = time_zone or default_time_zone(UserAudience(audience) if audience else None)
            return plan_fire_time(now, zone, urgent=False, quiet=self._quiet)

        return plan
