"""The main menu's sections, in display order. A feature plugs in by adding its section here
and handling `MenuCb(section=<key>)` in its router; nothing else needs to change."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from storage.users import UserRecord


@dataclass(frozen=True, slots=True)
class MenuSection:
    key: str
    label: LazyProxy
    help_line: LazyProxy
    staff_only: bool = False

    def visible_to(self, record: UserRecord | None) -> bool:
        return not self.staff_only or (record is not None and record.is_staff)


MENU_SECTIONS: tuple[MenuSection, ...] = (
    MenuSection(
        key="eps",
        label=__("🇰🇷 Legal work (EPS)"),
        help_line=__(
            "🇰🇷 <b>Legal work (EPS)</b>: how Korea's Employment Permit System works, where "
            "Kazakhstan's accession stands, and a self-check of the requirements."
        ),
    ),
    MenuSection(
        key="departure",
        label=__("🛫 Leaving Korea"),
        help_line=__(
            "🛫 <b>Leaving Korea</b>: voluntary departure step by step, your personal checklist "
            "and reminders before the flight."
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
            "🛠 <b>Staff</b>: announcements /announce, statistics /stats, the tracker /tracker, "
            "the programme /programme, re-checks /recheck; for admins, staff /staff."
        ),
        staff_only=True,
    ),
    MenuSection(
        key="help",
        label=__("❓ Help"),
        help_line=__("❓ <b>Help</b>: what I can do and how to use me."),
    ),
)


def visible_sections(record: UserRecord | None) -> list[MenuSection]:
    return [section for section in MENU_SECTIONS if section.visible_to(record)]
