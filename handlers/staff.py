"""Staff tools. Every handler here is behind `StaffOnly`; everyone else gets a polite refusal.

`STAFF_COMMANDS` and `StaffCb` list every staff entry point, so the authorisation test can walk
all of them as a regular user. Features that add staff actions (tracker updates, broadcasts,
the question relay) add their commands and callbacks here.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.formatting import format_number
from bot.i18n import current_locale
from bot.telegram.callbacks import StaffCb
from bot.telegram.dialogue import open_by_command_or_button, out_of_date
from bot.telegram.filters import StaffOnly
from bot.telegram.screens import Screen, button, keyboard, show
from storage.stats import OpsStats, StatsRepository

STAFF_COMMANDS: tuple[str, ...] = ("stats", "programme", "tracker")
STAFF_ACTIONS: tuple[str, ...] = (
    "refresh_stats",
    # handlers/departure.py: the /programme dialogue (programme window of voluntary departure)
    "prog_keep",
    "prog_back",
    "prog_resume",
    "prog_cancel",
    "prog_confirm",
    "prog_history",
    # handlers/tracker.py: /tracker (Kazakhstan's accession stage, notes, history)
    "tracker_panel",
    "tracker_edit",
    "tracker_history",
    "tracker_stage_1",
    "tracker_stage_2",
    "tracker_stage_3",
    "tracker_joined",
    "tracker_keep",
    "tracker_back",
    "tracker_cancel",
    "tracker_confirm",
)


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
    return Screen(text, keyboard([button(_("🔄 Refresh"), StaffCb(action="refresh_stats"))]))


async def open_stats(event: Message | CallbackQuery, stats: StatsRepository) -> None:
    # Unchanged figures after "Refresh" are fine: `show` ignores "message is not modified".
    await show(event, stats_screen(await stats.collect()))


async def refuse_command(message: Message) -> None:
    await message.answer(_("This command is for staff only."))


async def refuse_button(query: CallbackQuery) -> None:
    await query.answer(_("This command is for staff only."), show_alert=True)


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    staff = StaffOnly()
    open_by_command_or_button(
        router,
        open_stats,
        command="stats",
        button_filter=StaffCb.filter(F.action == "refresh_stats"),
        filters=(staff,),
    )
    # A staff button no handler above took (a finished dialogue, an older release).
    router.callback_query.register(out_of_date, StaffCb.filter(), staff)
    # Whoever is not staff and tries anyway: a refusal, never a silent drop or an error.
    router.message.register(refuse_command, Command(*STAFF_COMMANDS))
    router.callback_query.register(refuse_button, StaffCb.filter())
