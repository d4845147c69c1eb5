"""The departure track question: which situation the user is in, asked once on the 🛫 section's
first screen (and before the checklist) when none is stored, and again from "🔄 Change my
situation" on the guide and the checklist.

Neutral wording: a choice of situation, never a judgement. Only the choice is stored
(`departure_plans.track`, see storage/checklists.py).
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.content.facts import contact
from bot.departure.plan import Track
from bot.telegram.callbacks import ChecklistCb, DepartureCb, MenuCb
from bot.telegram.dialogue import back_label
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, join, keyboard
from storage.content import Fact


def track_label(track: Track) -> str:
    if track is Track.LEGAL:
        return _("✈️ End of contract or valid visa")
    return _("📝 My stay has become irregular")


def change_track_button(*, checklist: bool) -> InlineKeyboardButton:
    """ "🔄 Change my situation", on the guide and on the checklist."""
    target = ChecklistCb(action="track") if checklist else DepartureCb(screen="track")
    return button(_("🔄 Change my situation"), target)


def track_screen(current: Track | None, contacts: Fact, *, checklist: bool) -> Screen:
    """The question; `checklist` says where the answer leads (the checklist or the guide).
    The current choice, if any, is ticked; Back returns without a change."""
    text = join(
        _(
            "<b>🛫 Leaving Korea</b>\n"
            "So that I show you only what applies to you: which describes your situation? You "
            "can change it at any time."
        ),
        _(
            "✈️ <b>End of contract or valid visa</b>: you fly home while your visa is still "
            "valid. You settle wages, insurance and refunds; no voluntary-departure report."
        )
        + "\n"
        + _(
            "📝 <b>My stay has become irregular</b>: your visa has expired or no longer covers "
            "your stay. Voluntary departure lets you leave, during a programme without a fine."
        ),
        _(
            "Not sure which applies to you? Ask {immigration} (immigration, interpreters "
            "available). I keep only this choice."
        ).format(immigration=f"<b>{contact(contacts, 'immigration')}</b>"),
    )

    def choice(track: Track) -> InlineKeyboardButton:
        label = ("✓ " if track is current else "") + track_label(track)
        if checklist:
            return button(label, ChecklistCb(action="track", item=track.value))
        return button(label, DepartureCb(screen="track", value=track.value))

    if current is None:
        back = back_to_menu_button()
    elif checklist:
        back = button(back_label(), ChecklistCb(action="show"))
    else:
        back = button(back_label(), MenuCb(section="departure"))
    return Screen(text, keyboard([choice(Track.LEGAL)], [choice(Track.IRREGULAR)], [back]))
