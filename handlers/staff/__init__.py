"""Staff tools: the accession tracker and programme editors (one shared editor, configured
twice), /recheck (facts due for a new check), /stats, and the refusal for everyone else.

Every staff handler sits behind the one `StaffOnly` gate. `STAFF_COMMANDS` and `STAFF_ACTIONS`
list every staff entry point, so the authorisation test can walk all of them as a regular
user; a feature that adds a staff editor adds it to `EDITORS`.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.content.recheck import LIST_ACTION, mark_action
from bot.telegram.callbacks import StaffCb, menu_section
from bot.telegram.dialogue import out_of_date
from bot.telegram.filters import StaffOnly
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, keyboard, show
from handlers.staff import gate, programme, recheck, stats, tracker
from handlers.staff.editor import FactEditor

EDITORS: tuple[FactEditor, ...] = (tracker.EDITOR, programme.EDITOR)
STAFF_COMMANDS: tuple[str, ...] = (
    "stats",
    "recheck",
    *(editor.command for editor in EDITORS),
)
STAFF_ACTIONS: tuple[str, ...] = (
    "refresh_stats",
    LIST_ACTION,
    mark_action("accession"),
    *(action for editor in EDITORS for action in editor.actions),
)


def staff_section() -> Screen:
    """🛠 Staff in the main menu (staff only): every staff tool one tap away."""
    text = _("<b>🛠 Staff</b>\nWhat would you like to do?")
    markup = keyboard(
        [button(_("📊 Statistics"), StaffCb(action="refresh_stats"))],
        *([button(str(editor.name), editor.data("panel"))] for editor in EDITORS),
        [button(_("🔁 Due for re-check"), StaffCb(action=LIST_ACTION))],
        [back_to_menu_button()],
    )
    return Screen(text, markup)


async def open_staff_section(query: CallbackQuery) -> None:
    await show(query, staff_section())


def register(router: Router) -> None:
    """Add the staff handlers to `router`, in dispatch order."""
    staff = StaffOnly()
    router.callback_query.register(open_staff_section, menu_section("staff"), staff)
    for editor in EDITORS:
        editor.register(router, staff)
    stats.register(router, staff)
    recheck.register(router, staff)
    # A staff button no handler above took (a finished dialogue, an older release).
    router.callback_query.register(out_of_date, StaffCb.filter(), staff)
    gate.register(router, STAFF_COMMANDS)
