"""The departure checklist as data: items, their groups, and each item's "how to" text, per
departure track.

Irregular track (voluntary departure): the three required items are the documents the
procedure asks for (facts §8.1, §8.3: passport, voluntary-departure report, air ticket); the
recommended ones protect what a worker is owed (§9.1, §9.2) and make the last days easier.

Legal track (end of contract, valid visa): no report. Passport and ticket are required; the
recommended items are what is owed and refunded (§9.1, §9.1a, §9.2), the residence card (no
confirmed rule: the item says so and who can answer), accounts and papers to keep.

Items are shared by key between the tracks (passport, ticket, wages, insurance, money): a tick
is stored per key, so switching tracks keeps it; an item of the other track is only not shown.

Prose lives in the catalogs; numbers, dates and
phone numbers come from the facts (`contacts`, `departure.procedure`), so staff can change them.
Each item names the facts its "how to" states, and the screen ends with their source lines.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.content.facts import contact as official_contact
from bot.departure.plan import INSURANCE_ITEM, REPORT_ITEM, DeparturePlan, ProcedureRules, Track
from bot.formatting import format_day
from bot.i18n import current_locale
from bot.quantities import days_text, hours_text
from storage.checklists import Checklist
from storage.content import Fact

# §9.2: the day labour inspectors stopped having to report a wage claimant's status.
NO_STATUS_REPORT_SINCE = date(2025, 11, 6)
# §9.1a: the National Pension refund rule and its line (the fact's value wins over this).
PENSION_FACT = "departure.pension_refund"
PENSION_LINE = "1355"


class Group(StrEnum):
    REQUIRED = "required"
    RECOMMENDED = "recommended"


@dataclass(frozen=True, slots=True)
class HowToContext:
    """What a "how to" text may use: the facts by key, the procedure numbers, and the user's
    plan (None until a flight date is set)."""

    facts: Mapping[str, Fact]
    rules: ProcedureRules
    plan: DeparturePlan | None

    def contact(self, name: str) -> str:
        return f"<b>{official_contact(self.facts.get('contacts'), name)}</b>"


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    key: str  # short and stable: it is stored per user and travels in callback data
    group: Group
    label: LazyProxy
    how_to: Callable[[HowToContext], str]
    facts: tuple[str, ...]  # the facts the "how to" states; their source lines close the screen


def _passport(ctx: HowToContext) -> str:
    # Facts §9.3: what to do about a withheld passport is UNCONFIRMED, so only the lines to call.
    return _(
        "<b>Valid passport in hand</b>\n"
        "You need your own valid passport for the departure report and at the airport. Check "
        "that it has not expired and that it is with you.\n\n"
        "<b>If your employer keeps your passport, or it is lost</b>\n"
        "❔ The rules on this are not confirmed by an official source, so I will not guess. "
        "Please call {immigration} (immigration, interpreters available), {labour} or {hrd} "
        "(labour questions), or contact the Embassy of Kazakhstan in Seoul or the Consulate "
        "General in Busan, for example about a travel document to return home."
    ).format(
        immigration=ctx.contact("immigration"),
        labour=ctx.contact("labour"),
        hrd=ctx.contact("hrd"),
    )


def _report(ctx: HowToContext) -> str:
    rules = ctx.rules
    if ctx.plan is None:
        dates = _("Add your flight date to the checklist and I will work out your dates.")
    else:
        dates = _("For your flight on {flight}: from {opens} to {closes}.").format(
            flight=format_day(ctx.plan.flight_day, current_locale()),
            opens=format_day(ctx.plan.opens, current_locale()),
            closes=format_day(ctx.plan.closes, current_locale()),
        )
    return _(
        "<b>Voluntary-departure report</b>\n"
        "Make it no earlier than {earliest} and no later than {latest} before the flight; "
        "Korean public holidays do not count towards the {latest}.\n"
        "{dates}\n\n"
        "<b>How</b>\n"
        "• in person, at the immigration office responsible for your place of residence;\n"
        "• or online at {hikorea}, once the ticket is booked: you enter your details, the "
        "planned date, the departure airport and the flight number.\n"
        "Some people must go in person: those who used a forged passport, whose identity does "
        "not match their passport, who entered Korea illegally, who have a criminal record, or "
        "who left Jeju after a visa-free entry.\n\n"
        "<b>On the day</b>\n"
        "Bring the printed report form and copies of your passport and ticket to the "
        "immigration office at the departure airport at least {hours} before the flight.\n"
        "Questions: {immigration} (immigration, interpreters available)."
    ).format(
        earliest=days_text(rules.report_max_days),
        latest=days_text(rules.report_min_days),
        dates=dates,
        hikorea=ctx.contact("hikorea"),
        hours=hours_text(rules.airport_hours),
        immigration=ctx.contact("immigration"),
    )


def _ticket(ctx: HowToContext) -> str:
    return _(
        "<b>Air ticket</b>\n"
        "Book the ticket before the report: the online report asks for the departure date, "
        "the airport and the flight number, and it is possible only once the ticket is booked. "
        "Bring a copy of the ticket to the airport together with the printed report form.\n\n"
        "Then add the flight date to this checklist (the ✈️ button): I will work out your "
        "reporting dates and remind you."
    )


def _wages(ctx: HowToContext) -> str:
    return _(
        "<b>Wages and severance pay</b>\n"
        "Before you leave, make sure you have been paid everything you are owed. Your right to "
        "your wages does not depend on your visa status.\n"
        "Since {since}, labour inspectors no longer have to report a worker's irregular stay to "
        "immigration when the worker is owed wages.\n\n"
        "<b>Where to complain</b>: the regional labour office of Korea's Ministry of Employment "
        "and Labor. Evidence that helps: bank deposit records, attendance logs, text or "
        "KakaoTalk messages, a contract.\n"
        "<b>Help</b>: {labour} (labour questions), {hrd} (counselling centre for foreign "
        "workers), {ai_labour} (AI labour-law advice: free, around the clock, no personal data "
        "needed)."
    ).format(
        since=format_day(NO_STATUS_REPORT_SINCE, current_locale()),
        labour=ctx.contact("labour"),
        hrd=ctx.contact("hrd"),
        ai_labour=ctx.contact("ai_labour"),
    )


def _insurance(ctx: HowToContext) -> str:
    return _(
        "<b>Departure-guarantee insurance (출국만기보험)</b>\n"
        "⚠️ Only for workers who came under EPS with an E-9 visa. If you came to Korea without "
        "an E-9 visa, it does not apply to you: skip this item.\n\n"
        "The employer pays into it, and it stands in for severance pay. It is paid to a worker "
        "who leaves Korea or changes workplace after 1 year or more of service.\n"
        "<b>To claim</b>: an application, a copy of a bankbook in your name, and a copy of your "
        "passport or residence card. The money can be paid to a Korean account after your "
        "departure is confirmed, or to an account at home.\n\n"
        "Return cost insurance (also E-9 only): submit a Departure Schedule Confirmation to the "
        "Job Center one month before departure, then claim it from Samsung Fire & Marine "
        "Insurance.\n"
        "<b>Help</b>: {hrd} (counselling centre for foreign workers), {eps}."
    ).format(hrd=ctx.contact("hrd"), eps=ctx.contact("eps"))


def _money(ctx: HowToContext) -> str:
    return _(
        "<b>Money, bank account and phone</b>\n"
        "Send your savings home before the flight, and settle your Korean bank account and "
        "phone contract: close them, or ask the bank and the operator what happens to them "
        "after you leave.\n\n"
        "Insurance money can be paid to a Korean account after your departure is confirmed, or "
        "to an account at home. If you are still waiting for such money, keep the account you "
        "gave for it open until it arrives."
    )


def _belongings(ctx: HowToContext) -> str:
    return _(
        "<b>Belongings</b>\n"
        "Pack in good time and check the baggage allowance on your ticket. Keep in your hand "
        "luggage what you need at the airport: your passport, the printed report form and "
        "copies of your passport and ticket."
    )


# -- the legal track's own "how to" texts (the shared insurance and money texts fit both) ------


def _passport_legal(ctx: HowToContext) -> str:
    # Facts §9.3: what to do about a withheld passport is UNCONFIRMED, so only the lines to call.
    return _(
        "<b>Valid passport in hand</b>\n"
        "Check that your passport has not expired and that it is with you: you need it at the "
        "airport, and a copy of it for insurance claims.\n\n"
        "<b>If your employer keeps your passport, or it is lost</b>\n"
        "❔ The rules on this are not confirmed by an official source, so I will not guess. "
        "Please call {immigration} (immigration, interpreters available), {labour} or {hrd} "
        "(labour questions), or contact the Embassy of Kazakhstan in Seoul or the Consulate "
        "General in Busan."
    ).format(
        immigration=ctx.contact("immigration"),
        labour=ctx.contact("labour"),
        hrd=ctx.contact("hrd"),
    )


def _ticket_legal(ctx: HowToContext) -> str:
    return _(
        "<b>Air ticket</b>\n"
        "Book your ticket in good time. If you have return cost insurance (E-9 only), the "
        "Departure Schedule Confirmation goes to the Job Center one month before departure, so "
        "it helps to know your date early.\n\n"
        "Then add the flight date to this checklist (the ✈️ button): I will remind you a month "
        "before about the insurance, two days before about what is still open, and on the "
        "flight day."
    )


def _wages_legal(ctx: HowToContext) -> str:
    return _(
        "<b>Wages and severance pay</b>\n"
        "Before you leave, make sure you have been paid everything you are owed. With an E-9 "
        "visa, the departure-guarantee insurance stands in for severance pay (see that item). "
        "For other visas, ask {labour} or {hrd} what you are owed.\n\n"
        "<b>Where to complain</b>: the regional labour office of Korea's Ministry of Employment "
        "and Labor. Evidence that helps: bank deposit records, attendance logs, text or "
        "KakaoTalk messages, a contract.\n"
        "<b>Help</b>: {labour} (labour questions), {hrd} (counselling centre for foreign "
        "workers), {ai_labour} (AI labour-law advice: free, around the clock, no personal data "
        "needed)."
    ).format(
        labour=ctx.contact("labour"),
        hrd=ctx.contact("hrd"),
        ai_labour=ctx.contact("ai_labour"),
    )


def _pension_line(ctx: HowToContext) -> str:
    fact = ctx.facts.get(PENSION_FACT)
    line = str(fact.value.get("line", "")) if fact is not None else ""
    return f"<b>{escape(line or PENSION_LINE)}</b>"


def _pension(ctx: HowToContext) -> str:
    # Facts §9.1a: the rule is H; whether Kazakhstan qualifies by reciprocity is L, not stated.
    return _(
        "<b>National Pension refund (반환일시금)</b>\n"
        "If you paid into Korea's National Pension, you can get your contributions back with "
        "interest as a lump sum when you leave Korea for good.\n"
        "• With an E-8, E-9 or H-2 visa the refund is paid whatever your citizenship.\n"
        "• With another visa it depends on your country. ❔ Whether Kazakhstan qualifies is not "
        "confirmed by an official source: ask the National Pension Service, {pension}, before "
        "you count on it.\n\n"
        "The refund is paid after your departure is confirmed; Incheon airport has a refund "
        "service. Questions: {pension} (National Pension Service)."
    ).format(pension=_pension_line(ctx))


def _residence_card(ctx: HowToContext) -> str:
    # No confirmed rule on handing in the card at departure: said so, with who can answer.
    return _(
        "<b>Residence card (외국인등록증)</b>\n"
        "❔ Whether you hand in your residence card at the airport when you leave is not "
        "confirmed by an official source, so I will not guess. Please ask {immigration} "
        "(immigration, interpreters available) before your flight, and keep the card with your "
        "passport until then.\n\n"
        "A copy of your residence card or passport is one of the documents for claiming the "
        "departure-guarantee insurance (E-9)."
    ).format(immigration=ctx.contact("immigration"))


def _papers(ctx: HowToContext) -> str:
    return _(
        "<b>Papers to keep</b>\n"
        "Keep your labour contract, payslips, bank statements and the papers of your insurance "
        "and pension claims, on paper or as photos. They help if a payment is late or you have "
        "a question later, and if you ever apply to work in Korea again.\n\n"
        "Insurance money can be paid to an account at home after you leave: keep the papers of "
        "your claim until it has arrived.\n\n"
        "This is common-sense advice: keeping them does not promise a way back to Korea."
    )


ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "passport",
        Group.REQUIRED,
        __("Valid passport in hand"),
        _passport,
        ("departure.programme", "contacts"),
    ),
    ChecklistItem(
        REPORT_ITEM,
        Group.REQUIRED,
        __("Voluntary-departure report"),
        _report,
        ("departure.procedure", "departure.online", "contacts"),
    ),
    ChecklistItem(
        "ticket",
        Group.REQUIRED,
        __("Air ticket"),
        _ticket,
        ("departure.programme", "departure.online"),
    ),
    ChecklistItem(
        "wages",
        Group.RECOMMENDED,
        __("Wages and severance pay settled"),
        _wages,
        ("departure.wages", "departure.wage_rights", "contacts"),
    ),
    ChecklistItem(
        "insurance",
        Group.RECOMMENDED,
        __("Departure-guarantee insurance (E-9 only)"),
        _insurance,
        ("departure.insurance", "departure.money_home", "contacts"),
    ),
    ChecklistItem(
        "money",
        Group.RECOMMENDED,
        __("Money home, bank and phone closed"),
        _money,
        ("departure.money_home",),
    ),
    ChecklistItem(
        "belongings",
        Group.RECOMMENDED,
        __("Belongings packed"),
        _belongings,
        ("departure.online",),
    ),
)

# The legal track's checklist: no report; shared keys keep their ticks across a switch.
LEGAL_ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "passport",
        Group.REQUIRED,
        __("Valid passport in hand"),
        _passport_legal,
        ("departure.insurance", "contacts"),
    ),
    ChecklistItem(
        "ticket", Group.REQUIRED, __("Air ticket"), _ticket_legal, ("departure.insurance",)
    ),
    ChecklistItem(
        "wages",
        Group.RECOMMENDED,
        __("Wages and severance pay settled"),
        _wages_legal,
        ("departure.insurance", "departure.wage_rights", "contacts"),
    ),
    ChecklistItem(
        INSURANCE_ITEM,
        Group.RECOMMENDED,
        __("Departure-guarantee insurance (E-9 only)"),
        _insurance,
        ("departure.insurance", "departure.money_home", "contacts"),
    ),
    ChecklistItem(
        "pension",
        Group.RECOMMENDED,
        __("National Pension refund"),
        _pension,
        (PENSION_FACT, "departure.pension_details"),
    ),
    ChecklistItem(
        "arc",
        Group.RECOMMENDED,
        __("Residence card at departure"),
        _residence_card,
        ("departure.insurance", "contacts"),
    ),
    ChecklistItem(
        "money",
        Group.RECOMMENDED,
        __("Money home, bank and phone closed"),
        _money,
        ("departure.money_home",),
    ),
    ChecklistItem(
        "papers",
        Group.RECOMMENDED,
        __("Papers kept for later"),
        _papers,
        ("departure.money_home",),
    ),
)

TRACK_ITEMS: dict[Track, tuple[ChecklistItem, ...]] = {
    Track.IRREGULAR: ITEMS,
    Track.LEGAL: LEGAL_ITEMS,
}

# The irregular track's, as before the tracks (a missing track reads as irregular).
ITEMS_BY_KEY: dict[str, ChecklistItem] = {item.key: item for item in ITEMS}
ITEM_KEYS: tuple[str, ...] = tuple(ITEMS_BY_KEY)
LEGAL_ITEM_KEYS: tuple[str, ...] = tuple(item.key for item in LEGAL_ITEMS)
SHARED_KEYS: frozenset[str] = frozenset(ITEM_KEYS) & frozenset(LEGAL_ITEM_KEYS)


def items_of(track: Track | None) -> tuple[ChecklistItem, ...]:
    return TRACK_ITEMS[track or Track.IRREGULAR]


def item_of(track: Track | None, key: str) -> ChecklistItem | None:
    return next((item for item in items_of(track) if item.key == key), None)


def item_label(key: str) -> str | None:
    """An item's label whichever track it belongs to (a reminder lists open items by key)."""
    item = ITEMS_BY_KEY.get(key) or next((i for i in LEGAL_ITEMS if i.key == key), None)
    return str(item.label) if item is not None else None


def items_in(group: Group, track: Track | None = None) -> tuple[ChecklistItem, ...]:
    return tuple(item for item in items_of(track) if item.group is group)


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int


def progress(done: Collection[str], group: Group, track: Track | None = None) -> Progress:
    members = items_in(group, track)
    return Progress(sum(1 for item in members if item.key in done), len(members))


def open_items(done: Collection[str], track: Track | None = None) -> tuple[ChecklistItem, ...]:
    return tuple(item for item in items_of(track) if item.key not in done)


def progress_lines(done: Collection[str], track: Track | None = None) -> list[str]:
    """'Required: 2 of 3 done' and 'Recommended: 1 of 4 done', in the current language."""
    required = progress(done, Group.REQUIRED, track)
    recommended = progress(done, Group.RECOMMENDED, track)
    return [
        _("<b>Required</b>: {done} of {total} done").format(
            done=required.done, total=required.total
        ),
        _("<b>Recommended</b>: {done} of {total} done").format(
            done=recommended.done, total=recommended.total
        ),
    ]


def track_name(track: Track) -> str:
    """The situation as /mydata and the track question name it."""
    if track is Track.LEGAL:
        return _("leaving at the end of the contract or with a valid visa")
    return _("the stay has become irregular")


def checklist_data_line(state: Checklist, locale: str) -> str:
    """The /mydata line: exactly what the checklist stores (the situation chosen, a date and
    ticks, nothing else)."""
    track = Track.of(state.track)
    items = items_of(track)
    ticked = sum(1 for item in items if item.key in state.done)
    if state.flight_day is None:
        line = _("• Departure checklist (/checklist): {done} of {total} items ticked").format(
            done=ticked, total=len(items)
        )
    else:
        line = _(
            "• Departure checklist (/checklist): flight {date}, {done} of {total} items ticked"
        ).format(date=format_day(state.flight_day, locale), done=ticked, total=len(items))
    if track is None:
        return line
    return (
        line
        + "\n"
        + _("• Your situation for 🛫 Leaving Korea: {situation}").format(
            situation=track_name(track)
        )
    )
