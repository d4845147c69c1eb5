"""/stats for staff: counts only, never who (the same figures as `python -m bot stats`)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.formatting import format_number
from bot.i18n import current_locale
from bot.telegram.callbacks import StaffCb
from bot.telegram.dialogue import keep_dialogue, on_command_or_button
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, keyboard, show
from storage.stats import OpsStats, StatsRepository


def _number(value: int) -> str:
    return format_number(value, current_locale())


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{key} {_number(count)}" for key, count in values.items()) or "0"


def stats_screen(stats: OpsStats) -> Screen:
    text = "\n".join(
        [
            _("<b>Statistics</b> (counts only)"),
            _("Users: {total}, of whom blocked the bot: {blocked}").format(
                total=_number(stats.users_total), blocked=_number(stats.users_blocked)
            ),
            _("By language: {counts}").format(counts=_counts(stats.users_by_language)),
            _("By audience: {counts}").format(counts=_counts(stats.users_by_audience)),
            _("Reminders by status: {counts}").format(counts=_counts(stats.reminders_by_status)),
            _("Dialogues in progress: {count}").format(count=_number(stats.active_dialogues)),
        ]
    )
    refresh = button(_("🔄 Refresh"), StaffCb(action="refresh_stats"))
    return Screen(text, keyboard([refresh], [back_to_menu_button()]))


async def open_stats(
    event: Message | CallbackQuery, state: FSMContext, stats: StatsRepository
) -> None:
    # Unchanged figures after "Refresh" are fine: `show` ignores "message is not modified".
    await show(event, await keep_dialogue(state, stats_screen(await stats.collect())))


def register(router: Router, staff: Filter) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(
        router, "stats", StaffCb.filter(F.action == "refresh_stats"), open_stats, staff
    )
