"""Kazakhstan's accession tracker as users see it: the screen opened from the EPS section, its
subscription toggle, and the buttons under a news message. Staff edit it with /tracker
(handlers/staff/tracker.py)."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.eps.tracker import (
    FACT_KEY,
    TOPIC,
    cancel_news_for,
    news_keyboard,
    render_screen,
    screen_keyboard,
)
from bot.reminders.engine import ReminderEngine
from bot.telegram.callbacks import TrackerCb
from bot.telegram.screens import Screen, show, show_below
from storage.content import ContentRepository
from storage.subscriptions import SubscriptionRepository
from storage.users import UserRecord

log = logging.getLogger(__name__)


async def tracker_screen(
    content: ContentRepository, subscriptions: SubscriptionRepository, user_id: int
) -> Screen:
    facts = await content.get_many((FACT_KEY, "contacts"))
    subscribed = await subscriptions.is_subscribed(user_id, TOPIC)
    text = render_screen(facts[FACT_KEY], facts["contacts"], subscribed=subscribed)
    return Screen(text, screen_keyboard(subscribed=subscribed))


async def show_tracker(
    query: CallbackQuery,
    callback_data: TrackerCb,
    content: ContentRepository,
    subscriptions: SubscriptionRepository,
    user_record: UserRecord,
) -> None:
    screen = await tracker_screen(content, subscriptions, user_record.id)
    if callback_data.value == "new":
        # From under a news message: keep the news in the chat, open the tracker below it.
        await show_below(query, screen)
        return
    await show(query, screen)


async def _swap_news_buttons(query: CallbackQuery, *, subscribed: bool, notice: str) -> None:
    """Under a news message the text stays; only its subscribe button flips."""
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=news_keyboard(subscribed=subscribed))
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                log.info("news buttons not updated: %s", error.message)
    await query.answer(notice)


async def toggle_subscription(
    query: CallbackQuery,
    callback_data: TrackerCb,
    content: ContentRepository,
    subscriptions: SubscriptionRepository,
    user_record: UserRecord,
    reminders: ReminderEngine,
    clock: Clock,
) -> None:
    """Subscribe ("sub") or unsubscribe ("unsub"), from the tracker screen or under a news
    message (`value="news"`: the news stays, only its button flips)."""
    subscribing = callback_data.action == "sub"
    if subscribing:
        await subscriptions.subscribe(user_record.id, TOPIC, now=int(clock.now()))
        notice = _("🔔 Done: I will write to you when the status changes.")
    else:
        await subscriptions.unsubscribe(user_record.id, TOPIC)
        await cancel_news_for(reminders, user_record.id)
        notice = _("🔕 Done: I will not send you these updates any more.")
    if callback_data.value == "news":
        await _swap_news_buttons(query, subscribed=subscribing, notice=notice)
        return
    screen = await tracker_screen(content, subscriptions, user_record.id)
    await show(query, screen.with_notice(notice))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    router.callback_query.register(show_tracker, TrackerCb.filter(F.action == "show"))
    router.callback_query.register(
        toggle_subscription, TrackerCb.filter(F.action.in_({"sub", "unsub"}))
    )
