"""The EPS guide: /eps and the "Legal work (EPS)" section, screens edited in place.

The screens themselves are written in bot/eps/guide.py from the current facts; this module only
reads the facts and shows the screen a button asks for.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.eps.guide import FACT_KEYS, Screen, build
from bot.telegram.callbacks import EpsCb, MenuCb
from bot.telegram.screens import show
from storage.content import ContentRepository

_PREFIX = f"{EpsCb.__prefix__}{EpsCb.__separator__}"


class EpsButton(Filter):
    """Any button of this guide, including ones whose data no longer parses (forged, or from a
    future or past release): those get the guide back instead of the generic fallback."""

    async def __call__(self, query: CallbackQuery) -> bool:
        return (query.data or "").startswith(_PREFIX)


async def _screen(content: ContentRepository, screen: str, n: int = 0) -> Screen:
    return build(screen, n, await content.get_many(FACT_KEYS))


async def eps_command(message: Message, state: FSMContext, content: ContentRepository) -> None:
    await state.clear()
    rendered = await _screen(content, "root")
    await show(message, rendered.text, rendered.markup)


async def eps_section(query: CallbackQuery, state: FSMContext, content: ContentRepository) -> None:
    await state.clear()  # opening another section leaves any dialogue, as commands do
    rendered = await _screen(content, "root")
    await show(query, rendered.text, rendered.markup)


async def eps_screen(
    query: CallbackQuery, callback_data: EpsCb, content: ContentRepository
) -> None:
    rendered = await _screen(content, callback_data.screen, callback_data.n)
    await show(query, rendered.text, rendered.markup, notice=rendered.notice)


async def eps_unreadable(query: CallbackQuery, content: ContentRepository) -> None:
    rendered = await _screen(content, "root")
    await show(query, rendered.text, rendered.markup, notice=_("This button is out of date."))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    router.message.register(eps_command, Command("eps"))
    router.callback_query.register(eps_section, MenuCb.filter(F.section == "eps"))
    router.callback_query.register(eps_screen, EpsCb.filter())
    router.callback_query.register(eps_unreadable, EpsButton())
