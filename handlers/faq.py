"""❓ Questions (/questions and the menu): topics, a topic's questions, an answer; and search,
which every text typed outside a dialogue goes through (handlers/fallback.py asks
`search_reply` after the emergency card). The rules and the index are in bot/faq/."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.faq.model import KEY_PREFIX, TOPIC_KEYS
from bot.faq.screens import entry_screen, results_screen, topic_screen, topics_screen
from bot.telegram.callbacks import FaqCb, menu_section
from bot.telegram.dialogue import keep_dialogue, on_command_or_button, out_of_date
from bot.telegram.screens import show
from storage.users import UserRecord

if TYPE_CHECKING:
    from bot.faq.service import FaqService

# The last text a search found nothing good for is kept in the chat's FSM data (overwritten by
# the next search, erased with /deletemydata), so "ask a person" starts from what was typed.
LAST_QUESTION = "last_question"
QUESTION_KEEP_LIMIT = 1000


async def open_topics(event: Message | CallbackQuery, state: FSMContext) -> None:
    await show(event, await keep_dialogue(state, topics_screen()))


async def open_topic(query: CallbackQuery, callback_data: FaqCb, faq: FaqService) -> None:
    if callback_data.topic not in TOPIC_KEYS:
        await out_of_date(query)
        return
    entries = await faq.in_topic(callback_data.topic)
    await show(query, topic_screen(callback_data.topic, entries, callback_data.page))


async def open_entry(
    query: CallbackQuery, callback_data: FaqCb, faq: FaqService, user_record: UserRecord
) -> None:
    fact = await faq.get(KEY_PREFIX + callback_data.entry)
    if fact is None:  # hidden or removed since the button was sent
        await out_of_date(query)
        return
    await show(query, entry_screen(fact, staff=user_record.is_staff))


async def search_reply(message: Message, state: FSMContext, faq: FaqService) -> None:
    """The answer to a text outside any dialogue: the best three entries, or a way to a
    person. The text is kept for "ask a person" so nothing typed has to be typed again."""
    text = (message.text or message.caption or "").strip()
    found = await faq.search(text, limit=3) if text else []
    if text:
        await state.update_data({LAST_QUESTION: text[:QUESTION_KEEP_LIMIT]})
    await show(message, results_screen(found))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "questions", menu_section("questions"), open_topics)
    router.callback_query.register(open_topics, FaqCb.filter(F.action == "topics"))
    router.callback_query.register(open_topic, FaqCb.filter(F.action == "topic"))
    router.callback_query.register(open_entry, FaqCb.filter(F.action == "entry"))
