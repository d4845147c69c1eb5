"""Staff tools: the accession tracker and programme editors (one shared editor, configured
twice), /recheck (facts due for a new check), /stats, /staff (admins manage staff), and the
refusal for everyone else.

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
from bot.telegram.filters import AdminOnly, StaffOnly
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, keyboard, show
from handlers.staff import (
    announce,
    faq,
    gate,
    missions,
    programme,
    recheck,
    roles,
    stats,
    tracker,
)
from handlers.staff.editor import FactEditor
from storage.users import Role, UserRecord

# Every announcement button, for the authorisation test (ids are examples: any id is refused).
ANNOUNCE_ACTIONS: tuple[str, ...] = (
    "ann_panel",
    "ann_new",
    "ann_keep",
    "ann_skip",
    "ann_back",
    "ann_cancel",
    "ann_next",
    "ann_subs",
    "ann_urgent",
    "ann_now",
    "ann_confirm",
    "ann_lang.kk",
    "ann_who.worker",
    "ann_flight.7",
    "ann_fallback.kk",
    "ann_sched.seoul",
    "ann_open.1",
    "ann_pause.1",
    "ann_resume.1",
    "ann_stop.1",
    "ann_edit.1",
)

EDITORS: tuple[FactEditor, ...] = (tracker.EDITOR, programme.EDITOR, missions.EDITOR)
# Editors of many facts, opened from a list of their own rather than a panel.
LIST_EDITORS: tuple[FactEditor, ...] = (faq.EDITOR,)
STAFF_COMMANDS: tuple[str, ...] = (
    "stats",
    "recheck",
    "announce",
    roles.COMMAND,
    *(editor.command for editor in (*EDITORS, *LIST_EDITORS)),
)
STAFF_ACTIONS: tuple[str, ...] = (
    "refresh_stats",
    LIST_ACTION,
    *ANNOUNCE_ACTIONS,
    mark_action("accession"),
    *(action for editor in (*EDITORS, *LIST_EDITORS) for action in editor.actions),
    *roles.ACTIONS,
)
# Every staff dialogue (StatesGroup names): a staff member an admin removes is taken out of
# the one they are in. A feature that adds a staff dialogue adds its group here.
STAFF_DIALOGUES: frozenset[str] = frozenset(
    {
        *(editor.states.__full_group_name__ for editor in (*EDITORS, *LIST_EDITORS)),
        *roles.DIALOGUES,
        announce.AnnounceDialogue.__full_group_name__,
    }
)


def staff_section(record: UserRecord | None = None) -> Screen:
    """🛠 Staff in the main menu (staff only): every staff tool one tap away; managing staff
    for admins only."""
    admin = record is not None and record.role is Role.ADMIN
    text = _("<b>🛠 Staff</b>\nWhat would you like to do?")
    markup = keyboard(
        [button(_("📢 Announcements"), StaffCb(action="ann_panel"))],
        [button(_("📊 Statistics"), StaffCb(action="refresh_stats"))],
        *([button(str(editor.name), editor.data("panel"))] for editor in EDITORS),
        [button(_("❓ FAQ entries"), StaffCb(action=faq.LIST_ACTION))],
        [button(_("🔁 Due for re-check"), StaffCb(action=LIST_ACTION))],
        [button(_("👥 Staff and admins"), StaffCb(action=roles.PANEL))] if admin else None,
        [back_to_menu_button()],
    )
    return Screen(text, markup)


async def open_staff_section(query: CallbackQuery, user_record: UserRecord) -> None:
    await show(query, staff_section(user_record))


def register(router: Router) -> None:
    """Add the staff handlers to `router`, in dispatch order."""
    staff = StaffOnly()
    router.callback_query.register(open_staff_section, menu_section("staff"), staff)
    for editor in (*EDITORS, *LIST_EDITORS):
        editor.register(router, staff)
    stats.register(router, staff)
    recheck.register(router, staff)
    announce.register(router, staff)
    roles.register(router, admin=AdminOnly(), staff=staff, staff_dialogues=STAFF_DIALOGUES)
    # A staff button no handler above took (a finished dialogue, an older release).
    router.callback_query.register(out_of_date, StaffCb.filter(), staff)
    gate.register(router, STAFF_COMMANDS)
