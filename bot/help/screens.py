"""The emergency card and the contacts screen: every number from the content facts (staff
correct them without a deploy), each screen ending with its sources."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.content.facts import contact, load_seed, sources_line
from bot.i18n import current_locale
from bot.telegram.callbacks import MenuCb
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, join, keyboard
from storage.content import Fact

HELP_KEYS = ("contacts", "emergency_lines", "consulate", "honorary_consul")
MISSIONS = ("embassy", "busan")  # the value's fields: "<mission>_phone", "<mission>_address"


def _line(facts: dict[str, Fact], name: str) -> str:
    """An emergency number; should a staff edit have dropped it, the seed's stands in: an
    emergency line must never come out blank."""
    value = facts["emergency_lines"].value.get(name)
    if not value:
        value = next(s for s in load_seed() if s.key == "emergency_lines").value[name]
    return f"<b>{escape(str(value))}</b>"


def _missions() -> str:
    """The embassy and the consulate when nobody has confirmed their numbers: the screen says
    so rather than print a number nobody checked."""
    return _(
        "The Embassy of Kazakhstan in Seoul and the Consulate General in Busan: their address "
        "and phone are not confirmed yet, so I do not show them. Check them on gov.kz, the "
        "government's official portal."
    )


def mission_name(mission: str) -> str:
    names = {
        "embassy": _("Embassy of Kazakhstan in Seoul"),
        "busan": _("Consulate General of Kazakhstan in Busan"),
    }
    return names[mission]


def confirmed_missions(consulate: Fact | None) -> bool:
    """Whether staff filled in and confirmed any mission's phone or address."""
    if consulate is None or not consulate.confirmed:
        return False
    return any(
        consulate.value.get(f"{m}_{part}") for m in MISSIONS for part in ("phone", "address")
    )


def missions_block(consulate: Fact | None) -> str:
    """The missions' phones and addresses once staff entered and confirmed them (each line what
    is known; a mission still unknown says where to check), else the "not confirmed" text."""
    if consulate is None or not confirmed_missions(consulate):
        return _missions()
    lines = []
    for mission in MISSIONS:
        known = [
            escape(str(consulate.value[f"{mission}_{part}"]))
            for part in ("phone", "address")
            if consulate.value.get(f"{mission}_{part}")
        ]
        detail = ", ".join(known) if known else _("not confirmed yet; check gov.kz")
        lines.append(f"• {mission_name(mission)}: {detail}")
    return "\n".join(lines)


def honorary_consul_line(fact: Fact | None) -> str | None:
    if fact is None or not fact.confirmed:
        return None
    names = fact.value.get("name") or {}
    name = (names.get(current_locale()) or names.get("en")) if isinstance(names, dict) else None
    if not name:
        return None
    return _(
        "• Honorary consul {name}: Chungcheong, Jeolla, Gyeongsang and Gangwon provinces; he "
        "does not issue documents."
    ).format(name=escape(str(name)))


def _mission_sources(facts: dict[str, Fact]) -> list[Fact]:
    cited = []
    if confirmed_missions(facts.get("consulate")):
        cited.append(facts["consulate"])
    if honorary_consul_line(facts.get("honorary_consul")):
        cited.append(facts["honorary_consul"])
    return cited


def emergency_card(facts: dict[str, Fact]) -> Screen:
    """Shown before anything else when a message signals danger."""
    contacts = facts["contacts"]
    text = join(
        _("🆘 <b>If you or someone near you is in danger now</b>")
        + "\n"
        + "\n".join(
            [
                _("• {number}: police").format(number=_line(facts, "police")),
                _("• {number}: ambulance and fire").format(number=_line(facts, "fire_ambulance")),
                _(
                    "• {number}: immigration help line with interpreters; it can also connect you "
                    "to other offices"
                ).format(number=f"<b>{contact(contacts, 'immigration')}</b>"),
            ]
        ),
        _(
            "These numbers are free from any phone in Korea. From Kazakhstan they may not work: "
            "families there can use the embassy or, for labour questions, {site}."
        ).format(site=contact(contacts, "ai_labour")),
        missions_block(facts.get("consulate")),
        sources_line([facts["emergency_lines"], contacts, *_mission_sources(facts)]),
    )
    markup = keyboard(
        [button(_("☎️ All contacts"), MenuCb(section="contacts"))], [back_to_menu_button()]
    )
    return Screen(text, markup)


def contacts_screen(facts: dict[str, Fact]) -> Screen:
    contacts = facts["contacts"]
    languages = contacts.value.get("immigration_languages")
    hours = contacts.value.get("immigration_hours")
    immigration = _("• {number}: immigration help line").format(
        number=f"<b>{contact(contacts, 'immigration')}</b>"
    )
    if languages and hours:
        immigration += _(" ({languages} languages, weekdays {hours})").format(
            languages=languages, hours=hours
        )
    text = join(
        _("<b>☎️ Contacts</b>"),
        _("<b>In Korea, free from any phone</b>")
        + "\n"
        + "\n".join(
            [
                _("• {police}: police · {fire}: ambulance and fire").format(
                    police=_line(facts, "police"), fire=_line(facts, "fire_ambulance")
                ),
                immigration,
                _(
                    "• {number}: Ministry of Employment and Labor call centre (its language menu "
                    "is not confirmed)"
                ).format(number=f"<b>{contact(contacts, 'labour')}</b>"),
                _("• {number}: counselling centre for foreign workers").format(
                    number=f"<b>{contact(contacts, 'hrd')}</b>"
                ),
            ]
        ),
        _("<b>Online, also from Kazakhstan</b>")
        + "\n"
        + "\n".join(
            [
                _("• {site}: labour-law questions, free, day and night").format(
                    site=contact(contacts, "ai_labour")
                ),
                _("• {site}: online services for foreigners in Korea").format(
                    site=contact(contacts, "hikorea")
                ),
            ]
        ),
        "\n".join(
            line
            for line in (
                _("<b>Kazakhstan's missions</b>"),
                missions_block(facts.get("consulate")),
                honorary_consul_line(facts.get("honorary_consul")),
            )
            if line
        ),
        _(
            "The Korean short numbers may not work from abroad: from Kazakhstan, use the online "
            "services or the embassy."
        ),
        sources_line([facts["emergency_lines"], contacts, *_mission_sources(facts)]),
    )
    return Screen(text, keyboard([back_to_menu_button()]))
