"""Kazakhstan's accession tracker: the screen users open from the EPS section (with a
subscription toggle), the buttons under the news, and the staff dialogue behind /tracker.

Staff dialogue: stage (buttons) -> note in kk -> ru -> en -> source link (or keep) -> preview of
the news in all three languages -> confirm. Each step has Back and Cancel; the draft lives in
FSM data (SQLite), so a restart keeps its place. Confirming writes the fact (content_history
keeps every version) and queues one "tracker.news" reminder per reachable subscriber.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.content.facts import parse_source_url, source_name
from bot.content.parsing import InputError, InputProblem, parse_reminder_text
from bot.content.profile import effective_time_zone
from bot.eps.tracker import (
    FACT_KEY,
    JOINED,
    LANGUAGES,
    NOTE_LIMIT,
    STAGE_COUNT,
    STAGE_TITLES,
    TOPIC,
    accession_value,
    cancel_news_for,
    excerpt,
    news_keyboard,
    parse_accession,
    publish_news,
    render_news,
    render_screen,
    same_status,
    screen_keyboard,
    stage_label,
    today_in_kazakhstan,
)
from bot.formatting import format_datetime
from bot.i18n import LANGUAGE_NAMES, current_locale
from bot.reminders.engine import ReminderEngine
from bot.telegram.callbacks import StaffCb, TrackerCb
from bot.telegram.filters import NotACommand, StaffOnly
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import show
from storage.content import ContentRepository, Fact
from storage.subscriptions import SubscriptionRepository
from storage.users import UserRecord

log = logging.getLogger(__name__)

HISTORY_LIMIT = 8
STEPS = 5  # stage, three notes, source; the preview follows

# Staff buttons are StaffCb actions, so staff.py's refusal covers them for everyone else and
# the authorisation test walks them (they are listed in handlers/staff.py STAFF_ACTIONS).
PANEL = "tracker_panel"
EDIT = "tracker_edit"
HISTORY = "tracker_history"
KEEP = "tracker_keep"
BACK = "tracker_back"
CANCEL = "tracker_cancel"
CONFIRM = "tracker_confirm"
STAGE_ACTIONS: dict[str, int] = {
    "tracker_stage_1": 1,
    "tracker_stage_2": 2,
    "tracker_stage_3": 3,
    "tracker_joined": JOINED,
}


class TrackerEdit(StatesGroup):
    stage = State()
    note_kk = State()
    note_ru = State()
    note_en = State()
    source = State()
    preview = State()


NOTE_STATES: dict[str, State] = {
    "kk": TrackerEdit.note_kk,
    "ru": TrackerEdit.note_ru,
    "en": TrackerEdit.note_en,
}
_LANGUAGE_OF_STATE = {state.state: lang for lang, state in NOTE_STATES.items()}


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def _staff(action: str) -> str:
    return StaffCb(action=action).pack()


def _with_problem(text: str, problem: str | None) -> str:
    return f"⚠️ {problem}\n\n{text}" if problem else text


def _nav_row(*, back: bool) -> list[InlineKeyboardButton]:
    row = [_button(_("✖️ Cancel"), _staff(CANCEL))]
    if back:
        row.insert(0, _button(_("⬅️ Back"), _staff(BACK)))
    return row


# -- user side ----------------------------------------------------------------------------------


async def _user_screen(
    content: ContentRepository, subscriptions: SubscriptionRepository, user_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    facts = await content.get_many((FACT_KEY, "contacts"))
    subscribed = await subscriptions.is_subscribed(user_id, TOPIC)
    text = render_screen(facts[FACT_KEY], facts["contacts"], subscribed=subscribed)
    return text, screen_keyboard(subscribed=subscribed)


async def show_tracker(
    query: CallbackQuery,
    callback_data: TrackerCb,
    content: ContentRepository,
    subscriptions: SubscriptionRepository,
    user_record: UserRecord,
) -> None:
    text, markup = await _user_screen(content, subscriptions, user_record.id)
    if callback_data.value == "new" and isinstance(query.message, Message):
        # From under a news message: keep the news in the chat, open the tracker below it.
        await query.message.answer(text, reply_markup=markup)
        await query.answer()
        return
    await show(query, text, markup)


async def _swap_news_buttons(query: CallbackQuery, *, subscribed: bool, notice: str) -> None:
    """Under a news message the text stays; only its subscribe button flips."""
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=news_keyboard(subscribed=subscribed))
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                log.info("news buttons not updated: %s", error.message)
    await query.answer(notice)


async def subscribe(
    query: CallbackQuery,
    callback_data: TrackerCb,
    content: ContentRepository,
    subscriptions: SubscriptionRepository,
    user_record: UserRecord,
    clock: Clock,
) -> None:
    await subscriptions.subscribe(user_record.id, TOPIC, now=int(clock.now()))
    notice = _("🔔 Done: I will write to you when the status changes.")
    if callback_data.value == "news":
        await _swap_news_buttons(query, subscribed=True, notice=notice)
        return
    text, markup = await _user_screen(content, subscriptions, user_record.id)
    await show(query, text, markup, notice=notice)


async def unsubscribe(
    query: CallbackQuery,
    callback_data: TrackerCb,
    content: ContentRepository,
    subscriptions: SubscriptionRepository,
    user_record: UserRecord,
    reminders: ReminderEngine,
) -> None:
    await subscriptions.unsubscribe(user_record.id, TOPIC)
    await cancel_news_for(reminders, user_record.id)
    notice = _("🔕 Done: I will not send you these updates any more.")
    if callback_data.value == "news":
        await _swap_news_buttons(query, subscribed=False, notice=notice)
        return
    text, markup = await _user_screen(content, subscriptions, user_record.id)
    await show(query, text, markup, notice=notice)


# -- staff: panel and history -----------------------------------------------------------------


async def _panel(
    content: ContentRepository, subscriptions: SubscriptionRepository, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    facts = await content.get_many((FACT_KEY, "contacts"))
    count = await subscriptions.count_reachable(TOPIC)
    lines = [notice, ""] if notice else []
    lines += [
        _("<b>Accession tracker</b> (staff)"),
        ngettext(
            "The next update goes to {count} subscriber.",
            "The next update goes to {count} subscribers.",
            count,
        ).format(count=count),
        _("Users see this now:"),
        "",
        render_screen(facts[FACT_KEY], facts["contacts"], subscribed=False),
    ]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✏️ Update the stage and note"), _staff(EDIT))],
            [_button(_("📜 History of changes"), _staff(HISTORY))],
            [back_to_menu_button()],
        ]
    )
    return "\n".join(lines), markup


async def tracker_command(
    message: Message,
    state: FSMContext,
    content: ContentRepository,
    subscriptions: SubscriptionRepository,
) -> None:
    await state.clear()
    text, markup = await _panel(content, subscriptions)
    await message.answer(text, reply_markup=markup)


async def open_panel(
    query: CallbackQuery,
    state: FSMContext,
    content: ContentRepository,
    subscriptions: SubscriptionRepository,
) -> None:
    await state.clear()
    await show(query, *(await _panel(content, subscriptions)))


async def open_history(
    query: CallbackQuery, content: ContentRepository, user_record: UserRecord
) -> None:
    zone = effective_time_zone(user_record)
    lines = [_("<b>History of changes</b>, newest first")]
    for version in await content.history(FACT_KEY, limit=HISTORY_LIMIT):
        who = (
            _("by staff member {id}").format(id=version.changed_by)
            if version.changed_by is not None
            else _("initial data")
        )
        lines += [
            "",
            f"<b>{format_datetime(version.changed_at, zone, current_locale())}</b> · {who}",
            escape(stage_label(parse_accession(version.value).stage)),
            f"📝 {excerpt(version.value)}",
            f"🔎 {escape(source_name(version.source_url))}",
        ]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("⬅️ Back"), _staff(PANEL))], [back_to_menu_button()]]
    )
    await show(query, "\n".join(lines), markup)


# -- staff: the update dialogue -----------------------------------------------------------------


def _stage_screen(current: Fact, problem: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "<b>Tracker update</b>, step {step} of {total}\n"
        "Which stage is Kazakhstan at now?\nNow: {current}."
    ).format(step=1, total=STEPS, current=stage_label(parse_accession(current.value).stage))
    rows = [
        [_button(f"{number}. {STAGE_TITLES[number]}", _staff(action))]
        for action, number in STAGE_ACTIONS.items()
        if number <= STAGE_COUNT
    ]
    rows.append([_button(_("🎉 All three stages passed"), _staff("tracker_joined"))])
    rows.append(_nav_row(back=False))
    return _with_problem(text, problem), InlineKeyboardMarkup(inline_keyboard=rows)


def _note_screen(
    lang: str, data: dict[str, Any], current: Fact, problem: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    now_text = parse_accession(current.value).note.get(lang, "")
    text = _(
        "<b>Tracker update</b>, step {step} of {total}\n"
        "{stage}\n"
        "Language of this note: {language}\n"
        "Send a short note (up to {limit} characters): what changed and when. Readers see it "
        "exactly as you write it.\n\n"
        "Current note:\n{current}"
    ).format(
        step=2 + LANGUAGES.index(lang),
        total=STEPS,
        stage=stage_label(int(data["stage"])),
        language=LANGUAGE_NAMES[lang],
        limit=NOTE_LIMIT,
        current=f"<i>{escape(now_text)}</i>" if now_text else "—",
    )
    rows = [[_button(_("↩️ Keep the current note"), _staff(KEEP))], _nav_row(back=True)]
    return _with_problem(text, problem), InlineKeyboardMarkup(inline_keyboard=rows)


def _source_screen(current: Fact, problem: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "<b>Tracker update</b>, step {step} of {total}\n"
        "Send a link to the source (starting with http:// or https://), or keep the current "
        "one:\n{current}"
    ).format(step=STEPS, total=STEPS, current=escape(current.source_url))
    rows = [[_button(_("↩️ Keep the current source"), _staff(KEEP))], _nav_row(back=True)]
    return _with_problem(text, problem), InlineKeyboardMarkup(inline_keyboard=rows)


def _draft(data: dict[str, Any], current: Fact, clock: Clock) -> Fact:
    """The fact as it will be after confirming: what the preview shows and the update writes.
    A status that stays the same keeps its date; a new source has no publication date yet."""
    today = today_in_kazakhstan(clock.now())
    value = accession_value(int(data["stage"]), today, data["notes"])
    if same_status(current.value, value):
        value = dict(current.value)
    source_url = data.get("source_url")
    return Fact(
        key=FACT_KEY,
        value=value,
        source_url=source_url or current.source_url,
        source_date=None if source_url else current.source_date,
        checked_on=today,
        confidence=current.confidence,
    )


async def _preview_screen(
    data: dict[str, Any], current: Fact, clock: Clock, subscriptions: SubscriptionRepository
) -> tuple[str, InlineKeyboardMarkup]:
    draft = _draft(data, current, clock)
    count = await subscriptions.count_reachable(TOPIC)
    lines = [
        _(
            "<b>Preview</b>. Subscribers get this message, each in their own language; the "
            "tracker screen shows the same status."
        ),
        ngettext(
            "It will be sent to {count} subscriber.",
            "It will be sent to {count} subscribers.",
            count,
        ).format(count=count),
    ]
    i18n = I18n.get_current()
    for lang in LANGUAGES:
        with i18n.use_locale(lang):
            news = render_news(draft)
        lines += ["", f"<b>— {LANGUAGE_NAMES[lang]} —</b>", news]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✅ Confirm and notify"), _staff(CONFIRM))],
            _nav_row(back=True),
        ]
    )
    return "\n".join(lines), markup


async def _show_step(
    event: Message | CallbackQuery,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
    subscriptions: SubscriptionRepository,
    problem: str | None = None,
) -> None:
    """Show whatever step the dialogue is at (after a move, an error or a restart)."""
    current = await content.get(FACT_KEY)
    step = await state.get_state()
    data = await state.get_data()
    if step in _LANGUAGE_OF_STATE:
        await show(event, *_note_screen(_LANGUAGE_OF_STATE[step], data, current, problem))
    elif step == TrackerEdit.source.state:
        await show(event, *_source_screen(current, problem))
    elif step == TrackerEdit.preview.state:
        text, markup = await _preview_screen(data, current, clock, subscriptions)
        await show(event, _with_problem(text, problem), markup)
    else:
        await show(event, *_stage_screen(current, problem))


async def start_edit(query: CallbackQuery, state: FSMContext, content: ContentRepository) -> None:
    await state.set_state(TrackerEdit.stage)
    await state.set_data({"notes": {}})
    await show(query, *_stage_screen(await content.get(FACT_KEY)))


async def stage_chosen(
    query: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
    subscriptions: SubscriptionRepository,
) -> None:
    await state.update_data(stage=STAGE_ACTIONS[callback_data.action])
    await state.set_state(NOTE_STATES[LANGUAGES[0]])
    await _show_step(query, state, content, clock, subscriptions)


async def _after_note(state: FSMContext, lang: str) -> None:
    index = LANGUAGES.index(lang)
    if index + 1 < len(LANGUAGES):
        await state.set_state(NOTE_STATES[LANGUAGES[index + 1]])
    else:
        await state.set_state(TrackerEdit.source)


async def _save_note(state: FSMContext, lang: str, text: str) -> None:
    notes = dict((await state.get_data()).get("notes", {}))
    notes[lang] = text
    await state.update_data(notes=notes)
    await _after_note(state, lang)


def _note_problem(problem: InputProblem, length: int) -> str:
    if problem is InputProblem.TEXT_TOO_LONG:
        return ngettext(
            "That is {length} character; please keep it to {limit}.",
            "That is {length} characters; please keep it to {limit}.",
            length,
        ).format(length=length, limit=NOTE_LIMIT)
    return _("Please send the note as a text message.")


async def note_typed(
    message: Message,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
    subscriptions: SubscriptionRepository,
) -> None:
    lang = _LANGUAGE_OF_STATE[str(await state.get_state())]
    try:
        note = parse_reminder_text(message.text, NOTE_LIMIT)
    except InputError as error:
        problem = _note_problem(error.problem, len((message.text or "").strip()))
        await _show_step(message, state, content, clock, subscriptions, problem)
        return
    await _save_note(state, lang, note)
    await _show_step(message, state, content, clock, subscriptions)


async def source_typed(
    message: Message,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
    subscriptions: SubscriptionRepository,
) -> None:
    url = parse_source_url(message.text)
    if url is None:
        problem = _(
            "That does not look like a link. Please send one that starts with http:// or "
            "https://, or keep the current source."
        )
        await _show_step(message, state, content, clock, subscriptions, problem)
        return
    await state.update_data(source_url=url)
    await state.set_state(TrackerEdit.preview)
    await _show_step(message, state, content, clock, subscriptions)


async def keep_current(
    query: CallbackQuery,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
    subscriptions: SubscriptionRepository,
) -> None:
    step = str(await state.get_state())
    if step in _LANGUAGE_OF_STATE:
        lang = _LANGUAGE_OF_STATE[step]
        current = parse_accession((await content.get(FACT_KEY)).value).note.get(lang, "")
        if not current:
            await query.answer(_("There is no current note in this language: please send one."))
            return
        await _save_note(state, lang, current)
    else:
        await state.update_data(source_url=None)
        await state.set_state(TrackerEdit.preview)
    await _show_step(query, state, content, clock, subscriptions)


_PREVIOUS: dict[str, State] = {
    TrackerEdit.note_kk.state: TrackerEdit.stage,
    TrackerEdit.note_ru.state: TrackerEdit.note_kk,
    TrackerEdit.note_en.state: TrackerEdit.note_ru,
    TrackerEdit.source.state: TrackerEdit.note_en,
    TrackerEdit.preview.state: TrackerEdit.source,
}


async def go_back(
    query: CallbackQuery,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
    subscriptions: SubscriptionRepository,
) -> None:
    await state.set_state(_PREVIOUS.get(str(await state.get_state()), TrackerEdit.stage))
    await _show_step(query, state, content, clock, subscriptions)


async def cancel_edit(
    query: CallbackQuery,
    state: FSMContext,
    content: ContentRepository,
    subscriptions: SubscriptionRepository,
) -> None:
    await state.clear()
    await show(
        query,
        *(await _panel(content, subscriptions, notice=_("✖️ Cancelled: nothing was changed."))),
    )


async def use_the_buttons(
    message: Message,
    state: FSMContext,
    content: ContentRepository,
    clock: Clock,
    subscriptions: SubscriptionRepository,
) -> None:
    """Text where a button is expected (choosing the stage, confirming): say so, stay put."""
    await _show_step(
        message, state, content, clock, subscriptions, _("Please use the buttons below.")
    )


async def confirm(
    query: CallbackQuery,
    state: FSMContext,
    content: ContentRepository,
    subscriptions: SubscriptionRepository,
    reminders: ReminderEngine,
    clock: Clock,
    user_record: UserRecord,
) -> None:
    if await state.get_state() != TrackerEdit.preview.state:
        await query.answer(_("This button is out of date."))
        return  # a second press, handled after the first (event isolation)
    data = await state.get_data()
    current = await content.get(FACT_KEY)
    draft = _draft(data, current, clock)
    await state.clear()
    changed_status = not same_status(current.value, draft.value)
    if not changed_status and draft.source_url == current.source_url:
        notice = _("Nothing has changed, so nothing was saved and nobody was notified.")
        await show(query, *(await _panel(content, subscriptions, notice=notice)))
        return
    now = int(clock.now())
    fact = await content.update(
        FACT_KEY,
        value=draft.value,
        by=user_record.id,
        now=now,
        checked_on=draft.checked_on,
        source_url=data.get("source_url"),
    )
    if changed_status and fact.confirmed:
        count = await publish_news(reminders, subscriptions, fact, now=now)
        text = ngettext(
            "✅ Saved. The news is queued for {count} subscriber. It goes out at the pace "
            "Telegram allows; people in their night hours get it in the morning.",
            "✅ Saved. The news is queued for {count} subscribers. It goes out at the pace "
            "Telegram allows; people in their night hours get it in the morning.",
            count,
        ).format(count=count)
    else:
        text = _("✅ Saved. The status itself did not change, so nobody was notified.")
    log.info("accession tracker updated by staff %s", user_record.id)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("📜 History of changes"), _staff(HISTORY))],
            [back_to_menu_button()],
        ]
    )
    await show(query, text, markup)


async def dialogue_button_outdated(query: CallbackQuery) -> None:
    """A button of a finished or abandoned update: say so instead of guessing."""
    await query.answer(_("This button is out of date."))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    staff = StaffOnly()
    not_a_command = NotACommand()
    editing = StateFilter(*TrackerEdit.__all_states__)
    notes = StateFilter(*NOTE_STATES.values())

    router.callback_query.register(show_tracker, TrackerCb.filter(F.action == "show"))
    router.callback_query.register(subscribe, TrackerCb.filter(F.action == "sub"))
    router.callback_query.register(unsubscribe, TrackerCb.filter(F.action == "unsub"))

    # Staff only; for everyone else staff.py answers with its refusal (registered after us).
    router.message.register(tracker_command, Command("tracker"), staff)
    router.callback_query.register(open_panel, StaffCb.filter(F.action == PANEL), staff)
    router.callback_query.register(open_history, StaffCb.filter(F.action == HISTORY), staff)
    router.callback_query.register(start_edit, StaffCb.filter(F.action == EDIT), staff)
    router.callback_query.register(cancel_edit, StaffCb.filter(F.action == CANCEL), editing, staff)
    router.callback_query.register(go_back, StaffCb.filter(F.action == BACK), editing, staff)
    router.callback_query.register(
        stage_chosen,
        StaffCb.filter(F.action.in_(set(STAGE_ACTIONS))),
        StateFilter(TrackerEdit.stage),
        staff,
    )
    router.callback_query.register(
        keep_current,
        StaffCb.filter(F.action == KEEP),
        StateFilter(*NOTE_STATES.values(), TrackerEdit.source),
        staff,
    )
    router.callback_query.register(
        confirm, StaffCb.filter(F.action == CONFIRM), StateFilter(TrackerEdit.preview), staff
    )
    router.callback_query.register(
        dialogue_button_outdated, StaffCb.filter(F.action.startswith("tracker_")), staff
    )
    router.message.register(note_typed, notes, not_a_command, staff)
    router.message.register(source_typed, StateFilter(TrackerEdit.source), not_a_command, staff)
    router.message.register(
        use_the_buttons,
        StateFilter(TrackerEdit.stage, TrackerEdit.preview),
        not_a_command,
        staff,
    )
