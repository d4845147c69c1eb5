"""👪 For families (the menu for family members, /family for anyone): what a family member at
home can do, each point one tap away. The answers are FAQ entries (facts with sources that staff
edit), so this screen holds no fact of its own; following a relative's departure plan is in
bot/family/ too (sharing)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.faq.screens import ask_button
from bot.telegram.callbacks import DepartureCb, FaqCb, MenuCb
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, join, keyboard

# FAQ entry ids: what families ask most, in the order a worried relative needs it.
FAMILY_ENTRIES: tuple[str, ...] = (
    "family_support",
    "scam_family_fine",
    "money_send_home",
    "family_from_kazakhstan",
    "family_no_contact",
    "family_relative_detained",
)


def _labels() -> dict[str, str]:
    return {
        "family_support": _("🤝 How to help your relative"),
        "scam_family_fine": _("⚠️ Scams aimed at families"),
        "money_send_home": _("💸 Sending money safely"),
        "family_from_kazakhstan": _("🇰🇿 What you can do from Kazakhstan"),
        "family_no_contact": _("📵 You cannot reach your relative"),
        "family_relative_detained": _("🚨 Your relative was detained"),
    }


def family_screen(follow: InlineKeyboardButton | None = None) -> Screen:
    """The section's first screen; `follow` is the "follow my relative's departure" button."""
    text = join(
        _("<b>👪 For families</b>"),
        _(
            "For those at home whose relative works in Korea: how to help them, how not to fall "
            "for scams, and what you can do from Kazakhstan."
        ),
    )
    labels = _labels()
    rows = [[follow]] if follow is not None else []
    rows += [
        [button(labels[entry], FaqCb(action="entry", entry=entry))] for entry in FAMILY_ENTRIES
    ]
    rows.append([button(_("❓ All questions for families"), FaqCb(action="topic", topic="family"))])
    rows.append([ask_button()])
    rows.append([back_to_menu_button()])
    return Screen(text, keyboard(*rows))


def family_departure_screen(follow: InlineKeyboardButton) -> Screen:
    """🛫 for a family member: the section is written to the person leaving, so a relative at
    home first learns what is theirs to do (follow the plan) and reads the steps as their
    relative's, never as their own."""
    text = join(
        _("<b>🛫 When your relative leaves Korea</b>"),
        _(
            "This section is written for the person who is leaving; the steps are theirs. "
            "What you can do:"
        ),
        _(
            "• follow your relative's plan (the flight date and how far they have got) if they "
            "share it with you, with reminders in your own time zone;\n"
            "• read what they need to do: it depends on whether their contract ends (or their "
            "visa is still valid) or their stay has become irregular."
        ),
    )
    rows = [
        [follow],
        [button(_("📖 Contract ends: their steps"), DepartureCb(screen="guide_legal"))],
        [button(_("📖 Irregular stay: their steps"), DepartureCb(screen="guide_irregular"))],
        [button(_("👪 For families"), MenuCb(section="family"))],
        # Someone who said "family" may be leaving Korea too: their own guide stays reachable.
        [button(_("🧳 I am the one leaving Korea"), DepartureCb(screen="track"))],
        [back_to_menu_button()],
    ]
    return Screen(text, keyboard(*rows))
