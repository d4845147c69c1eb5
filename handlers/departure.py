"""🛫 Leaving Korea: the voluntary-departure guide, the card for the officer, and the staff
dialogue that updates the programme window.

Every date, number and phone in these screens comes from the content facts (staff can change
them without a deploy); the prose is in the catalogs. Each screen that states a fact ends with
its source lines. The programme's status is computed from the clock on every view, so a window
that has ended is never shown as open.

The staff dialogue (/programme) keeps every answer in FSM data (stored in SQLite): bad input,
"back" or a restart never loses the earlier steps, and nothing is published before a preview
and an explicit confirmation.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.clock import Clock
from bot.content.facts import (
    contact,
    localized,
    parse_source_url,
    source_line,
    source_name,
    unconfirmed_line,
)
from bot.content.parsing import InputError, InputProblem, parse_date
from bot.departure.guide import (
    NOTE_LANGUAGES,
    NOTE_MAX_LENGTH,
    OFFICER_CARD,
    PROGRAMME_KEY,
    ProgrammeWindow,
    WindowStatus,
    officer_card_korean,
    programme_state,
)
from bot.departure.plan import korea_today
from bot.formatting import format_datetime, format_day
from bot.i18n import current_locale
from bot.telegram.callbacks import ChecklistCb, DepartureCb, MenuCb, StaffCb
from bot.telegram.filters import NotACommand, StaffOnly
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import show
from storage.content import ContentRepository, Fact, FactVersion
from storage.users import UserRecord

GUIDE_KEYS = (
    PROGRAMME_KEY,
    "departure.procedure",
    "departure.online",
    "departure.benefits",
    "departure.excluded",
    "departure.excluded_past",
    "contacts",
)
HISTORY_LIMIT = 5


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def _day(value: date) -> str:
    return format_day(value, current_locale())


def _sources(*facts: Fact) -> str:
    """The source lines of the facts a screen states, each once, in the order given."""
    lines: list[str] = []
    for fact in facts:
        line = source_line(fact)
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)


def _screen(*blocks: str) -> str:
    return "\n\n".join(block for block in blocks if block)


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


def root_screen(facts: dict[str, Fact], today: date) -> tuple[str, InlineKeyboardMarkup]:
    programme, contacts = facts[PROGRAMME_KEY], facts["contacts"]
    window = ProgrammeWindow.from_value(programme.value)
    ended = programme_state(window, today).status is WindowStatus.ENDED
    text = _screen(
        _(
            "<b>🛫 Voluntary departure</b>\n"
            "If your stay in Korea has become irregular, you can report to Korean immigration "
            "yourself and fly home: this is voluntary departure (자진출국). During a programme, "
            "it is the way to leave without a fine and to keep the road open for returning "
            "legally later."
        ),
        _("<b>Programme window</b>") + "\n" + status_line(window, today, contacts),
        _("Choose what you want to know:"),
        _sources(programme, *((contacts,) if ended else ())),
    )
    rows = [
        [_button(_("❓ What it is"), DepartureCb(screen="what").pack())],
        [_button(_("👥 Who can use it"), DepartureCb(screen="who").pack())],
        [_button(_("📍 Where & when to report"), DepartureCb(screen="where").pack())],
        [_button(_("📅 Programme window"), DepartureCb(screen="programme").pack())],
        [_button(_("🪪 Card for the officer"), DepartureCb(screen="card").pack())],
        [_button(_("✅ My checklist"), ChecklistCb(action="show").pack())],
        [back_to_menu_button()],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _back_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("⬅️ Back"), DepartureCb(screen="root").pack())]]
    )


def what_screen(facts: dict[str, Fact]) -> str:
    contacts = facts["contacts"]
    return _screen(
        _(
            "<b>❓ What voluntary departure is</b>\n"
            "A foreigner whose stay has become irregular goes to Korean immigration on their "
            "own, reports the departure and leaves Korea. This is not deportation: you choose "
            "the day and fly on your own ticket."
        ),
        _(
            "<b>What a programme spares you</b>\n"
            "During a special programme, Korea waives the fine (범칙금) and does not impose an "
            "entry ban on those who leave within the window. You leave without a fine, and the "
            "road to returning legally later stays open."
        ),
        _(
            "<b>What it does not do</b>\n"
            "• It does not cover everyone: see «Who can use it».\n"
            "• Outside a programme, or if you are not covered, fines owed are paid to "
            "immigration before you leave.\n"
            "• The usual rules on entry bans outside a programme could not be confirmed: the "
            "rules found are old."
        ),
        _no_eps_guarantee(),
        unconfirmed_line(contacts),
        _sources(facts["departure.benefits"], facts["departure.online"]),
    )


def who_screen(facts: dict[str, Fact]) -> str:
    programme, contacts = facts[PROGRAMME_KEY], facts["contacts"]
    window = ProgrammeWindow.from_value(programme.value)
    if window.irregular_before is not None:
        covered = _(
            "The programme is for foreigners whose stay in Korea became irregular before "
            "{cutoff}. Citizens of Kazakhstan are covered: Kazakhstan's Ministry of Labour and "
            "Social Protection of the Population confirmed it."
        ).format(cutoff=_day(window.irregular_before))
        late = _("• people whose stay became irregular on or after {cutoff};").format(
            cutoff=_day(window.irregular_before)
        )
    else:
        covered = _(
            "The programme is for foreigners whose stay in Korea became irregular before the "
            "date the programme sets. Citizens of Kazakhstan are covered: Kazakhstan's Ministry "
            "of Labour and Social Protection of the Population confirmed it."
        )
        late = _("• people whose stay became irregular after the programme's cut-off date;")
    return _screen(
        _("<b>👥 Who can use it</b>") + "\n" + covered,
        _(
            "You need: a valid passport, a voluntary-departure application (자진출국 신고서) "
            "and an air ticket."
        ),
        _("<b>Not covered</b>")
        + "\n"
        + _("• people who committed criminal offences and are subject to deportation;")
        + "\n"
        + late
        + "\n"
        + _(
            "• in earlier programmes also: people who entered Korea illegally, used a forged or "
            "altered passport, or did not obey a departure order."
        ),
        _(
            "If one of these may apply to you, or you are not sure, call {immigration} "
            "(interpreters available) before you buy a ticket."
        ).format(immigration=contact(contacts, "immigration")),
        _sources(
            facts["departure.excluded"], programme, facts["departure.excluded_past"], contacts
        ),
    )


def where_screen(facts: dict[str, Fact]) -> str:
    procedure, contacts = facts["departure.procedure"], facts["contacts"]
    min_days = int(procedure.value.get("report_min_days", 3))
    max_days = int(procedure.value.get("report_max_days", 15))
    hours = int(procedure.value.get("airport_hours", 4))
    return _screen(
        ngettext(
            "<b>📍 Where and when to report</b>\n"
            "Report at least {count} day before your departure (public holidays do not count). "
            "Take your passport, the voluntary-departure report form (자진출국 신고서) and your "
            "air ticket.",
            "<b>📍 Where and when to report</b>\n"
            "Report at least {count} days before your departure (public holidays do not count). "
            "Take your passport, the voluntary-departure report form (자진출국 신고서) and your "
            "air ticket.",
            min_days,
        ).format(count=min_days),
        _(
            "<b>1. In person</b>\n"
            "At the immigration office (출입국·외국인청) for your place of residence."
        ),
        _(
            "<b>2. Online on HiKorea</b> ({hikorea})\n"
            "{min_days} to {max_days} days before departure, once your ticket is booked: "
            "enter your details, the departure date, the airport and the flight number."
        ).format(
            hikorea=contact(contacts, "hikorea"),
            min_days=min_days,
            max_days=max_days,
        )
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
    """The window, its status today, the staff note and the sources: exactly what staff
    preview before publishing a change."""
    programme, procedure, contacts = (
        facts[PROGRAMME_KEY],
        facts["departure.procedure"],
        facts["contacts"],
    )
    window = ProgrammeWindow.from_value(programme.value)
    ended = programme_state(window, today).status is WindowStatus.ENDED
    lines = [
        _(
            "<b>📅 Programme window</b>\n"
            "Korea's voluntary-departure programme runs from {start} to {end} inclusive."
        ).format(start=_day(window.start), end=_day(window.end))
    ]
    if window.irregular_before is not None:
        lines.append(
            _("It covers people whose stay became irregular before {cutoff}.").format(
                cutoff=_day(window.irregular_before)
            )
        )
    lines.append(_("Leaving within the window: no fine and no entry ban."))
    min_days = int(procedure.value.get("report_min_days", 3))
    if ended:
        procedure_text = ngettext(
            "The standard pre-report procedure still applies: report to immigration at least "
            "{count} day before your flight (see «Where & when to report»). Outside a "
            "programme, fines owed are paid on departure, and the rules on entry bans are not "
            "confirmed.",
            "The standard pre-report procedure still applies: report to immigration at least "
            "{count} days before your flight (see «Where & when to report»). Outside a "
            "programme, fines owed are paid on departure, and the rules on entry bans are not "
            "confirmed.",
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
    return _screen(
        "\n".join(lines),
        status_line(window, today, contacts),
        procedure_text,
        f"📝 {note}" if note else "",
        _no_eps_guarantee(),
        unconfirmed_line(contacts) if ended else "",
        _sources(
            programme, facts["departure.benefits"], procedure, *((contacts,) if ended else ())
        ),
    )


def card_screen() -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        f"<b>{escape(line.korean)}</b>\n<i>{escape(str(line.meaning))}</i>" for line in OFFICER_CARD
    ]
    text = _screen(
        _(
            "<b>🪪 Card for the officer</b>\n"
            "Show this screen at the immigration office or at the airport. Below each Korean "
            "line is what it says."
        ),
        "\n\n".join(lines),
        _("To show the Korean text alone, in a message of its own, press the button below."),
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    _("📤 Korean text as a separate message"),
                    DepartureCb(screen="card_send").pack(),
                )
            ],
            [_button(_("⬅️ Back"), DepartureCb(screen="root").pack())],
        ]
    )
    return text, markup


def clean_card_text() -> str:
    """Korean only, bold, nothing else: the message a worker holds up to the officer."""
    return "\n".join(f"<b>{escape(line)}</b>" for line in officer_card_korean().splitlines())


async def _guide_facts(content: ContentRepository) -> dict[str, Fact]:
    return await content.get_many(GUIDE_KEYS)


async def departure_command(
    message: Message, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    await state.clear()
    await show(message, *root_screen(await _guide_facts(content), korea_today(clock.now())))


async def departure_section(
    query: CallbackQuery, state: FSMContext, content: ContentRepository, clock: Clock
) -> None:
    await state.clear()
    await show(query, *root_screen(await _guide_facts(content), korea_today(clock.now())))


async def guide_screen(
    query: CallbackQuery,
    callback_data: DepartureCb,
    content: ContentRepository,
    clock: Clock,
) -> None:
    facts = await _guide_facts(content)
    today = korea_today(clock.now())
    screen = callback_data.screen
    if screen == "root":
        await show(query, *root_screen(facts, today))
    elif screen == "what":
        await show(query, what_screen(facts), _back_keyboard())
    elif screen == "who":
        await show(query, who_screen(facts), _back_keyboard())
    elif screen == "where":
        await show(query, where_screen(facts), _back_keyboard())
    elif screen == "programme":
        await show(query, programme_screen(facts, today), _back_keyboard())
    elif screen == "card":
        await show(query, *card_screen())
    else:  # a screen of an older release
        await show(query, *root_screen(facts, today), notice=_("This button is out of date."))


async def send_clean_card(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        await query.message.answer(clean_card_text())
    elif query.bot is not None:
        await query.bot.send_message(query.from_user.id, clean_card_text())
    await query.answer(_("Sent below: show it to the officer."))


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
    router.message.register(departure_command, Command("departure"))
    router.callback_query.register(departure_section, MenuCb.filter(F.section == "departure"))
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
