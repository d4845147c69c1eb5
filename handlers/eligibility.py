"""The EPS eligibility self-check: intro, one question per requirement, the result.

The rules and their verdicts live in bot/eps/eligibility.py, the screens in
bot/eps/selfcheck_screens.py, the kept result in `SelfChecks` (bot/eps/selfcheck.py). This
module only asks and remembers the answers in FSM data (SQLite, so a restart loses nothing).
Once the result is shown, the answers are dropped and only the outcomes and the day of the
check are kept, which the user can view again, retake or delete.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.eps.eligibility import (
    RULES,
    RULES_BY_ID,
    STEPS,
    BirthError,
    next_step_after,
    parse_birth,
    step_before,
)
from bot.eps.selfcheck import SelfChecks
from bot.eps.selfcheck_screens import (
    QUESTIONS,
    STATE_OF,
    STEP_OF,
    birth_problem_text,
    detail_screen,
    intro_screen,
    question_screen,
    result_screen,
)
from bot.telegram.callbacks import EligibilityCb, ResumeCb
from bot.telegram.dialogue import (
    leave_dialogue,
    on_command_or_button,
    out_of_date,
    use_the_buttons,
)
from bot.telegram.filters import NotACommand
from bot.telegram.screens import show
from storage.users import UserRecord


async def _current_step(state: FSMContext) -> str | None:
    current = await QUESTIONS.current(state)
    return STEP_OF[str(current.state)] if current else None


async def _entry(
    event: Message | CallbackQuery,
    state: FSMContext,
    user: UserRecord,
    selfcheck: SelfChecks,
    notice: str | None = None,
) -> None:
    """Where the feature opens: the question in progress, else the kept result, else the
    intro."""
    facts = await selfcheck.facts()
    step = await _current_step(state)
    if step is not None:
        screen = question_screen(step, await state.get_data(), facts)
    elif (kept := await selfcheck.kept(user)) is not None:
        screen = result_screen(kept.results, facts, kept.checked_on)
    else:
        screen = intro_screen(facts)
    await show(event, screen.above(notice))


async def open_selfcheck(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    selfcheck: SelfChecks,
) -> None:
    """The self-check in progress is taken up where it is; another dialogue is left."""
    left = None if await _current_step(state) else await leave_dialogue(state)
    await _entry(event, state, user_record, selfcheck, left)


async def begin(query: CallbackQuery, state: FSMContext, selfcheck: SelfChecks) -> None:
    """Start (or retake) from the first question with no answers."""
    await state.set_state(STATE_OF[STEPS[0]])
    await state.set_data({})
    await show(query, question_screen(STEPS[0], {}, await selfcheck.facts()))


async def _advance(
    event: Message | CallbackQuery,
    state: FSMContext,
    step: str,
    answer: str,
    user: UserRecord,
    selfcheck: SelfChecks,
) -> None:
    """Keep the answer and ask the next question; after the last one, evaluate, keep only the
    outcomes, drop the answers and show the result."""
    answers = await state.update_data({step: answer})
    following = next_step_after(step)
    facts = await selfcheck.facts()
    if following is not None:
        await state.set_state(STATE_OF[following])
        await show(event, question_screen(following, answers, facts))
        return
    result = await selfcheck.finish(user, answers, facts)
    await state.clear()
    await show(event, result_screen(result.results, facts, result.checked_on))


async def answer_pressed(
    query: CallbackQuery,
    callback_data: EligibilityCb,
    state: FSMContext,
    user_record: UserRecord,
    selfcheck: SelfChecks,
) -> None:
    """A choice for the current question ("answer"), or the typed answer shown after "Back"
    kept as it was ("keep"); anything that does not fit the question in progress is out of
    date."""
    step = await _current_step(state)
    rule = RULES_BY_ID.get(step or "")
    if callback_data.action == "keep":
        answer = (await state.get_data()).get(step or "")
        fits = rule is not None and not rule.choices and bool(answer)
    else:
        packed_step, _sep, answer = callback_data.value.partition(".")
        fits = rule is not None and packed_step == step and rule.choice(answer) is not None
    if step is None or not fits or not answer:
        await out_of_date(query)
        return
    await _advance(query, state, step, answer, user_record, selfcheck)


async def birth_typed(
    message: Message, state: FSMContext, user_record: UserRecord, selfcheck: SelfChecks
) -> None:
    today = selfcheck.today(user_record)
    try:
        birth = parse_birth(message.text or "", today)
    except BirthError as error:
        screen = question_screen(STEPS[0], await state.get_data(), await selfcheck.facts())
        await show(message, screen.with_problem(birth_problem_text(error.problem, today)))
        return
    await _advance(message, state, STEPS[0], birth.encode(), user_record, selfcheck)


async def buttons_expected(message: Message, state: FSMContext, selfcheck: SelfChecks) -> None:
    """Text where a button is expected: say so, and show the same question again."""
    step = await _current_step(state)
    if step is None:  # cannot happen behind the state filter; keeps the types honest
        return
    screen = question_screen(step, await state.get_data(), await selfcheck.facts())
    await show(message, screen.with_problem(use_the_buttons()))


async def go_back(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, selfcheck: SelfChecks
) -> None:
    step = await _current_step(state)
    previous = step_before(step) if step else None
    if previous is None:  # the first question: back to where the feature opened
        await state.clear()
        await _entry(query, state, user_record, selfcheck)
        return
    await state.set_state(STATE_OF[previous])
    screen = question_screen(previous, await state.get_data(), await selfcheck.facts())
    await show(query, screen)


async def cancel(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, selfcheck: SelfChecks
) -> None:
    await state.clear()
    notice = _("The self-check was stopped; your answers were not kept.")
    await _entry(query, state, user_record, selfcheck, notice)


async def result_detail(
    query: CallbackQuery,
    callback_data: EligibilityCb,
    user_record: UserRecord,
    selfcheck: SelfChecks,
) -> None:
    """What to do about one requirement of the kept result ("detail"), or the result itself
    again ("result")."""
    kept = await selfcheck.kept(user_record)
    facts = await selfcheck.facts()
    if kept is None:
        await out_of_date(query)  # deleted, or never kept
        return
    if callback_data.action == "result":
        await show(query, result_screen(kept.results, facts, kept.checked_on))
        return
    result = next((r for r in kept.results if r.rule == callback_data.value), None)
    if result is None:
        await out_of_date(query)
        return
    await show(query, detail_screen(result, facts))


async def delete_result(
    query: CallbackQuery, user_record: UserRecord, selfcheck: SelfChecks
) -> None:
    deleted = await selfcheck.delete(user_record)
    notice = (
        _("Your self-check result has been deleted.")
        if deleted
        else _("There is no saved self-check result.")
    )
    await show(query, intro_screen(await selfcheck.facts()).above(notice))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    in_questionnaire = QUESTIONS.filter()
    choice_steps = QUESTIONS.filter(*(STATE_OF[rule.id] for rule in RULES if rule.choices))
    typed_steps = QUESTIONS.filter(*(STATE_OF[rule.id] for rule in RULES if not rule.choices))
    start = EligibilityCb.filter(F.action == "start")

    on_command_or_button(router, "selfcheck", start, open_selfcheck)
    router.callback_query.register(begin, EligibilityCb.filter(F.action.in_({"begin", "retake"})))
    router.callback_query.register(delete_result, EligibilityCb.filter(F.action == "delete"))
    router.callback_query.register(
        result_detail, EligibilityCb.filter(F.action.in_({"detail", "result"}))
    )
    router.callback_query.register(
        answer_pressed, EligibilityCb.filter(F.action.in_({"answer", "keep"})), in_questionnaire
    )
    router.callback_query.register(
        go_back, EligibilityCb.filter(F.action == "back"), in_questionnaire
    )
    router.callback_query.register(
        cancel, EligibilityCb.filter(F.action == "cancel"), in_questionnaire
    )
    router.callback_query.register(open_selfcheck, ResumeCb.filter(), in_questionnaire)
    router.callback_query.register(out_of_date, EligibilityCb.filter())

    not_a_command = NotACommand()
    router.message.register(birth_typed, typed_steps, not_a_command)
    router.message.register(buttons_expected, choice_steps, not_a_command)
