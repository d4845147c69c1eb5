"""Kazakhstan's EPS accession tracker: the stage model, its texts, and the news to subscribers.

Korea adds a new EPS sending country in three stages (facts sheet §1): domestic approval in
Korea, inspection of the facilities for an EPS centre, and the decision of Korea's
inter-ministerial commission. The content fact "accession" holds where Kazakhstan stands:
`{"stage": 2, "changed_on": "2026-01-21", "note": {"kk": ..., "ru": ..., "en": ...}}`.
`stage` is the stage in progress (the ones before it are done); `JOINED` (4) means all three
are passed. Staff change it through the bot (handlers/tracker.py); every change is kept in
content_history and sent to subscribers as "tracker.news" reminders, so the news goes through
the reminder engine's one rate-limited, at-most-once delivery path and respects quiet hours.

The news carries the status it announces in its payload: it is rendered when it is sent, in
the recipient's language at that moment, but it reports the change it was created for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from html import escape, unescape
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.content.facts import localized, source_line, unconfirmed_line
from bot.content.profile import ALMATY, default_time_zone
from bot.formatting import format_day, to_local
from bot.i18n import current_locale
from bot.reminders.engine import ReminderEngine, ReminderKind, Rendered
from bot.telegram.callbacks import MenuCb, TrackerCb
from bot.telegram.dialogue import back_label
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import button, keyboard
from storage.content import Confidence, Fact
from storage.reminders import NewReminder, Reminder
from storage.subscriptions import Recipient, SubscriptionRepository
from storage.users import Audience, UserRecord

FACT_KEY = "accession"
TOPIC = "accession"  # the subscriptions topic
NEWS_KIND = "tracker.news"
LANGUAGES = ("kk", "ru", "en")  # a note is written in each of them
STAGE_COUNT = 3
JOINED = STAGE_COUNT + 1  # all three stages passed
NOTE_LIMIT = 300  # characters per language
# Fan-out spreads the news's fire times at this share of the sender's pace: a big subscriber
# list becomes a steady stream rather than thousands of jobs due at one instant, each reminder
# is judged late against its own slot, and the rest of the pace stays free for personal
# reminders (a flight at 09:00 is not queued behind 10,000 news messages).
NEWS_SHARE_OF_PACE = 0.8

STAGE_TITLES: dict[int, LazyProxy] = {
    1: __("Domestic approval"),  # the sources say only this: not "in Korea"
    2: __("Inspection of the facilities for an EPS centre"),
    3: __("Decision of Korea's inter-ministerial commission"),
}


class StageState(StrEnum):
    DONE = "done"
    CURRENT = "current"
    AHEAD = "ahead"


_ICONS = {StageState.DONE: "✅", StageState.CURRENT: "⏳", StageState.AHEAD: "▫️"}


@dataclass(frozen=True, slots=True)
class Accession:
    """The value of the "accession" fact, read once and typed."""

    stage: int  # 1..3: the stage in progress; JOINED: all passed
    changed_on: date
    note: Mapping[str, str]

    @property
    def joined(self) -> bool:
        return self.stage >= JOINED

    def states(self) -> tuple[StageState, ...]:
        return tuple(stage_state(number, self.stage) for number in range(1, STAGE_COUNT + 1))


def stage_state(number: int, current: int) -> StageState:
    if number < current:
        return StageState.DONE
    return StageState.CURRENT if number == current else StageState.AHEAD


def parse_accession(value: Mapping[str, Any]) -> Accession:
    """Read the fact's value; a stage outside 1..JOINED is clamped rather than shown broken."""
    stage = min(max(int(value.get("stage", 1)), 1), JOINED)
    notes = value.get("note") or {}
    return Accession(
        stage=stage,
        changed_on=date.fromisoformat(str(value["changed_on"])),
        note={lang: str(notes[lang]) for lang in LANGUAGES if notes.get(lang)},
    )


def accession_value(stage: int, changed_on: date, notes: Mapping[str, str]) -> dict[str, Any]:
    """The fact's value as staff set it: the stage, today's date and a note per language."""
    return {
        "stage": stage,
        "changed_on": changed_on.isoformat(),
        "note": {lang: notes[lang] for lang in LANGUAGES},
    }


def same_status(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether an edit changes nothing a reader would see (the date aside)."""
    a, b = parse_accession(old), parse_accession(new)
    return a.stage == b.stage and dict(a.note) == dict(b.note)


def today_in_kazakhstan(now: float) -> date:
    """The day a change is dated: it is Kazakhstan's accession, so Kazakhstan's calendar."""
    return to_local(now, ALMATY).date()


# -- texts (they run in the reader's locale) --------------------------------------------------


def stage_label(stage: int) -> str:
    """'Stage 2 of 3 · Inspection of ...', or 'All three stages passed'."""
    if stage >= JOINED:
        return _("All three stages passed")
    number = _("Stage {number} of {total}").format(number=stage, total=STAGE_COUNT)
    return f"{number} · {STAGE_TITLES[stage]}"


def stage_lines(accession: Accession) -> list[str]:
    words = {
        StageState.DONE: _("done"),
        StageState.CURRENT: _("in progress"),
        StageState.AHEAD: _("not started yet"),
    }
    lines = [
        f"{_ICONS[state]} {number}. {STAGE_TITLES[number]}: <b>{words[state]}</b>"
        for number, state in enumerate(accession.states(), start=1)
    ]
    if accession.joined:
        lines.append(_("🎉 Kazakhstan has passed all three stages."))
    return lines


def status_body(fact: Fact) -> list[str]:
    """Stages, date of the last change, staff note, what it means for applicants, source."""
    accession = parse_accession(fact.value)
    lines = stage_lines(accession)
    lines += [
        "",
        _("🗓 Last change: {date}").format(date=format_day(accession.changed_on, current_locale())),
    ]
    note = localized(fact.value, "note")
    if note:
        lines.append(f"📝 {note}")
    lines.append("")
    if accession.joined:
        lines.append(
            _(
                "ℹ️ Applications through EPS open only after an official announcement: follow "
                "the source below, and do not pay intermediaries."
            )
        )
    else:
        lines.append(
            _(
                "⚠️ Until stage 3 is passed and an agreement is signed, citizens of Kazakhstan "
                "cannot apply through EPS. Be wary of anyone who offers a place in EPS for "
                "money now."
            )
        )
    lines += ["", source_line(fact)]
    return lines


def render_screen(fact: Fact, contacts: Fact, *, subscribed: bool) -> str:
    lines = [
        _("<b>🇰🇿 Kazakhstan and EPS: the road to joining</b>"),
        _("Korea adds a new sending country to EPS in three stages. Where Kazakhstan stands:"),
        "",
    ]
    if fact.confirmed:
        lines += status_body(fact)
    else:
        lines.append(unconfirmed_line(contacts))
    if subscribed:
        lines += ["", _("🔔 You are subscribed: I will write to you when this changes.")]
    return "\n".join(lines)


def render_news(fact: Fact) -> str:
    lines = [_("📍 <b>Kazakhstan and EPS: the status has changed</b>"), ""]
    return "\n".join(lines + status_body(fact))


def screen_keyboard(*, subscribed: bool) -> InlineKeyboardMarkup:
    toggle = (
        button(_("🔕 Stop updates"), TrackerCb(action="unsub"))
        if subscribed
        else button(_("🔔 Tell me when this changes"), TrackerCb(action="sub"))
    )
    return keyboard(
        [toggle], [button(back_label(), MenuCb(section="eps"))], [back_to_menu_button()]
    )


def news_keyboard(*, subscribed: bool) -> InlineKeyboardMarkup:
    """Under a news message: leave (or rejoin) with one press, or open the tracker."""
    toggle = (
        button(_("🔕 Unsubscribe"), TrackerCb(action="unsub", value="news"))
        if subscribed
        else button(_("🔔 Subscribe again"), TrackerCb(action="sub", value="news"))
    )
    return keyboard([toggle], [button(_("📍 Open tracker"), TrackerCb(action="show", value="new"))])


# -- news to subscribers ----------------------------------------------------------------------


def news_payload(fact: Fact) -> dict[str, Any]:
    """Everything the news shows, so it can be rendered at send time without the database."""
    return {
        "value": dict(fact.value),
        "source_url": fact.source_url,
        "source_date": fact.source_date.isoformat() if fact.source_date else None,
        "checked_on": fact.checked_on.isoformat(),
        "confidence": fact.confidence.value,
    }


def fact_from_payload(payload: Mapping[str, Any]) -> Fact:
    source_date = payload.get("source_date")
    return Fact(
        key=FACT_KEY,
        value=payload["value"],
        source_url=str(payload["source_url"]),
        source_date=date.fromisoformat(source_date) if source_date else None,
        checked_on=date.fromisoformat(str(payload["checked_on"])),
        confidence=Confidence(payload.get("confidence", Confidence.HIGH.value)),
    )


def recipient_zone(recipient: Recipient) -> str:
    if recipient.time_zone:
        return recipient.time_zone
    return default_time_zone(Audience(recipient.audience) if recipient.audience else None)


def plan_news(
    recipients: Iterable[Recipient],
    payload: dict[str, Any],
    *,
    now: int,
    plan: Callable[[int, str], int],
    per_second: int,
) -> list[NewReminder]:
    """One non-urgent reminder per recipient, due now. `plan(due_at, zone)` applies quiet
    hours (news waits for the morning); recipients who share a fire time are spread over the
    following seconds at `per_second`. All rows share one payload object (encoded once)."""
    # The fire time depends only on the zone settings, which thousands of people share: it is
    # planned once per combination, not once per person.
    planned: dict[tuple[str | None, str | None], int] = {}
    taken: Counter[int] = Counter()
    rows = []
    for recipient in recipients:
        settings = (recipient.time_zone, recipient.audience)
        base = planned.get(settings)
        if base is None:
            base = planned[settings] = plan(now, recipient_zone(recipient))
        fire_at = base + taken[base] // per_second
        taken[base] += 1
        rows.append(
            NewReminder(
                user_id=recipient.user_id,
                kind=NEWS_KIND,
                payload=payload,
                due_at=now,
                fire_at=fire_at,
                urgent=False,
            )
        )
    return rows


async def publish_news(
    engine: ReminderEngine, subscriptions: SubscriptionRepository, fact: Fact, *, now: int
) -> int:
    """Queue the news of `fact` for every reachable subscriber; return how many.

    Older news not sent yet (e.g. waiting for the morning) is cancelled first: a subscriber
    gets the latest status once, not a stale one followed by its correction.
    """
    await engine.cancel_kind(NEWS_KIND)
    rows = plan_news(
        await subscriptions.recipients(TOPIC),
        news_payload(fact),
        now=now,
        plan=lambda due_at, zone: engine.plan(due_at, zone, urgent=False),
        per_second=max(1, int(engine.sender.per_second * NEWS_SHARE_OF_PACE)),
    )
    return await engine.schedule_many(rows)


async def cancel_news_for(engine: ReminderEngine, user_id: int) -> None:
    """After unsubscribing: news already queued for this person is not sent either."""
    for reminder in await engine.repo.pending_of_kind_prefix(user_id, NEWS_KIND):
        await engine.cancel(reminder.id, user_id=user_id)


def _render_news_reminder(reminder: Reminder, user: UserRecord) -> Rendered:
    return Rendered(
        render_news(fact_from_payload(reminder.payload)), news_keyboard(subscribed=True)
    )


def _summary_news(reminder: Reminder) -> str:
    return _("News: Kazakhstan and EPS")


NEWS = ReminderKind(NEWS_KIND, _render_news_reminder, _summary_news, listed=False)


def register_tracker_kinds(engine: ReminderEngine) -> None:
    """Called once from `bot.app.build_dispatcher`."""
    engine.register_kind(NEWS)


def excerpt(value: Mapping[str, Any], limit: int = 120) -> str:
    """The note in the current language, shortened for a list; HTML-escaped."""
    text = unescape(localized(value, "note"))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text)
