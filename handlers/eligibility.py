"""The EPS eligibility self-check: intro, one question per requirement, the result.

The rules and their verdicts live in `bot/eps/eligibility.py`; this module only asks, remembers the
answers in FSM data (SQLite, so a restart loses nothing) and shows the result. Once the result is
shown, the answers are dropped and only the outcomes and the day of the check are kept
(`storage/eligibility.py`), which the user can view again, retake or delete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.clock import Clock
from bot.content.facts import source_line, unconfirmed_line
from bot.content.profile import effective_time_zone
from bot.eps.eligibility import (
    ACCESSION_FACT,
    CONTACTS_FACT,
    FACT_KEYS,
    RULES,
    RULES_BY_ID,
    STEPS,
    TOPIK_FACT,
    Birth,
    BirthError,
    BirthProblem,
    Outcome,
    Rule,
    RuleResult,
    age_bounds,
    earliest_birth_year,
    evaluate,
    from_stored,
    next_step,
    next_step_after,
    parse_birth,
    step_before,
    stored_reason,
    tally,
)
from bot.formatting import format_day
from bot.i18n import current_locale
from bot.telegram.callbacks import EligibilityCb, MenuCb
from bot.telegram.dialogue import (
    Steps,
    back_label,
    open_by_command_or_button,
    out_of_date,
    use_the_buttons,
)
from bot.telegram.filters import NotACommand
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Row, Screen, button, keyboard, show
from storage.content import ContentRepository, Fact
from storage.eligibility import EligibilityRepository, StoredOutcome
from storage.users import UserRecord


class SelfCheck(StatesGroup):
    """One state per question, named after the rule it answers (see `bot.eps.eligibility.STEPS`)."""

    age = State()
    criminal_record = State()
    deportation = State()
    irregular_stay = State()
    travel_ban = State()
    passport = State()
    health = State()
    language = State()


STATE_OF: dict[str, State] = {step: getattr(SelfCheck, step) for step in STEPS}
STEP_OF: dict[str, str] = {state.state: step for step, state in STATE_OF.items()}
QUESTIONS = Steps(
    SelfCheck, back=EligibilityCb(action="back"), cancel=EligibilityCb(action="cancel")
)
ICONS: dict[Outcome, str] = {Outcome.MET: "✅", Outcome.NOT_MET: "❌", Outcome.UNCLEAR: "❔"}
DEPARTURE_RULE = "irregular_stay"  # its "unclear" result points to the voluntary-departure guide


def _today(user: UserRecord, clock: Clock) -> date:
    """The day of the check is the user's calendar day."""
    return datetime.fromtimestamp(clock.now(), ZoneInfo(effective_time_zone(user))).date()


async def _facts(content: ContentRepository) -> dict[str, Fact]:
    return await content.get_many(FACT_KEYS)


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
    """Source lines of the confirmed facts among `keys`, each line once. Unconfirmed facts are
    not stated, so they are not cited either."""
    lines = [source_line(facts[key]) for key in keys if facts[key].confirmed]
    return list(dict.fromkeys(lines))


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
        _(
            "{count} short questions about the EPS requirements: age, criminal record, your "
            "history in Korea, a ban on leaving Kazakhstan, passport, health and Korean. For "
            "each one you see whether it is met, not met or unclear, and what to do next."
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


def _rule_block(
    result: RuleResult, facts: Mapping[str, Fact], values: Mapping[str, object]
) -> list[str]:
    rule: Rule = RULES_BY_ID[result.rule]
    title = str(rule.title)
    if rule.id == "age":
        title = _("Age {min_age}–{max_age}").format(**values)
    lines = [
        _("{icon} <b>{title}</b>: {outcome}").format(
            icon=ICONS[result.outcome], title=title, outcome=_outcome_word(result.outcome)
        )
    ]
    lines += _detail_lines(result)
    if result.outcome is Outcome.UNCLEAR and not facts[rule.fact].confirmed:
        lines.append(unconfirmed_line(facts[CONTACTS_FACT]))
    text = next_step(result)
    if text is not None:
        lines.append("→ " + str(text).format(**values))
    return lines


def _conclusion(results: Sequence[RuleResult]) -> str:
    counts = tally(results)
    summary = _("Met: {met} · not met: {not_met} · unclear: {unclear}").format(
        met=counts[Outcome.MET], not_met=counts[Outcome.NOT_MET], unclear=counts[Outcome.UNCLEAR]
    )
    if counts[Outcome.NOT_MET]:
        verdict = _("Some requirements are not met yet: see what to do next under each.")
    elif counts[Outcome.UNCLEAR]:
        verdict = _(
            "Nothing is clearly failed, but some points are unclear: see what to do next under "
            "each."
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
    values = _values(facts)
    lines = [
        _("<b>Your EPS self-check</b> · {date}").format(
            date=format_day(checked_on, current_locale())
        ),
        _disclaimer(facts),
    ]
    for result in results:
        lines += ["", *_rule_block(result, facts, values)]
    lines += ["", _conclusion(results), ""]
    keys = [key for result in results for key in _cited(result)]
    lines += _sources(facts, [*keys, ACCESSION_FACT])
    departure = any(r.rule == DEPARTURE_RULE and r.outcome is Outcome.UNCLEAR for r in results)
    markup = keyboard(
        [button(_("🛫 Voluntary-departure guide"), MenuCb(section="departure"))]
        if departure
        else None,
        [button(_("🔄 Retake the check"), EligibilityCb(action="retake"))],
        [button(_("🗑 Delete the result"), EligibilityCb(action="delete"))],
        [button(back_label(), MenuCb(section="eps")), back_to_menu_button()],
    )
    return Screen("\n".join(lines), markup)


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


# -- handlers -------------------------------------------------------------------------------


async def _current_step(state: FSMContext) -> str | None:
    current = await QUESTIONS.current(state)
    return STEP_OF[str(current.state)] if current else None


async def _entry(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    content: ContentRepository,
    selfchecks: EligibilityRepository,
    notice: str | None = None,
) -> None:
    """Where the feature opens: the question in progress, else the kept result, else the
    intro."""
    facts = await _facts(content)
    step = await _current_step(state)
    if step is not None:
        screen = question_screen(step, await state.get_data(), facts)
    else:
        stored = await selfchecks.get(user_record.id)
        if stored is not None:
            results = from_stored((o.rule, o.outcome, o.reason) for o in stored.outcomes)
            screen = result_screen(results, facts, stored.checked_on)
        else:
            screen = intro_screen(facts)
    await show(event, screen.above(notice))


async def open_selfcheck(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    content: ContentRepository,
    selfchecks: EligibilityRepository,
) -> None:
    await _entry(event, state, user_record, content, selfchecks)


async def begin(query: CallbackQuery, state: FSMContext, content: ContentRepository) -> None:
    """Start (or retake) from the first question with no answers."""
    await state.set_state(STATE_OF[STEPS[0]])
    await state.set_data({})
    await show(query, question_screen(STEPS[0], {}, await _facts(content)))


async def _advance(
    event: Message | CallbackQuery,
    state: FSMContext,
    step: str,
    answer: str,
    user_record: UserRecord,
    content: ContentRepository,
    selfchecks: EligibilityRepository,
    clock: Clock,
) -> None:
    answers = await state.update_data({step: answer})
    following = next_step_after(step)
    facts = await _facts(content)
    if following is not None:
        await state.set_state(STATE_OF[following])
        await show(event, question_screen(following, answers, facts))
        return
    await _finish(event, state, answers, user_record, facts, selfchecks, clock)


async def _finish(
    event: Message | CallbackQuery,
    state: FSMContext,
    answers: Mapping[str, str],
    user_record: UserRecord,
    facts: Mapping[str, Fact],
    selfchecks: EligibilityRepository,
    clock: Clock,
) -> None:
    """Evaluate, keep the outcomes, drop the answers, show the result."""
    today = _today(user_record, clock)
    results = evaluate(answers, facts, today)
    await selfchecks.save(
        user_record.id,
        today,
        [StoredOutcome(r.rule, r.outcome.value, stored_reason(r)) for r in results],
        now=int(clock.now()),
    )
    await state.clear()
    await show(event, result_screen(results, facts, today))


async def answer_chosen(
    query: CallbackQuery,
    callback_data: EligibilityCb,
    state: FSMContext,
    user_record: UserRecord,
    content: ContentRepository,
    selfchecks: EligibilityRepository,
    clock: Clock,
) -> None:
    step = await _current_step(state)
    packed_step, _sep, value = callback_data.value.partition(".")
    rule = RULES_BY_ID.get(packed_step)
    if step is None or packed_step != step or rule is None or rule.choice(value) is None:
        await out_of_date(query)
        return
    await _advance(query, state, step, value, user_record, content, selfchecks, clock)


async def keep_birth(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    content: ContentRepository,
    selfchecks: EligibilityRepository,
    clock: Clock,
) -> None:
    """The typed answer shown after "Back", kept as it was."""
    step = await _current_step(state)
    previous = (await state.get_data()).get(step or "")
    if step is None or RULES_BY_ID[step].choices or not previous:
        await out_of_date(query)
        return
    await _advance(query, state, step, previous, user_record, content, selfchecks, clock)


async def birth_typed(
    message: Message,
    state: FSMContext,
    user_record: UserRecord,
    content: ContentRepository,
    selfchecks: EligibilityRepository,
    clock: Clock,
) -> None:
    today = _today(user_record, clock)
    try:
        birth = parse_birth(message.text or "", today)
    except BirthError as error:
        facts = await _facts(content)
        problem = birth_problem_text(error.problem, today)
        screen = question_screen(STEPS[0], await state.get_data(), facts)
        await show(message, screen.with_problem(problem))
        return
    await _advance(
        message, state, STEPS[0], birth.encode(), user_record, content, selfchecks, clock
    )


async def buttons_expected(message: Message, state: FSMContext, content: ContentRepository) -> None:
    """Text where a button is expected: say so, and show the same question again."""
    step = await _current_step(state)
    if step is None:  # cannot happen behind the state filter; keeps the types honest
        return
    screen = question_screen(step, await state.get_data(), await _facts(content))
    await show(message, screen.with_problem(use_the_buttons()))


async def go_back(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    content: ContentRepository,
    selfchecks: EligibilityRepository,
) -> None:
    step = await _current_step(state)
    previous = step_before(step) if step else None
    if previous is None:  # the first question: back to where the feature opened
        await state.clear()
        await _entry(query, state, user_record, content, selfchecks)
        return
    await state.set_state(STATE_OF[previous])
    await show(query, question_screen(previous, await state.get_data(), await _facts(content)))


async def cancel(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    content: ContentRepository,
    selfchecks: EligibilityRepository,
) -> None:
    await state.clear()
    notice = _("The self-check was stopped; your answers were not kept.")
    await _entry(query, state, user_record, content, selfchecks, notice)


async def delete_result(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    content: ContentRepository,
    selfchecks: EligibilityRepository,
) -> None:
    deleted = await selfchecks.delete(user_record.id)
    notice = (
        _("Your self-check result has been deleted.")
        if deleted
        else _("There is no saved self-check result.")
    )
    await show(query, intro_screen(await _facts(content)).above(notice))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    in_questionnaire = QUESTIONS.filter()
    choice_steps = QUESTIONS.filter(*(STATE_OF[rule.id] for rule in RULES if rule.choices))
    typed_steps = QUESTIONS.filter(*(STATE_OF[rule.id] for rule in RULES if not rule.choices))

    open_by_command_or_button(
        router,
        open_selfcheck,
        command="selfcheck",
        button_filter=EligibilityCb.filter(F.action == "start"),
    )
    router.callback_query.register(begin, EligibilityCb.filter(F.action.in_({"begin", "retake"})))
    router.callback_query.register(delete_result, EligibilityCb.filter(F.action == "delete"))
    router.callback_query.register(
        answer_chosen, EligibilityCb.filter(F.action == "answer"), in_questionnaire
    )
    router.callback_query.register(
        keep_birth, EligibilityCb.filter(F.action == "keep"), in_questionnaire
    )
    router.callback_query.register(
        go_back, EligibilityCb.filter(F.action == "back"), in_questionnaire
    )
    router.callback_query.register(
        cancel, EligibilityCb.filter(F.action == "cancel"), in_questionnaire
    )
    router.callback_query.register(out_of_date, EligibilityCb.filter())

    not_a_command = NotACommand()
    router.message.register(birth_typed, typed_steps, not_a_command)
    router.message.register(buttons_expected, choice_steps, not_a_command)
