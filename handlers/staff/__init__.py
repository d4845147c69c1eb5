"""Staff tools: the accession tracker and programme editors (one shared editor, configured
twice), /stats, and the refusal for everyone else.

Every staff handler sits behind the one `StaffOnly` gate. `STAFF_COMMANDS` and `STAFF_ACTIONS`
list every staff entry point, so the authorisation test can walk all of them as a regular
user; a feature that adds a staff editor adds it to `EDITORS`.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram.callbacks import StaffCb
from bot.telegram.dialogue import out_of_date
from bot.telegram.filters import StaffOnly
from handlers.staff import gate, programme, stats, tracker
from handlers.staff.editor import FactEditor

EDITORS: tuple[FactEditor, ...] = (tracker.EDITOR, programme.EDITOR)
STAFF_COMMANDS: tuple[str, ...] = ("stats", *(editor.command for editor in EDITORS))
STAFF_ACTIONS: tuple[str, ...] = (
    "refresh_stats",
    *(action for editor in EDITORS for action in editor.actions),
)


def register(router: Router) -> None:
    """Add the staff handlers to `router`, in dispatch order."""
    staff = StaffOnly()
    for editor in EDITORS:
        editor.register(router, staff)
    stats.register(router, staff)
    # A staff button no handler above took (a finished dialogue, an older release).
    router.callback_query.register(out_of_date, StaffCb.filter(), staff)
    gate.register(router, STAFF_COMMANDS)
