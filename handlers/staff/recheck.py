"""/recheck for staff: the facts due for a new check, and "re-checked, unchanged" in one press.
The rules and screens are in bot/content/recheck.py."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.content.recheck import LIST_ACTION, MARK_PREFIX, RecheckDigests, marked_key, recheck_screen
from bot.telegram.callbacks import StaffCb
from bot.telegram.dialogue import keep_dialogue, on_command_or_button, out_of_date
from bot.telegram.screens import show
from storage.users import UserRecord


async def open_recheck(
    event: Message | CallbackQuery,
    state: FSMContext,
    recheck: RecheckDigests,
    user_record: UserRecord,
) -> None:
    # Someone made staff since start-up gets their weekly digest booked here.
    await recheck.ensure_for(user_record)
    screen = recheck_screen(await recheck.due(user_record), recheck.max_age_days)
    await show(event, await keep_dialogue(state, screen))


async def mark_unchanged(
    query: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    recheck: RecheckDigests,
    user_record: UserRecord,
) -> None:
    key = marked_key(callback_data.action) or ""
    try:
        marked = await recheck.mark(key, user_record)
    except KeyError:  # a fact this release no longer has: an old button
        await out_of_date(query)
        return
    notice = (
        _("✅ {key}: re-checked today, unchanged. Saved in its history.").format(key=key)
        if marked
        else _("{key} is already marked as checked today.").format(key=key)
    )
    screen = recheck_screen(await recheck.due(user_record), recheck.max_age_days)
    await show(query, (await keep_dialogue(state, screen)).with_notice(notice))


def register(router: Router, staff: Filter) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(
        router, "recheck", StaffCb.filter(F.action == LIST_ACTION), open_recheck, staff
    )
    router.callback_query.register(
        mark_unchanged, StaffCb.filter(F.action.startswith(MARK_PREFIX)), staff
    )
