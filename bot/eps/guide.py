"""The EPS guide: short screens on Korea's Employment Permit System, built from facts.

Prose lives in the catalogs; every number that can change (years of stay, how long a test pass
is valid, the accession stage) comes from a fact's value, so staff can correct it without a
deploy. A statement is made only on the authority of a confirmed (H or M) fact, and the screen
ends with that fact's source line. A fact marked L or UNCONFIRMED, or one whose value lacks a
number the text needs, is never stated: the screen says the point is unconfirmed and names the
official lines instead.

Kazakhstan is not an EPS sending country yet, so the guide says so wherever a reader could take
the steps for an offer (with the stage from the tracker's "accession" fact), and describes how
EPS works in the countries that already take part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from html import escape
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.content.facts import contact, localized, sources_line, unconfirmed_line
from bot.eps.tracker import JOINED, STAGE_COUNT
from bot.formatting import format_month
from bot.i18n import current_locale
from bot.quantities import (
    days_text,
    duration_text,
    hours_text,
    months_text,
    number_text,
    years_text,
)
from bot.telegram.callbacks import EligibilityCb, EpsCb, TrackerCb
from bot.telegram.dialogue import out_of_date_text
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button
from storage.content import Fact

Facts = Mapping[str, Fact]

CONTACTS = "contacts"
ACCESSION = "accession"
OVERVIEW = "eps.overview"
EQUAL_TREATMENT = "eps.equal_treatment"
SECTORS = "eps.sectors"
STAY = "eps.stay"
REENTRY_FAITHFUL = "eps.reentry_faithful"
REFORM = "eps.reform"
NO_FEES = "eps.no_fees"
SEASONAL = "eps.seasonal"


# -- building a screen ---------------------------------------------------------------------


@dataclass(slots=True)
class Page:
    """A screen being written: paragraphs, the facts they rest on, and whether some point
    had to be left unconfirmed (then the official lines are named once, at the end)."""

    paragraphs: list[str] = field(default_factory=list)
    sources: dict[str, Fact] = field(default_factory=dict)
    unconfirmed: bool = False

    def add(self, text: str, *, attach: bool = False) -> None:
        """A new paragraph, or with `attach` one more line of the last one (a bullet list)."""
        if attach and self.paragraphs:
            self.paragraphs[-1] += "\n" + text
        else:
            self.paragraphs.append(text)

    def state(
        self,
        fact: Fact,
        text: str | None,
        *,
        otherwise: str | None = None,
        attach: bool = False,
    ) -> bool:
        """Say `text` on the authority of `fact`, if the fact is confirmed and the text could
        be written (None: a number it needs is missing). Otherwise say `otherwise`, if given,
        and point to the official lines."""
        if fact.confirmed and text is not None:
            self.add(text, attach=attach)
            self.sources.setdefault(fact.key, fact)
            return True
        self.uncertain(otherwise, attach=attach)
        return False

    def uncertain(self, text: str | None = None, *, attach: bool = False) -> None:
        """A point the facts sheet could not confirm: described, never asserted."""
        if text:
            self.add(text, attach=attach)
        self.unconfirmed = True

    def render(self, contacts: Fact) -> str:
        """The paragraphs, then the unconfirmed note, then the source lines: every screen
        that states a fact ends with where it comes from and when it was last checked."""
        blocks = list(self.paragraphs)
        if self.unconfirmed:
            blocks.append(unconfirmed_line(contacts))
        if self.sources:
            blocks.append(sources_line(self.sources.values()))
        return "\n\n".join(blocks)


def count_in(value: Mapping[str, Any], name: str) -> int | None:
    """A whole non-negative number from a fact's value, or None if staff left it out or it is
    not a number: the text that needs it is then not stated."""
    raw = value.get(name)
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        return None
    try:
        number = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def month_text(value: Any) -> str | None:
    """'2004-08' -> 'August 2004' / 'август 2004 г.' / '2004 ж. тамыз'; None if unreadable."""
    try:
        year, month = (int(part) for part in str(value).split("-")[:2])
        day = date(year, month, 1)
    except ValueError:
        return None
    return format_month(day, current_locale())


# -- the steps -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    fact_key: str
    title: LazyProxy
    body: Callable[[Page, Facts], None]


def _topik(page: Page, facts: Facts) -> None:
    fact = facts["eps.step.topik"]
    page.state(
        fact,
        _(
            "Everything starts with EPS-TOPIK, a Korean language test that HRD Korea holds "
            "together with the sending country's agency. Without a pass you cannot apply."
        ),
    )
    valid = count_in(fact.value, "valid_years")
    if valid is not None:
        page.state(
            fact,
            _("• A pass is valid for {period}.").format(period=years_text(valid)),
            attach=True,
        )
    page.uncertain(
        _(
            "• The exact format (length, number of questions, pass mark) is not confirmed here: "
            "check the official notice of each test round."
        ),
        attach=True,
    )


def _skills(page: Page, facts: Facts) -> None:
    site = str(facts[CONTACTS].value.get("eps", "www.eps.go.kr"))
    page.state(
        facts["eps.step.skills"],
        _(
            "Besides the language test, job seekers take a skills test run by HRD Korea. The "
            "results can be seen on {site} after logging in."
        ).format(site=escape(site)),
    )


def _medical(page: Page, facts: Facts) -> None:
    page.state(
        facts["eps.step.medical"],
        _(
            "You pass a medical check-up at a medical centre chosen by the sending country. "
            "After arrival in Korea there is a second check, and a worker who does not pass it "
            "must go home at their own cost."
        ),
    )


def _roster(page: Page, facts: Facts) -> None:
    fact = facts["eps.step.roster"]
    page.state(
        fact,
        _(
            "You apply through your country's sending agency, with a passport that has already "
            "been issued. HRD Korea then puts you on the roster of job seekers."
        ),
    )
    valid = count_in(fact.value, "valid_years")
    if valid is not None:
        page.state(
            fact,
            _(
                "• Your place on the roster is valid for {period} from approval. While your "
                "EPS-TOPIK pass is valid, you can apply again."
            ).format(period=years_text(valid)),
            attach=True,
        )
    page.state(
        fact, _("• Being on the roster does not guarantee a job: employers choose."), attach=True
    )


def _selection(page: Page, facts: Facts) -> None:
    page.state(
        facts["eps.step.selection"],
        _(
            "A Korean employer must first try to hire Korean workers. Only then does the Job "
            "Center issue an employment permit, and the employer chooses workers from the "
            "roster.\nNobody can speed this up for money."
        ),
    )


def _contract(page: Page, facts: Facts) -> None:
    page.state(
        facts["eps.step.contract"],
        _(
            "You and the employer sign a standard labour contract, passed on through HRD Korea "
            "and your sending agency. It states your wage, working hours, days off and "
            "workplace. Read it carefully before you sign."
        ),
    )


def _visa(page: Page, facts: Facts) -> None:
    page.state(
        facts["eps.step.visa"],
        _(
            "Korea's Ministry of Justice issues the employer a Certificate for Confirmation of "
            "Visa Issuance (CCVI), which is sent to your country. You then apply for the E-9 "
            "visa at the Korean embassy with your passport and a certificate of no criminal "
            "record.\nHRD Korea sets the entry date, and workers must arrive on that day."
        ),
    )


def _training(page: Page, facts: Facts) -> None:
    fact = facts["eps.step.training"]
    page.state(
        fact,
        _(
            "Before departure the sending country runs a short course: Korean language, culture "
            "and rules at work."
        ),
    )
    days = count_in(fact.value, "kyrgyzstan_days")
    if days is not None:
        page.state(
            fact,
            _("For example, in Kyrgyzstan it lasts {period}.").format(period=days_text(days)),
            attach=True,
        )


def _arrival(page: Page, facts: Facts) -> None:
    page.state(
        facts["eps.step.medical"],
        _("After arrival you have a second medical check in Korea (see step 3)."),
    )
    fact = facts["eps.step.arrival"]
    hours = count_in(fact.value, "training_hours")
    text = _("Then you take an employment training in Korea and go to your employer.")
    if hours is not None:
        text += " " + _("The training lasts {period}.").format(period=hours_text(hours))
    page.state(
        fact,
        text,
        otherwise=_(
            "What happens between landing and your first day at work (the employment training "
            "in Korea and how many hours it lasts) is not confirmed by a current official source."
        ),
    )


STEPS: tuple[Step, ...] = (
    Step("eps.step.topik", __("📝 Korean language test EPS-TOPIK"), _topik),
    Step("eps.step.skills", __("🛠 Skills test"), _skills),
    Step("eps.step.medical", __("🩺 Medical check-up"), _medical),
    Step("eps.step.roster", __("📋 Job-seeker roster"), _roster),
    Step("eps.step.selection", __("🤝 An employer chooses you"), _selection),
    Step("eps.step.contract", __("✍️ Labour contract"), _contract),
    Step("eps.step.visa", __("🛂 E-9 visa"), _visa),
    Step("eps.step.training", __("🎓 Training before departure"), _training),
    Step("eps.step.arrival", __("✈️ Arrival in Korea"), _arrival),
)

FACT_KEYS: tuple[str, ...] = (
    CONTACTS,
    ACCESSION,
    OVERVIEW,
    EQUAL_TREATMENT,
    SECTORS,
    STAY,
    REENTRY_FAITHFUL,
    REFORM,
    NO_FEES,
    SEASONAL,
    *(step.fact_key for step in STEPS),
)


def step_at(n: int) -> Step | None:
    """Step `n` counted from 1, or None for a number no button offers."""
    return STEPS[n - 1] if 1 <= n <= len(STEPS) else None


# -- keyboards -----------------------------------------------------------------------------


def _back_to_guide() -> InlineKeyboardButton:
    return button(_("⬅️ Back to EPS"), EpsCb(screen="root"))


@lru_cache(maxsize=16)
def root_keyboard(locale: str) -> InlineKeyboardMarkup:
    rows = [
        [button(_("ℹ️ What is EPS"), EpsCb(screen="what"))],
        [button(_("🏭 Sectors"), EpsCb(screen="sectors"))],
        [button(_("⏳ How long you can work"), EpsCb(screen="stay"))],
        [button(_("🪜 Steps to a job"), EpsCb(screen="steps"))],
        [button(_("⚠️ Brokers and fees"), EpsCb(screen="brokers"))],
        [button(_("📍 Kazakhstan's progress"), TrackerCb(action="show"))],
        [button(_("✅ Am I eligible? Self-check"), EligibilityCb(action="start"))],
        [back_to_menu_button()],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


@lru_cache(maxsize=16)
def topic_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_back_to_guide()], [back_to_menu_button()]])


@lru_cache(maxsize=16)
def steps_keyboard(locale: str) -> InlineKeyboardMarkup:
    rows = [
        [button(f"{n}. {step.title}", EpsCb(screen="step", n=n))]
        for n, step in enumerate(STEPS, start=1)
    ]
    rows.append([_back_to_guide()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


@lru_cache(maxsize=64)
def step_keyboard(locale: str, n: int) -> InlineKeyboardMarkup:
    moves = []
    if n > 1:
        moves.append(button(_("◀ Previous"), EpsCb(screen="step", n=n - 1)))
    if n < len(STEPS):
        moves.append(button(_("Next ▶"), EpsCb(screen="step", n=n + 1)))
    rows = [moves] if moves else []
    rows.append([button(_("📋 All steps"), EpsCb(screen="steps"))])
    rows.append([_back_to_guide()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# -- screens -------------------------------------------------------------------------------


def _kazakhstan(
    page: Page, facts: Facts, *, not_yet: str, joined: str, with_stage: bool = True
) -> None:
    """Where Kazakhstan stands, from the accession fact the tracker keeps (its `stage` is the
    stage in progress, JOINED once all three are passed). Without a confirmed stage the guide
    still says the one thing that holds until an official announcement: not a sending country
    yet."""
    fact = facts[ACCESSION]
    stage = count_in(fact.value, "stage")
    if stage is None or not fact.confirmed:
        page.add(not_yet)
    elif stage >= JOINED:
        page.state(fact, joined)
    elif with_stage:
        sentence = _(
            "Korea adds a new country in {total} stages; Kazakhstan is at stage {stage}."
        ).format(total=STAGE_COUNT, stage=number_text(max(stage, 1)))
        page.state(fact, not_yet + " " + sentence)
    else:
        page.state(fact, not_yet)


def root_screen(facts: Facts) -> Screen:
    page = Page()
    page.add(_("🇰🇷 <b>Legal work in Korea (EPS)</b>"))
    page.state(
        facts[OVERVIEW],
        _(
            "The Employment Permit System (EPS) is Korea's state programme for hiring foreign "
            "workers legally, on an E-9 visa. Here is how it works, in short screens."
        ),
    )
    _kazakhstan(
        page,
        facts,
        not_yet=_(
            "⚠️ <b>Kazakhstan is not an EPS sending country yet.</b> The steps in this guide show "
            "how EPS works in the countries that already take part."
        ),
        joined=_(
            "✅ <b>Kazakhstan has passed all three stages of joining EPS.</b> Applications open "
            "only after an official announcement; until then, the steps in this guide show how "
            "EPS works in the countries that already take part."
        ),
    )
    return Screen(page.render(facts[CONTACTS]), root_keyboard(current_locale()))


def what_screen(facts: Facts) -> Screen:
    page = Page()
    page.add(_("ℹ️ <b>What EPS and the E-9 visa are</b>"))
    overview = facts[OVERVIEW]
    page.state(
        overview,
        _(
            "• EPS lets small and medium Korean companies that could not find Korean staff hire "
            "foreign workers legally.\n"
            "• It runs between governments: Korea signs an agreement with the labour ministry of "
            "each sending country, and the state agency HRD Korea keeps the roster of job "
            "seekers.\n"
            "• EPS workers come on the <b>E-9 visa</b> (non-professional employment)."
        ),
    )
    started = month_text(overview.value.get("started"))
    countries = count_in(overview.value, "countries")
    if started is not None and countries is not None:
        page.state(
            overview,
            _("• Running since: {month}\n• Sending countries now: {count}").format(
                month=started, count=number_text(countries)
            ),
            attach=True,
        )
    page.state(
        facts[EQUAL_TREATMENT],
        _(
            "• Korean labour law (minimum wage, working hours, safety at work) protects EPS "
            "workers just as it protects Korean workers."
        ),
    )
    return Screen(page.render(facts[CONTACTS]), topic_keyboard(current_locale()))


def sectors_screen(facts: Facts) -> Screen:
    page = Page()
    page.add(_("🏭 <b>Where EPS workers are employed</b>"))
    fact = facts[SECTORS]
    workers = count_in(fact.value, "manufacturing_max_workers")
    capital = count_in(fact.value, "manufacturing_max_capital_krw_bn")
    if workers is not None and capital is not None:
        manufacturing = _(
            "🏭 Manufacturing: companies with fewer than {workers} regular employees or less "
            "than {capital} billion won of capital"
        ).format(workers=number_text(workers), capital=number_text(capital))
    else:
        manufacturing = _("🏭 Manufacturing: small and medium companies")
    page.state(
        fact,
        manufacturing
        + "\n"
        + _(
            "🏗 Construction: building projects (some plant construction is excluded)\n"
            "🌾 Agriculture and livestock\n"
            "🐟 Fishery: fishing and related work\n"
            "🧰 Services: only a short list, such as construction-waste handling, recycling, "
            "warehouses and cold storage, publishing"
        ),
    )
    page.state(fact, _("Each year Korea sets how many workers each sector may hire."))
    return Screen(page.render(facts[CONTACTS]), topic_keyboard(current_locale()))


def stay_screen(facts: Facts) -> Screen:
    page = Page()
    page.add(_("⏳ <b>How long you can work</b>"))
    stay = facts[STAY]
    first = count_in(stay.value, "years")
    extension = count_in(stay.value, "extension_months")
    wait = count_in(stay.value, "wait_before_reentry_months")
    if first is not None and extension is not None and wait is not None:
        text: str | None = _(
            "• First period: up to {first}.\n"
            "• One extension (re-employment) of up to {extension} is possible.\n"
            "• In total: at most {total}.\n"
            "• After that you leave Korea and can come back for a new period after {wait}."
        ).format(
            first=years_text(first),
            extension=duration_text(extension),
            total=duration_text(first * 12 + extension),
            wait=months_text(wait),
        )
    else:
        text = None
    page.state(stay, text)

    faithful = facts[REENTRY_FAITHFUL]
    faithful_wait = count_in(faithful.value, "wait_months")
    page.state(
        faithful,
        None
        if faithful_wait is None
        else _(
            "• Faithful-worker re-entry: for some workers who stayed with one employer, the "
            "employer can ask to hire them again, and the break is only {wait}. Ask {hrd} "
            "whether this applies to you."
        ).format(
            wait=months_text(faithful_wait),
            hrd=contact(facts[CONTACTS], "hrd"),
        ),
    )

    reform = facts[REFORM]
    note = localized(reform.value, "note")
    page.state(
        reform,
        ("🔄 " + note) if note else None,
        otherwise=_(
            "🔄 Korea has discussed letting E-9 workers stay longer without the compulsory exit "
            "and return. Whether this is in force is not confirmed."
        ),
    )
    return Screen(page.render(facts[CONTACTS]), topic_keyboard(current_locale()))


def steps_screen(facts: Facts) -> Screen:
    page = Page()
    page.add(_("🪜 <b>Steps to a job through EPS</b>"))
    _kazakhstan(
        page,
        facts,
        not_yet=_(
            "This is the path a job seeker follows in the countries that already take part in "
            "EPS. Kazakhstan is not one of them yet, so the path is not open from Kazakhstan "
            "today."
        ),
        joined=_(
            "This is the path a job seeker follows in the countries that take part in EPS. From "
            "Kazakhstan it opens only after an official announcement."
        ),
    )
    return Screen(page.render(facts[CONTACTS]), steps_keyboard(current_locale()))


def step_screen(n: int, facts: Facts) -> Screen | None:
    step = step_at(n)
    if step is None:
        return None
    page = Page()
    page.add(
        _("<b>Step {n} of {total}: {title}</b>").format(n=n, total=len(STEPS), title=step.title)
    )
    step.body(page, facts)
    return Screen(page.render(facts[CONTACTS]), step_keyboard(current_locale(), n))


def broker_warning() -> str:
    """One line above the guide for someone thinking about working in Korea (the details and
    their source are one tap away, on the brokers screen)."""
    return _(
        "⚠️ EPS runs only between governments: do not pay anyone who sells you a place, a job "
        "or a visa for Korea. See ⚠️ Brokers and fees below."
    )


def brokers_screen(facts: Facts) -> Screen:
    page = Page()
    page.add(_("⚠️ <b>Brokers and “guaranteed jobs”</b>"))
    hrd = contact(facts[CONTACTS], "hrd")
    page.state(
        facts[NO_FEES],
        _(
            "• EPS runs only between governments. No private agency, broker or “consultant” can "
            "put you on the roster or find you an EPS job.\n"
            "• Beyond official costs (passport, visa, air ticket, training) nobody may charge "
            "you a fee.\n"
            "• Nobody can sell a “guaranteed job”: even on the roster, employers choose.\n"
            "• If someone asks you for money, do not pay. Tell the official agency or call {hrd} "
            "(counselling centre for foreign workers)."
        ).format(hrd=hrd),
    )
    _kazakhstan(
        page,
        facts,
        not_yet=_(
            "🇰🇿 Kazakhstan is not an EPS sending country yet: anyone who promises to send you to "
            "Korea through EPS today is not telling the truth."
        ),
        joined=_(
            "🇰🇿 Applications from Kazakhstan open only after an official announcement, and never "
            "through intermediaries who ask for money."
        ),
        with_stage=False,
    )
    page.state(
        facts[SEASONAL],
        _(
            "🌾 Seasonal work (E-8 visa) is a different programme: Korean and foreign local "
            "governments agree on it between themselves, and individuals cannot apply on their "
            "own."
        ),
    )
    return Screen(page.render(facts[CONTACTS]), topic_keyboard(current_locale()))


TOPICS: dict[str, Callable[[Facts], Screen]] = {
    "root": root_screen,
    "what": what_screen,
    "sectors": sectors_screen,
    "stay": stay_screen,
    "steps": steps_screen,
    "brokers": brokers_screen,
}


def build(screen: str, n: int, facts: Facts) -> Screen:
    """The screen a button asks for. A forged or outdated one (an unknown screen, a step no
    button offers) gets the nearest real screen and a polite notice, never an error."""
    if screen == "step":
        rendered = step_screen(n, facts)
        if rendered is not None:
            return rendered
        listing = steps_screen(facts)
        return listing.with_notice(_("There is no such step. Here is the list of steps."))
    topic = TOPICS.get(screen)
    if topic is not None:
        return topic(facts)
    return root_screen(facts).with_notice(out_of_date_text())
