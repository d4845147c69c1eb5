"""The main menu's sections. A feature plugs in by adding its section here and handling
`MenuCb(section=<key>)` in its router; nothing else needs to change.

"Who are you" orders the menu: what a family member at home needs comes first for them (the
family section, questions, contacts), a worker sees departure and EPS first, someone thinking
about working in Korea sees the EPS guide first. Every section stays in every menu (except the
family section, one tap away in ❓ Questions and /family for anyone who looks for it), so nothing
is out of reach after a wrong answer."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from storage.users import Audience, UserRecord


@dataclass(frozen=True, slots=True)
class MenuSection:
    key: str
    label: LazyProxy
    help_line: LazyProxy
    staff_only: bool = False
    # Only these audiences see it in the menu (None: everyone); its command works for all.
    audiences: frozenset[Audience] | None = None

    def visible_to(self, record: UserRecord | None) -> bool:
        if self.staff_only and (record is None or not record.is_staff):
            return False
        if self.audiences is None:
            return True
        return record is not None and record.audience in self.audiences


MENU_SECTIONS: tuple[MenuSection, ...] = (
    MenuSection(
        key="eps",
        label=__("🇰🇷 Legal work (EPS)"),
        help_line=__(
            "🇰🇷 <b>Legal work (EPS)</b>: how EPS works, where Kazakhstan's accession stands, "
            "and a self-check of the requirements."
        ),
    ),
    MenuSection(
        key="departure",
        label=__("🛫 Leaving Korea"),
        help_line=__(
            "🛫 <b>Leaving Korea</b>: at the end of a contract or after an irregular stay; "
            "your checklist and reminders before the flight."
        ),
    ),
    MenuSection(
        key="family",
        label=__("👪 For families"),
        help_line=__(
            "👪 <b>For families</b>: helping a relative in Korea, scams, following their departure."
        ),
        audiences=frozenset({Audience.FAMILY}),
    ),
    MenuSection(
        key="questions",
        label=__("❓ Questions"),
        help_line=__(
            "❓ <b>Questions</b>: answers by topic, or type your question in any language; "
            "/ask puts it to a person."
        ),
    ),
    MenuSection(
        key="reminders",
        label=__("⏰ Reminders"),
        help_line=__(
            "⏰ <b>Reminders</b>: I remind you of a flight, a deadline or anything else at the "
            "time you choose, in your time zone."
        ),
    ),
    MenuSection(
        key="announcements",
        label=__("📢 Announcements"),
        help_line=__("📢 <b>Announcements</b>: news from the team; mute them if you like."),
    ),
    MenuSection(
        key="contacts",
        label=__("☎️ Contacts"),
        help_line=__("☎️ <b>Contacts</b>: emergency numbers and help lines."),
    ),
    MenuSection(
        key="mydata",
        label=__("🔒 My data"),
        help_line=__("🔒 <b>My data</b>: see everything I store about you and delete it."),
    ),
    MenuSection(
        key="privacy",
        label=__("🛡 Privacy"),
        help_line=__("🛡 <b>Privacy</b>: what I store, why, and how to erase it."),
    ),
    MenuSection(
        key="language",
        label=__("🌐 Language"),
        help_line=__("🌐 <b>Language</b>: switch between Kazakh, Russian and English."),
    ),
    MenuSection(
        key="staff",
        label=__("🛠 Staff"),
        help_line=__(
            "🛠 <b>Staff</b>: /announce, /stats, /tracker, /programme, /recheck, FAQ /faq; "
            "for admins, /staff."
        ),
        staff_only=True,
    ),
    MenuSection(
        key="help",
        label=__("ℹ️ Help"),
        help_line=__("ℹ️ <b>Help</b>: what I can do and how to use me."),
    ),
)


# The sections each audience sees first; the others follow in MENU_SECTIONS order.
FIRST_FOR: dict[Audience, tuple[str, ...]] = {
    Audience.WORKER: ("eps", "departure", "questions"),
    Audience.FAMILY: ("family", "questions", "contacts", "departure", "eps"),
    Audience.OTHER: ("eps", "questions", "contacts"),
}


def visible_sections(record: UserRecord | None) -> list[MenuSection]:
    sections = [section for section in MENU_SECTIONS if section.visible_to(record)]
    first = FIRST_FOR.get(record.audience, ()) if record and record.audience else ()
    rank = {key: position for position, key in enumerate(first)}
    # sorted() is stable: sections not named keep their order after the named ones.
    return sorted(sections, key=lambda section: rank.get(section.key, len(rank)))
