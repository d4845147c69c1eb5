"""The EPS guide: /eps and the "Legal work (EPS)" section, screens edited in place.

The screens themselves are written in bot/eps/guide.py from the current facts; this module only
reads the facts and shows the screen a button asks for.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.eps.guide import FACT_KEYS, broker_warning, build
from bot.telegram.callbacks import EpsCb, menu_section
from bot.telegram.dialogue import leave_dialogue, on_command_or_button, out_of_date_text
from bot.telegram.screens import show
from storage.content import ContentRepository
from storage.users import Audience, UserRecord

_PREFIX = f"{EpsCb.__prefix__}{EpsCb.__separator__}"


class EpsButton(Filter):
    """Any button of this guide, including ones whose data no longer parses (forged, or from a
    future or past release): those get the guide back instead of the generic fallback."""

    async def __call__(self, query: CallbackQuery) -> bool:
        return (query.data or "").startswith(_PREFIX)


async def open_eps(
    event: Message | CallbackQuery,
    state: FSMContext,
    content: ContentRepository,
    user_record: UserRecord,
) -> None:
    left = await leave_dialogue(state)  # opening a section leaves any dialogue, and says so
    screen = build("root", 0, await content.get_many(FACT_KEYS))
    if user_record.audience is Audience.OTHER:
        # Someone only thinking about Korea is who brokers look for: the warning comes first.
        screen = screen.above(broker_warning())
    await show(event, screen.above(left))


async def eps_screen(
    query: CallbackQuery, callback_data: EpsCb, content: ContentRepository
) -> None:
    await show(
        query, build(callback_data.screen, callback_data.n, await content.get_many(FACT_KEYS))
    )


async def eps_unreadable(query: CallbackQuery, content: ContentRepository) -> None:
    screen = build("root", 0, await content.get_many(FACT_KEYS))
    await show(query, screen.with_notice(out_of_date_text()))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(router, "eps", menu_section("eps"), open_eps)
    router.callback_query.register(eps_screen, EpsCb.filter())
    router.callback_query.register(eps_unreadable, EpsButton())
