"""The EPS self-check's screens: the intro, one question per requirement, the result. Pure
functions of the rules (bot/eps/eligibility.py), the facts and the answers; handlers/
eligibility.py shows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

from aiogram.fsm.state import State
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

from bot.content.facts import sources_line, unconfirmed_line
from bot.eps.eligibility import (
    ACCESSION_FACT,
    CONTACTS_FACT,
    RULES,
    RULES_BY_ID,
    STEPS,
    TOPIK_FACT,
    Birth,
    BirthProblem,
    Outcome,
    Rule,
    RuleResult,
    age_bounds,
    earliest_birth_year,
    next_step,
    tally,
)
from bot.formatting import format_day
from bot.i18n import current_locale
from bot.telegram.callbacks import EligibilityCb, MenuCb
from bot.telegram.dialogue import Steps, back_label, states_group
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Row, Screen, button, keyboard
from storage.content import Fact

# One state per question, named after the rule it answers (`bot.eps.eligibility.STEPS`).
SelfCheck = states_group("SelfCheck", STEPS)
STATE_OF: dict[str, State] = {step: getattr(SelfCheck, step) for step in STEPS}
STEP_OF: dict[str, str] = {state.state: step for step, state in STATE_OF.items()}
QUESTIONS = Steps(
    SelfCheck,
    name=__("EPS self-check"),
    back=EligibilityCb(action="back"),
    cancel=EligibilityCb(action="cancel"),
)
ICONS: dict[Outcome, str] = {Outcome.MET: "✅", Outcome.NOT_MET: "❌", Outcome.UNCLEAR: "❔"}
DEPARTURE_RULE = "irregular_stay"  # its "unclear" result points to the voluntary-departure guide


def _values(facts: Mapping[str, Fact]) -> dict[str, object]:
    """Placeholders the rule texts may use; numbers come from the facts, not the catalogs."""
    low, high = age_bounds(facts)
    years = int(facts[TOPIK_FACT].value.get("valid_years", 2))
    contacts = facts[CONTACTS_FACT].value
    return {
        "min_age": low,
        "max_age": high,
        "immigration": escape(str(contacts.get("immigration", "1345"))),
        "hrd": escape(str(contacts.get("hrd", "1577-0071"))),
        "validity": ngettext("{count} year", "{count} years", years).format(count=years),
    }


def _sources(facts: Mapping[str, Fact], keys: Sequence[str]) -> list[str]:
    """The sources of the confirmed facts among `keys`, in one line. Unconfirmed facts are not
    stated, so they are not cited either."""
    line = sources_line(facts[key] for key in keys if facts[key].confirmed)
    return [line] if line else []


def _disclaimer(facts: Mapping[str, Fact]) -> str:
    stage = facts[ACCESSION_FACT].value.get("stage")
    if isinstance(stage, int) and 1 <= stage <= 3:
        joining = _(
            "Kazakhstan is not yet an EPS sending country (joining is at stage {stage} of 3), "
            "so this check helps you prepare for when it joins."
        ).format(stage=stage)
    else:
        joining = _(
            "Kazakhstan is not yet an EPS sending country, so this check helps you prepare for "
            "when it joins."
        )
    return _("ℹ️ This is guidance, not a legal decision.") + " " + joining


# -- screens --------------------------------------------------------------------------------


def intro_screen(facts: Mapping[str, Fact]) -> Screen:
    lines = [
        _("<b>EPS self-check</b>"),
        ngettext(
            "{count} short question about the EPS requirements: age, criminal record, your "
            "history in Korea, a ban on leaving Kazakhstan, passport, health and Korean. For "
            "each one you see whether it is met, not met or unclear, and what to do next.",
            "{count} short questions about the EPS requirements: age, criminal record, your "
            "history in Korea, a ban on leaving Kazakhstan, passport, health and Korean. For "
            "each one you see whether it is met, not met or unclear, and what to do next.",
            len(RULES),
        ).format(count=len(RULES)),
        "",
        _disclaimer(facts),
        "",
        _(
            "🔒 Your answers are kept only until the result is shown. After that I keep only "
            "the result (the outcome per requirement and the date), and you can delete it at "
            "any time."
        ),
        "",
        *_sources(facts, [ACCESSION_FACT]),
    ]
    markup = keyboard(
        [button(_("▶️ Start the check"), EligibilityCb(action="begin"))],
        [button(back_label(), MenuCb(section="eps")), back_to_menu_button()],
    )
    return Screen("\n".join(lines), markup)


def _birth_text(answer: str | None) -> str:
    birth = Birth.decode(answer)
    if birth is None:
        return ""
    return format_day(birth.day, current_locale()) if birth.day else str(birth.year)


def question_screen(
    step: str,
    answers: Mapping[str, str],
    facts: Mapping[str, Fact],
) -> Screen:
    rule = RULES_BY_ID[step]
    values = _values(facts)
    lines = [
        _("<b>EPS self-check</b> · question {number} of {total}: {title}").format(
            number=STEPS.index(step) + 1, total=len(STEPS), title=str(rule.title)
        ),
        str(rule.explanation).format(**values),
    ]
    if rule.why is not None:
        lines.append(str(rule.why))
    lines += ["", "<b>" + str(rule.question) + "</b>"]
    rows: list[Row] = []
    previous = answers.get(step)
    if rule.choices:
        for choice in rule.choices:
            mark = "✔️ " if choice.value == previous else ""
            answer = EligibilityCb(action="answer", value=f"{step}.{choice.value}")
            rows.append([button(mark + str(choice.label), answer)])
    elif previous:
        shown = escape(_birth_text(previous))
        lines.append(_("Your answer: {answer}. Send another one or keep it.").format(answer=shown))
        keep = EligibilityCb(action="keep")
        rows.append([button(_("➡️ Keep: {answer}").format(answer=shown), keep)])
    # The first question's Back leaves to where the check was opened, so Back is always there.
    rows.append(QUESTIONS.nav_row(back=True))
    sources = _sources(facts, [rule.fact, *rule.also_cites])
    if sources:
        lines += ["", *sources]
    return Screen("\n".join(lines), keyboard(*rows))


def _detail_lines(result: RuleResult) -> list[str]:
    """Lines only the screen right after the check shows: they derive from the birth date,
    which is not kept."""
    details = result.details
    locale = current_locale()
    if "on" in details:
        return [
            _("You turn {age} on {date}.").format(
                age=details["turns"], date=format_day(details["on"], locale)
            )
        ]
    if "in_year" in details:
        return [
            _("You turn {age} in {year}.").format(age=details["turns"], year=details["in_year"])
        ]
    if "low" in details:
        return [
            _("Today you are {low} or {high}.").format(low=details["low"], high=details["high"])
        ]
    return []


def _outcome_word(outcome: Outcome) -> str:
    return {
        Outcome.MET: _("met"),
        Outcome.NOT_MET: _("not met"),
        Outcome.UNCLEAR: _("unclear"),
    }[outcome]


def _title(rule: Rule, values: Mapping[str, object]) -> str:
    if rule.id == "age":
        return _("Age {min_age}–{max_age}").format(**values)
    return str(rule.title)


def _outcome_line(result: RuleResult, values: Mapping[str, object]) -> str:
    rule: Rule = RULES_BY_ID[result.rule]
    return _("{icon} <b>{title}</b>: {outcome}").format(
        icon=ICONS[result.outcome],
        title=_title(rule, values),
        outcome=_outcome_word(result.outcome),
    )


def _conclusion(results: Sequence[RuleResult]) -> str:
    counts = tally(results)
    summary = _("Met: {met} · not met: {not_met} · unclear: {unclear}").format(
        met=counts[Outcome.MET], not_met=counts[Outcome.NOT_MET], unclear=counts[Outcome.UNCLEAR]
    )
    if counts[Outcome.NOT_MET]:
        verdict = _("Some requirements are not met yet: tap one below to see what to do next.")
    elif counts[Outcome.UNCLEAR]:
        verdict = _(
            "Nothing is clearly failed, but some points are unclear: tap one below to see what "
            "to do next."
        )
    else:
        verdict = _(
            "You meet every requirement this check covers. When Kazakhstan joins EPS, follow "
            "the official notice of its first round."
        )
    return f"<b>{summary}</b>\n{verdict}"


def result_screen(
    results: Sequence[RuleResult],
    facts: Mapping[str, Fact],
    checked_on: date,
) -> Screen:
    """One line per requirement; what to do about one not met or unclear is a tap away
    (`detail_screen`), so the result fits a phone however many points need work."""
    values = _values(facts)
    lines = [
        _("<b>Your EPS self-check</b> · {date}").format(
            date=format_day(checked_on, current_locale())
        ),
        _disclaimer(facts),
        "",
    ]
    for result in results:
        lines += [_outcome_line(result, values), *_detail_lines(result)]
    lines += ["", _conclusion(results), ""]
    keys = [key for result in results for key in _cited(result)]
    lines += _sources(facts, [*keys, ACCESSION_FACT])
    open_points = [
        button(
            f"{ICONS[r.outcome]} {_title(RULES_BY_ID[r.rule], values)}",
            EligibilityCb(action="detail", value=r.rule),
        )
        for r in results
        if r.outcome is not Outcome.MET
    ]
    departure = any(r.rule == DEPARTURE_RULE and r.outcome is Outcome.UNCLEAR for r in results)
    markup = keyboard(
        *(open_points[i : i + 2] for i in range(0, len(open_points), 2)),
        [button(_("🛫 Voluntary-departure guide"), MenuCb(section="departure"))]
        if departure
        else None,
        [button(_("🔄 Retake the check"), EligibilityCb(action="retake"))],
        [button(_("🗑 Delete the result"), EligibilityCb(action="delete"))],
        [button(back_label(), MenuCb(section="eps")), back_to_menu_button()],
    )
    return Screen("\n".join(lines), markup)


def detail_screen(result: RuleResult, facts: Mapping[str, Fact]) -> Screen:
    """One requirement that is not met or unclear: what it means and what to do next."""
    values = _values(facts)
    rule = RULES_BY_ID[result.rule]
    lines = [_outcome_line(result, values)]
    if result.outcome is Outcome.UNCLEAR and not facts[rule.fact].confirmed:
        lines.append(unconfirmed_line(facts[CONTACTS_FACT]))
    text = next_step(result)
    if text is not None:
        lines.append("→ " + str(text).format(**values))
    lines += ["", *_sources(facts, _cited(result))]
    markup = keyboard(
        [button(_("⬅️ Back to the result"), EligibilityCb(action="result"))],
        [back_to_menu_button()],
    )
    return Screen("\n".join(lines).rstrip(), markup)


def _cited(result: RuleResult) -> list[str]:
    rule = RULES_BY_ID[result.rule]
    return [rule.fact, *rule.also_cites]


def birth_problem_text(problem: BirthProblem, today: date) -> str:
    texts = {
        BirthProblem.FORMAT: _(
            "I could not read that. Please send your date of birth like 25.03.1995, or only "
            "the year, like 1995."
        ),
        BirthProblem.NO_SUCH_DATE: _(
            "There is no such date in the calendar. Please check the day and the month."
        ),
        BirthProblem.FUTURE: _(
            "That is in the future. Please send the date or year you were born."
        ),
        BirthProblem.TOO_LONG_AGO: _(
            "Please check the year: I expect a year from {first} to {last}."
        ),
    }
    return texts[problem].format(first=earliest_birth_year(today), last=today.year)
