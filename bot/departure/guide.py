"""🛫 Leaving Korea, as the user reads it: the voluntary-departure guide and the officer card.

Every date, number and phone comes from the content facts (staff change them without a
deploy); the prose is in the catalogs. Each screen that states a fact ends with its source
lines. The programme's status is computed from the clock on every view, so a window that has
ended is never shown as open. The screens are pure functions of the facts and the day; the
staff editor previews `programme_screen` exactly as users will see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.content.facts import contact, localized, sources_line, unconfirmed_line
from bot.departure.checklist import PENSION_FACT, PENSION_LINE
from bot.departure.plan import Track
from bot.departure.programme import (
    PROGRAMME_KEY,
    CardChoice,
    ProgrammeWindow,
    WindowStatus,
    officer_card,
    officer_card_korean,
    programme_state,
)
from bot.departure.tracks import change_track_button, track_screen
from bot.formatting import format_day
from bot.i18n import current_locale
from bot.telegram.callbacks import ChecklistCb, DepartureCb
from bot.telegram.dialogue import back_label, out_of_date_text
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, join, keyboard
from storage.content import Fact

GUIDE_KEYS = (
    PROGRAMME_KEY,
    "departure.procedure",
    "departure.online",
    "departure.benefits",
    "departure.excluded",
    "departure.excluded_past",
    "contacts",
    # the legal track's screen
    "departure.insurance",
    PENSION_FACT,
)


def _day(value: date) -> str:
    return format_day(value, current_locale())


def _sources(*facts: Fact) -> str:
    """The sources of the facts a screen states, in one line."""
    return sources_line(facts)


# -- what users see -----------------------------------------------------------------------------


def status_line(window: ProgrammeWindow, today: date, contacts: Fact) -> str:
    """One line: upcoming (in N days) / open now (N days left) / ended on ... (call 1345)."""
    state = programme_state(window, today)
    if state.status is WindowStatus.UPCOMING:
        return ngettext(
            "⏳ The programme starts on {start}, in {count} day.",
            "⏳ The programme starts on {start}, in {count} days.",
            state.days,
        ).format(start=_day(window.start), count=state.days)
    if state.status is WindowStatus.OPEN:
        if state.days == 1:
            return _("✅ The programme is open now. Today, {end}, is its last day.").format(
                end=_day(window.end)
            )
        return ngettext(
            "✅ The programme is open now: {count} day left, until {end} inclusive.",
            "✅ The programme is open now: {count} days left, until {end} inclusive.",
            state.days,
        ).format(count=state.days, end=_day(window.end))
    return _(
        "⛔ The programme ended on {end}. An extension has not been confirmed: please call "
        "{immigration} before you act."
    ).format(end=_day(window.end), immigration=contact(contacts, "immigration"))


def _no_eps_guarantee() -> str:
    return _(
        "⚠️ Leaving voluntarily does not guarantee that you can later come to work in Korea "
        "through EPS: no rule on this has been found."
    )


def root_screen(facts: dict[str, Fact], today: date) -> Screen:
    programme, contacts = facts[PROGRAMME_KEY], facts["contacts"]
    window = ProgrammeWindow.from_value(programme.value)
    ended = programme_state(window, today).status is WindowStatus.ENDED
    text = join(
        _(
            "<b>🛫 Voluntary departure</b>\n"
            "If your stay in Korea has become irregular, you can report to Korean immigration "
            "yourself and fly home: this is voluntary departure (자진출국). During a programme "
            "you leave without a fine and Korea defers the entry ban; this is not a guarantee "
            "of a visa later."
        ),
        _("<b>Programme window</b>") + "\n" + status_line(window, today, contacts),
        _("Choose what you want to know:"),
        _sources(programme, *((contacts,) if ended else ())),
    )
    markup = keyboard(
        [button(_("❓ What it is"), DepartureCb(screen="what"))],
        [button(_("👥 Who can use it"), DepartureCb(screen="who"))],
        [button(_("📍 Where & when to report"), DepartureCb(screen="where"))],
        [button(_("📅 Programme window"), DepartureCb(screen="programme"))],
        [button(_("🪪 Card for the immigration officer"), DepartureCb(screen="card"))],
        [button(_("✅ My checklist"), ChecklistCb(action="show"))],
        [change_track_button(checklist=False)],
        [back_to_menu_button()],
    )
    return Screen(text, markup)


def legal_screen(facts: dict[str, Fact]) -> Screen:
    """The legal track's guide: leaving at the end of the contract or with a valid visa. What
    to settle before the flight, with the unconfirmed points said to be so, and who answers;
    the checklist's "how to" screens have the details."""
    contacts = facts["contacts"]
    pension = facts.get(PENSION_FACT)
    pension_line = str(pension.value.get("line", "")) if pension is not None else ""
    text = join(
        _(
            "<b>🛫 Leaving at the end of your contract</b>\n"
            "You are leaving with a valid visa. The voluntary-departure report is only for "
            "people whose stay has become irregular, so it is not on your list."
        ),
        _("<b>Before you fly</b>")
        + "\n"
        + "\n".join(
            [
                _("• wages and severance pay settled;"),
                _(
                    "• departure-guarantee and return cost insurance (E-9 only): the Departure "
                    "Schedule Confirmation goes to the Job Center a month before departure;"
                ),
                _(
                    "• National Pension refund: paid for E-8, E-9 and H-2 visas; for other "
                    "visas ask {pension} (National Pension Service);"
                ).format(pension=f"<b>{escape(pension_line or PENSION_LINE)}</b>"),
                _("• bank account and phone;"),
                _("• papers to keep: contract, payslips, insurance papers."),
            ]
        ),
        _(
            "❔ Whether you hand in your residence card at departure is not confirmed by an "
            "official source: ask {immigration} (immigration, interpreters available)."
        ).format(immigration=f"<b>{contact(contacts, 'immigration')}</b>"),
        _("Your checklist has a «how to» for each item, with where to ask."),
        _sources(
            *(fact for fact in (facts.get("departure.insurance"), pension) if fact is not None),
            contacts,
        ),
    )
    markup = keyboard(
        [button(_("✅ My checklist"), ChecklistCb(action="show"))],
        [change_track_button(checklist=False)],
        [back_to_menu_button()],
    )
    return Screen(text, markup)


def section_screen(facts: dict[str, Fact], today: date, track: Track | None) -> Screen:
    """The 🛫 section's first screen: the question while no track is stored, else the guide
    of the user's track."""
    if track is None:
        return track_screen(None, facts["contacts"], checklist=False)
    if track is Track.LEGAL:
        return legal_screen(facts)
    return root_screen(facts, today)


def _back_keyboard() -> InlineKeyboardMarkup:
    return keyboard([button(back_label(), DepartureCb(screen="root"))])


def what_screen(facts: dict[str, Fact]) -> str:
    contacts = facts["contacts"]
    return join(
        _(
            "<b>❓ What voluntary departure is</b>\n"
            "A foreigner whose stay has become irregular goes to Korean immigration on their "
            "own, reports the departure and leaves Korea. This is not deportation: you choose "
            "the day and fly on your own ticket."
        ),
        _(
            "<b>What a programme spares you</b>\n"
            "Korea waives the fine (범칙금) and defers the entry ban (입국규제 유예) for those who "
            "leave within the window. A deferred ban is not the same as no ban, and no visa "
            "later is promised."
        ),
        _(
            "<b>What it does not do</b>\n"
            "• It does not cover everyone: see «Who can use it».\n"
            "• Outside a programme, or if you are not covered, fines owed are paid to "
            "immigration before you leave."
        ),
        _(
            "⚠️ Not confirmed: the usual entry-ban rules outside a programme (the rules found "
            "are old), and whether leaving voluntarily helps you later come to work through EPS "
            "(no rule found)."
        ),
        unconfirmed_line(contacts),
        _sources(facts["departure.benefits"], facts["departure.online"]),
    )


def who_screen(facts: dict[str, Fact], today: date) -> str:
    """Who the programme covers and whom it excludes, as the Ministry of Justice's notice for
    this programme says; once it has ended, its status first and in the past tense."""
    programme, contacts = facts[PROGRAMME_KEY], facts["contacts"]
    window = ProgrammeWindow.from_value(programme.value)
    ended = programme_state(window, today).status is WindowStatus.ENDED
    cutoff = _day(window.irregular_before) if window.irregular_before else None
    if ended:
        covered = (
            _(
                "It was for foreigners whose stay in Korea became irregular before {cutoff}; "
                "citizens of Kazakhstan were covered."
            ).format(cutoff=cutoff)
            if cutoff
            else _("Citizens of Kazakhstan were covered.")
        )
        covered = status_line(window, today, contacts) + "\n" + covered
    elif cutoff:
        covered = _(
            "The programme is for foreigners whose stay in Korea became irregular before "
            "{cutoff}. Citizens of Kazakhstan are covered: Kazakhstan's Ministry of Labour and "
            "Social Protection of the Population confirmed it."
        ).format(cutoff=cutoff)
    else:
        covered = _(
            "The programme is for foreigners whose stay in Korea became irregular before the "
            "date the programme sets. Citizens of Kazakhstan are covered: Kazakhstan's Ministry "
            "of Labour and Social Protection of the Population confirmed it."
        )
    late = (
        _("• people whose stay became irregular on or after {cutoff}.").format(cutoff=cutoff)
        if cutoff
        else _("• people whose stay became irregular after the programme's cut-off date.")
    )
    excluded = [
        _("<b>Not covered</b>"),
        _("• people who entered Korea illegally (smuggled in);"),
        _("• people who used a forged or altered passport;"),
        _("• people who committed criminal offences and are subject to deportation;"),
        _("• people who did not obey a departure order;"),
        late,
    ]
    return join(
        _("<b>👥 Who can use it</b>") + "\n" + covered,
        _(
            "You need: a valid passport, the voluntary-departure report form (자진출국 신고서) "
            "and an air ticket."
        ),
        "\n".join(excluded),
        _(
            "If one of these may apply to you, or you are not sure, call {immigration} "
            "(interpreters available) before you buy a ticket."
        ).format(immigration=contact(contacts, "immigration")),
        _sources(facts["departure.excluded"], programme, contacts),
    )


def where_screen(facts: dict[str, Fact]) -> str:
    procedure, contacts = facts["departure.procedure"], facts["contacts"]
    min_days = int(procedure.value.get("report_min_days", 3))
    max_days = int(procedure.value.get("report_max_days", 15))
    hours = int(procedure.value.get("airport_hours", 4))
    return join(
        _(
            "<b>📍 Where and when to report</b>\n"
            "Report {min_days} to {max_days} days before your departure (Korean public holidays "
            "do not count), in person or online. Take your passport, the voluntary-departure "
            "report form (자진출국 신고서) and your air ticket."
        ).format(min_days=min_days, max_days=max_days),
        _(
            "<b>1. In person</b>\n"
            "At the immigration office (출입국·외국인청) responsible for your place of residence."
        ),
        _(
            "<b>2. Online on HiKorea</b> ({hikorea})\n"
            "Once your ticket is booked: enter your details, the departure date, the airport and "
            "the flight number."
        ).format(hikorea=contact(contacts, "hikorea"))
        + "\n"
        + ngettext(
            "On departure day, come to the immigration office at the airport at least {count} "
            "hour before the flight, with the printed report form and copies of your passport "
            "and ticket. There you get a voluntary-departure confirmation and, after the checks "
            "and paying any fine owed, you fly.",
            "On departure day, come to the immigration office at the airport at least {count} "
            "hours before the flight, with the printed report form and copies of your passport "
            "and ticket. There you get a voluntary-departure confirmation and, after the checks "
            "and paying any fine owed, you fly.",
            hours,
        ).format(count=hours),
        _(
            "<b>Who cannot report online</b> and must go in person: people who used a forged "
            "passport, whose identity does not match their passport, who entered Korea "
            "illegally, who have a criminal punishment record, or who left Jeju after entering "
            "it visa-free."
        ),
        _("Not sure which way is yours? Call {immigration} (interpreters available).").format(
            immigration=contact(contacts, "immigration")
        ),
        _sources(procedure, facts["departure.online"], contacts),
    )


def programme_screen(facts: dict[str, Fact], today: date) -> str:
    """The window's status first, then the window (in the past tense once it ended), the staff
    note and the sources: exactly what staff preview before publishing a change."""
    programme, procedure, contacts = (
        facts[PROGRAMME_KEY],
        facts["departure.procedure"],
        facts["contacts"],
    )
    window = ProgrammeWindow.from_value(programme.value)
    ended = programme_state(window, today).status is WindowStatus.ENDED
    start, end = _day(window.start), _day(window.end)
    cutoff = _day(window.irregular_before) if window.irregular_before else None
    if ended:
        span = (
            _(
                "It ran from {start} to {end} and covered people whose stay became irregular "
                "before {cutoff}."
            ).format(start=start, end=end, cutoff=cutoff)
            if cutoff
            else _("It ran from {start} to {end}.").format(start=start, end=end)
        )
    else:
        span = (
            _(
                "It runs from {start} to {end} inclusive and covers people whose stay became "
                "irregular before {cutoff}."
            ).format(start=start, end=end, cutoff=cutoff)
            if cutoff
            else _("It runs from {start} to {end} inclusive.").format(start=start, end=end)
        )
        span += " " + _(
            "Leaving within the window: no fine, and Korea defers the entry ban; this is not "
            "a guarantee of a visa later."
        )
    min_days = int(procedure.value.get("report_min_days", 3))
    if ended:
        # The status line above already says that an extension is not confirmed, with whom
        # to check: not said twice.
        procedure_text = ngettext(
            "Outside a programme, the usual procedure applies: report to immigration at least "
            "{count} day before your flight (see «Where & when to report»), and fines owed are "
            "paid on departure.",
            "Outside a programme, the usual procedure applies: report to immigration at least "
            "{count} days before your flight (see «Where & when to report»), and fines owed are "
            "paid on departure.",
            min_days,
        ).format(count=min_days)
    else:
        procedure_text = ngettext(
            "Report to immigration at least {count} day before your flight (see «Where & when "
            "to report»).",
            "Report to immigration at least {count} days before your flight (see «Where & when "
            "to report»).",
            min_days,
        ).format(count=min_days)
    note = localized(programme.value, "note")
    return join(
        _("<b>📅 Programme window</b>") + "\n" + status_line(window, today, contacts),
        span,
        procedure_text,
        f"📝 {note}" if note else "",
        _no_eps_guarantee(),
        _sources(
            programme, facts["departure.benefits"], procedure, *((contacts,) if ended else ())
        ),
    )


def card_screen(choice: CardChoice) -> Screen:
    """The officer card: Korean lines with their meaning below, for the office or for the
    airport after an online pre-report, with an optional line asking for an interpreter."""
    lines = [
        f"<b>{escape(line.korean)}</b>\n<i>{escape(str(line.meaning))}</i>"
        for line in officer_card(choice)
    ]
    where = (
        _("For the airport, after reporting online on HiKorea.")
        if choice.airport
        else _("For the immigration office.")
    )
    text = join(
        _(
            "<b>🪪 Card for the immigration officer</b>\n"
            "Show this screen to the officer. Below each Korean line is what it says."
        )
        + "\n"
        + where,
        "\n\n".join(lines),
        _("To show the Korean text alone, in a message of its own, press the button below."),
    )

    def card(label: str, other: CardChoice) -> InlineKeyboardButton:
        return button(label, DepartureCb(screen="card", value=other.pack()))

    def place(label: str, airport: bool) -> InlineKeyboardButton:
        # Both places stay on screen; the one shown now is ticked.
        return card(
            ("✓ " if choice.airport is airport else "") + label, replace(choice, airport=airport)
        )

    interpreter = (
        card(_("➖ Remove the interpreter line"), replace(choice, interpreter=False))
        if choice.interpreter
        else card(_("➕ I need a Russian interpreter"), replace(choice, interpreter=True))
    )
    markup = keyboard(
        [place(_("🏢 At the immigration office"), False)],
        [place(_("✈️ At the airport (reported online)"), True)],
        [interpreter],
        [
            button(
                _("📤 Korean text as a separate message"),
                DepartureCb(screen="card_send", value=choice.pack()),
            )
        ],
        [button(back_label(), DepartureCb(screen="root"))],
    )
    return Screen(text, markup)


def clean_card_text(choice: CardChoice) -> str:
    """Korean only, bold, nothing else: the message a worker holds up to the officer."""
    return "\n".join(f"<b>{escape(line)}</b>" for line in officer_card_korean(choice).splitlines())


def topic_screen(text: str) -> Screen:
    """A topic of the guide: its text, and the way back to the guide."""
    return Screen(text, _back_keyboard())


TOPICS: dict[str, Callable[[dict[str, Fact], date, str], Screen]] = {
    "root": lambda facts, today, value: root_screen(facts, today),
    "what": lambda facts, today, value: topic_screen(what_screen(facts)),
    "who": lambda facts, today, value: topic_screen(who_screen(facts, today)),
    "where": lambda facts, today, value: topic_screen(where_screen(facts)),
    "programme": lambda facts, today, value: topic_screen(programme_screen(facts, today)),
    "card": lambda facts, today, value: card_screen(CardChoice.unpack(value)),
    # Either track's guide, whatever the reader's own track (a family member reads their
    # relative's, bot/family/section.py).
    "guide_irregular": lambda facts, today, value: root_screen(facts, today),
    "guide_legal": lambda facts, today, value: legal_screen(facts),
}


def build(
    screen: str,
    facts: dict[str, Fact],
    today: date,
    value: str = "",
    track: Track | None = Track.IRREGULAR,
) -> Screen:
    """The screen a button asks for; one of an older release gets the section's start and a
    polite notice, never an error. "root" is the start of the user's track."""
    if screen == "root":
        return section_screen(facts, today, track)
    topic = TOPICS.get(screen)
    if topic is not None:
        return topic(facts, today, value)
    return section_screen(facts, today, track).with_notice(out_of_date_text())
