"""🛫 Leaving Korea: /departure and the menu section open the voluntary-departure guide; its
buttons show one topic each, edited in place. The screens are in bot/departure/guide.py."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.departure.guide import GUIDE_KEYS, build, clean_card_text, root_screen
from bot.departure.plan import korea_today
from bot.telegram.callbacks import DepartureCb, MenuCb
from bot.telegram.dialogue import open_by_command_or_button
from bot.telegram.screens import Screen, show, show_below
from storage.content import ContentRepository


async def open_departure(
    event: Message | CallbackQuery, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    await state.clear()  # opening a section leaves any dialogue
    facts = await content.get_many(GUIDE_KEYS)
    await show(event, root_screen(facts, korea_today(clock.now())))


async def guide_screen(
    query: CallbackQuery, callback_data: DepartureCb, content: ContentRepository, clock: Clock
) -> None:
    facts = await content.get_many(GUIDE_KEYS)
    await show(query, build(callback_data.screen, facts, korea_today(clock.now())))


async def send_clean_card(query: CallbackQuery) -> None:
    """The Korean lines alone, as a message of their own that the worker holds up."""
    await show_below(
        query, Screen(clean_card_text(), notice=_("Sent below: show it to the officer."))
    )


# Transitional: the staff editor below moves to handlers/staff/ in the next commit.
from dataclasses import replace  # noqa: E402
from datetime import date  # noqa: E402
from html import escape  # noqa: E402

from aiogram.filters import Command, StateFilter  # noqa: E402
from aiogram.fsm.state import State, StatesGroup  # noqa: E402
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup  # noqa: E402
from aiogram.utils.i18n import ngettext  # noqa: E402

from bot.content.facts import parse_source_url, source_name  # noqa: E402
from bot.content.parsing import InputError, InputProblem, parse_date  # noqa: E402
from bot.departure.guide import _day, programme_screen  # noqa: E402
from bot.departure.guide import join as _screen  # noqa: E402
from bot.departure.programme import NOTE_LANGUAGES, NOTE_MAX_LENGTH, PROGRAMME_KEY, ProgrammeWindow  # noqa: E402
from bot.formatting import format_datetime  # noqa: E402
from bot.i18n import current_locale  # noqa: E402
from bot.telegram.callbacks import StaffCb  # noqa: E402
from bot.telegram.filters import NotACommand, StaffOnly  # noqa: E402
from bot.telegram.keyboards import back_to_menu_button  # noqa: E402
from storage.content import Fact, FactVersion  # noqa: E402
from storage.users import UserRecord  # noqa: E402

HISTORY_LIMIT = 5


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


async def _guide_facts(content: ContentRepository) -> dict[str, Fact]:
    return await content.get_many(GUIDE_KEYS)


# -- staff: /programme -------------------------------------------------------------------------


class ProgrammeEdit(StatesGroup):
    start = State()
    end = State()
    cutoff = State()
    note_kk = State()
    note_ru = State()
    note_en = State()
    source = State()
    preview = State()


STEPS: tuple[str, ...] = (
    "start",
    "end",
    "cutoff",
    "note_kk",
    "note_ru",
    "note_en",
    "source",
    "preview",
)
INPUT_STEPS = len(STEPS) - 1


def _state_of(step: str) -> State:
    state: State = getattr(ProgrammeEdit, step)
    return state


def _step_of(state_name: str | None) -> str | None:
    for step in STEPS:
        if _state_of(step).state == state_name:
            return step
    return None


def _nav_row(*, back: bool) -> list[InlineKeyboardButton]:
    row = [_button(_("✖️ Cancel"), StaffCb(action="prog_cancel").pack())]
    if back:
        row.insert(0, _button(_("⬅️ Back"), StaffCb(action="prog_back").pack()))
    return row


def _note_question(code: str) -> str:
    questions = {
        "kk": _(
            "Note in Kazakh, up to {limit} characters: users who read the bot in Kazakh see it."
        ),
        "ru": _(
            "Note in Russian, up to {limit} characters: users who read the bot in Russian see it."
        ),
        "en": _(
            "Note in English, up to {limit} characters: users who read the bot in English see it."
        ),
    }
    return questions[code].format(limit=NOTE_MAX_LENGTH)


def _current_of(step: str, window: ProgrammeWindow, fact: Fact) -> str:
    """What the published fact holds for this step, for the 'now' line and the keep button."""
    if step == "start":
        return _day(window.start)
    if step == "end":
        return _day(window.end)
    if step == "cutoff":
        return _day(window.irregular_before) if window.irregular_before else "—"
    if step.startswith("note_"):
        return escape(window.note.get(step.removeprefix("note_"), "")) or "—"
    return escape(fact.source_url)


def _draft_answer(step: str, value: str) -> str:
    if step in ("start", "end", "cutoff"):
        return _day(date.fromisoformat(value))
    return escape(value)


def step_screen(
    step: str, data: dict[str, str], fact: Fact, problem: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    window = ProgrammeWindow.from_value(fact.value)
    number = STEPS.index(step) + 1
    header = _("<b>Programme window</b>, step {number} of {total}").format(
        number=number, total=INPUT_STEPS
    )
    if step == "start":
        question = _("First day of the programme? Send a date like 01.12.2025 or 2025-12-01.")
    elif step == "end":
        question = _("Last day of the programme (inclusive)? It starts on {start}.").format(
            start=_day(date.fromisoformat(data["start"]))
        )
    elif step == "cutoff":
        question = _(
            "Cut-off date: the programme covers people whose stay became irregular before "
            "which day?"
        )
    elif step.startswith("note_"):
        question = _note_question(step.removeprefix("note_"))
    else:
        question = _(
            "Source: send the web address of the announcement (https://…), or keep the current one."
        )
    now_line = _("Now: {current}").format(current=_current_of(step, window, fact))
    if data.get(step):
        now_line += "\n" + _("Your answer: {answer}").format(answer=_draft_answer(step, data[step]))
    text = _screen(problem or "", f"{header}\n{question}\n{now_line}")
    keep_label = (
        _("↩️ Keep the current note")
        if step.startswith("note_")
        else _("↩️ Keep the current source")
        if step == "source"
        else _("↩️ Keep: {value}").format(value=_current_of(step, window, fact))
    )
    rows = [[_button(keep_label, StaffCb(action="prog_keep").pack())]]
    if step == "start":
        rows.append([_button(_("🕘 History"), StaffCb(action="prog_history").pack())])
    rows.append(_nav_row(back=step != "start"))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _draft(data: dict[str, str], fact: Fact, today: date) -> Fact:
    """The fact as it will be published: new value, new source if one was given, checked today."""
    window = ProgrammeWindow(
        start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]),
        irregular_before=date.fromisoformat(data["cutoff"]) if data.get("cutoff") else None,
        note={code: data[f"note_{code}"] for code in NOTE_LANGUAGES if data.get(f"note_{code}")},
    )
    source = data.get("source")
    return replace(
        fact,
        value=window.to_value(),
        source_url=source or fact.source_url,
        source_date=None if source else fact.source_date,
        checked_on=today,
    )


def preview_screen(
    data: dict[str, str], facts: dict[str, Fact], today: date, problem: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    draft = _draft(data, facts[PROGRAMME_KEY], today)
    notes = "\n".join(
        f"{code}: {escape(data.get(f'note_{code}', '')) or '—'}" for code in NOTE_LANGUAGES
    )
    text = _screen(
        problem or "",
        _("<b>Preview</b>: users will see this (each in their own language):"),
        "──────────\n" + programme_screen({**facts, PROGRAMME_KEY: draft}, today) + "\n──────────",
        _("<b>Notes in every language</b>") + "\n" + notes,
        _("Publish this?"),
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✅ Confirm and publish"), StaffCb(action="prog_confirm").pack())],
            _nav_row(back=True),
        ]
    )
    return text, markup


def history_screen(
    versions: list[FactVersion], *, in_dialogue: bool
) -> tuple[str, InlineKeyboardMarkup]:
    locale = current_locale()
    blocks = [_("<b>Programme window: last versions</b>")]
    for number, version in enumerate(versions, start=1):
        window = ProgrammeWindow.from_value(version.value)
        who = (
            _("staff member {id}").format(id=version.changed_by)
            if version.changed_by is not None
            else _("initial data")
        )
        cutoff = _day(window.irregular_before) if window.irregular_before else "—"
        blocks.append(
            _(
                "{number}. {when} · {who}\n{start} – {end}, cut-off {cutoff}\nsource: {source}"
            ).format(
                number=number,
                when=format_datetime(version.changed_at, "Asia/Seoul", locale),
                who=who,
                start=_day(window.start),
                end=_day(window.end),
                cutoff=cutoff,
                source=escape(source_name(version.source_url)),
            )
        )
    back = (
        _button(_("⬅️ Back"), StaffCb(action="prog_resume").pack())
        if in_dialogue
        else back_to_menu_button()
    )
    return _screen(*blocks), InlineKeyboardMarkup(inline_keyboard=[[back]])


def _problem(problem: InputProblem) -> str:
    texts = {
        InputProblem.DATE_FORMAT: _(
            "I could not read that date. Please send it like 25.12.2026, 2026-12-25 or 25/12."
        ),
        InputProblem.NO_SUCH_DATE: _(
            "There is no such date in the calendar. Please check the day and the month."
        ),
    }
    return "⚠️ " + texts.get(problem, texts[InputProblem.DATE_FORMAT])


async def _show_step(
    event: Message | CallbackQuery,
    step: str,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
    problem: str | None = None,
) -> None:
    await state.set_state(_state_of(step))
    data = await state.get_data()
    if step == "preview":
        facts = await _guide_facts(content)
        await show(event, *preview_screen(data, facts, korea_today(clock.now()), problem))
    else:
        fact = await content.get(PROGRAMME_KEY)
        await show(event, *step_screen(step, data, fact, problem))


def _next(step: str) -> str:
    return STEPS[STEPS.index(step) + 1]


async def _accept(
    event: Message | CallbackQuery,
    step: str,
    value: str,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
) -> None:
    """Validate one answer (typed, or the current value kept) and move on, or re-prompt."""
    data = await state.get_data()
    problem: str | None = None
    if step in ("start", "end", "cutoff"):
        try:
            day = parse_date(value, korea_today(clock.now()))
        except InputError as error:
            problem = _problem(error.problem)
        else:
            if step == "end" and day < date.fromisoformat(data["start"]):
                problem = "⚠️ " + _(
                    "The last day cannot be before the first day ({start}). Please send "
                    "another date."
                ).format(start=_day(date.fromisoformat(data["start"])))
            else:
                value = day.isoformat()
    elif step.startswith("note_"):
        value = value.strip()
        if not value:
            problem = "⚠️ " + _("Please send the note as a text message.")
        elif len(value) > NOTE_MAX_LENGTH:
            problem = "⚠️ " + ngettext(
                "That is {length} character; please keep it to {limit}.",
                "That is {length} characters; please keep it to {limit}.",
                len(value),
            ).format(length=len(value), limit=NOTE_MAX_LENGTH)
    elif step == "source":
        value = value.strip()
        if value and parse_source_url(value) is None:
            problem = "⚠️ " + _(
                "That does not look like a web address. Please send a link that starts with "
                "https://, or keep the current source."
            )
    if problem:
        await _show_step(event, step, state, content, clock, problem)
        return
    await state.update_data({step: value})
    await _show_step(event, _next(step), state, content, clock)


async def programme_command(
    message: Message, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    await state.clear()
    await _show_step(message, "start", state, content, clock)


async def programme_typed(
    message: Message, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    step = _step_of(await state.get_state())
    if step is None:
        return
    if step == "preview":
        hint = "⚠️ " + _("Please confirm or cancel with the buttons below.")
        await _show_step(message, step, state, content, clock, hint)
        return
    await _accept(message, step, message.text or "", state, content, clock)


async def programme_keep(
    query: CallbackQuery, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    step = _step_of(await state.get_state())
    if step is None or step == "preview":
        await query.answer(_("This button is out of date."))
        return
    fact = await content.get(PROGRAMME_KEY)
    window = ProgrammeWindow.from_value(fact.value)
    kept = {
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "cutoff": window.irregular_before.isoformat() if window.irregular_before else "",
        "source": "",
    }
    if step.startswith("note_"):
        value = window.note.get(step.removeprefix("note_"), "")
    else:
        value = kept[step]
    if step == "cutoff" and not value:
        await state.update_data(cutoff="")
        await _show_step(query, _next(step), state, content, clock)
        return
    await _accept(query, step, value, state, content, clock)


async def programme_back(
    query: CallbackQuery, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    step = _step_of(await state.get_state())
    if step is None:
        await query.answer(_("This button is out of date."))
        return
    previous = STEPS[max(STEPS.index(step) - 1, 0)]
    await _show_step(query, previous, state, content, clock)


async def programme_resume(
    query: CallbackQuery, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    step = _step_of(await state.get_state())
    if step is None:
        await query.answer(_("This button is out of date."))
        return
    await _show_step(query, step, state, content, clock)


async def programme_cancel(query: CallbackQuery, state: FSMContext) -> None:
    if _step_of(await state.get_state()) is None:
        await query.answer(_("This button is out of date."))
        return
    await state.clear()
    await show(
        query,
        _("Okay, nothing was changed: users still see the programme window as before."),
        InlineKeyboardMarkup(inline_keyboard=[[back_to_menu_button()]]),
    )


async def programme_confirm(
    query: CallbackQuery,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
    user_record: UserRecord,
) -> None:
    if _step_of(await state.get_state()) != "preview":
        await query.answer(_("This button is out of date."))
        return
    data = await state.get_data()
    now = clock.now()
    draft = _draft(data, await content.get(PROGRAMME_KEY), korea_today(now))
    await content.update(
        PROGRAMME_KEY,
        value=draft.value,
        by=user_record.id,
        now=int(now),
        checked_on=draft.checked_on,
        source_url=data.get("source") or None,
    )
    await state.clear()
    facts = await _guide_facts(content)
    text = _screen(
        _("✅ Published. Users now see the programme window like this:"),
        programme_screen(facts, korea_today(now)),
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("🕘 History"), StaffCb(action="prog_history").pack())],
            [back_to_menu_button()],
        ]
    )
    await show(query, text, markup)


async def programme_history(
    query: CallbackQuery, state: FSMContext, content: ContentRepository
) -> None:
    versions = await content.history(PROGRAMME_KEY, limit=HISTORY_LIMIT)
    in_dialogue = _step_of(await state.get_state()) is not None
    await show(query, *history_screen(versions, in_dialogue=in_dialogue))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    open_by_command_or_button(
        router,
        open_departure,
        command="departure",
        button_filter=MenuCb.filter(F.section == "departure"),
    )
    router.callback_query.register(send_clean_card, DepartureCb.filter(F.screen == "card_send"))
    router.callback_query.register(guide_screen, DepartureCb.filter())

    # Staff only: everyone else falls through to handlers/staff.py's refusals.
    staff = StaffOnly()
    router.message.register(programme_command, Command("programme"), staff)
    editing = StateFilter(*(_state_of(step) for step in STEPS))
    router.message.register(programme_typed, editing, NotACommand(), staff)
    actions = {
        "prog_keep": programme_keep,
        "prog_back": programme_back,
        "prog_resume": programme_resume,
        "prog_cancel": programme_cancel,
        "prog_confirm": programme_confirm,
        "prog_history": programme_history,
    }
    for action, handler in actions.items():
        router.callback_query.register(handler, StaffCb.filter(F.action == action), staff)
