"""/announce for staff: compose an announcement per language, choose who gets it and when,
preview it exactly as recipients will, confirm; then watch it go out (pause, resume, cancel).

The steps: the text (or one photo/document/video with a caption) in kk, ru and en, each
skippable; which version users of a skipped language get; the audience (with the count of
recipients now); urgency and time (now, or Seoul or Almaty time); the preview. Delivery is the
engine's (bot/announcements/delivery.py); the screens are in bot/announcements/screens.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.announcements.content import send_version, too_long, version_from_message
from bot.announcements.model import Audience, Draft, Status, Version
from bot.announcements.screens import (
    AUDIENCE_NAMES,
    FLIGHT_CHOICES,
    LANGUAGE_NAMES,
    SCHEDULE_ZONES,
    audience_text,
    detail_screen,
    panel_screen,
    summary_screen,
    zone_name,
)
from bot.clock import Clock
from bot.content.profile import effective_time_zone
from bot.formatting import format_datetime
from bot.i18n import current_locale
from bot.reminders.engine import ReminderEngine
from bot.telegram.callbacks import ResumeCb, StaffCb
from bot.telegram.dialogue import (
    Steps,
    keep_dialogue,
    on_command_or_button,
    out_of_date,
    states_group,
    use_the_buttons,
)
from bot.telegram.screens import Row, Screen, button, keyboard, show
from storage.users import UserRecord

LOCALES = tuple(LANGUAGE_NAMES)
STEP_NAMES = (*LOCALES, "fallback", "audience", "when", "time", "preview")
AnnounceDialogue = states_group("AnnounceDialogue", STEP_NAMES)
STEPS = Steps(
    AnnounceDialogue,
    name=__("New announcement"),
    back=StaffCb(action="ann_back"),
    cancel=StaffCb(action="ann_cancel"),
    counted=len(STEP_NAMES) - 1,
)
STATE = {name: getattr(AnnounceDialogue, name) for name in STEP_NAMES}
SCHEDULE_HORIZON = timedelta(days=60)

if TYPE_CHECKING:  # the engine is injected by name; its module is imported by the app
    from bot.announcements.delivery import AnnouncementEngine


# -- the draft in the dialogue's data -------------------------------------------------------------


def _versions(data: dict[str, Any]) -> dict[str, Version]:
    stored = data.get("versions") or {}
    return {code: Version.from_json(stored[code]) for code in LOCALES if code in stored}


def _audience(data: dict[str, Any]) -> Audience:
    return Audience.from_json(data.get("audience") or {})


def _draft(data: dict[str, Any]) -> Draft:
    versions = _versions(data)
    fallback = data.get("fallback")
    if fallback not in versions:
        fallback = next(iter(versions))
    return Draft(
        versions=versions,
        fallback_locale=fallback,
        audience=_audience(data),
        urgent=bool(data.get("urgent")),
        scheduled_at=data.get("scheduled_at"),
    )


def _applies(step: str, data: dict[str, Any]) -> bool:
    """Steps that only make sense for some drafts: the fallback when a language was skipped
    and more than one was given; the time when "schedule" was chosen."""
    if step == "fallback":
        return 1 < len(_versions(data)) < len(LOCALES)
    if step == "time":
        return data.get("zone") in SCHEDULE_ZONES
    return True


def _next(step: str, data: dict[str, Any]) -> str:
    index = STEP_NAMES.index(step) + 1
    while not _applies(STEP_NAMES[index], data):
        index += 1
    return STEP_NAMES[index]


def _previous(step: str, data: dict[str, Any]) -> str | None:
    index = STEP_NAMES.index(step) - 1
    while index >= 0 and not _applies(STEP_NAMES[index], data):
        index -= 1
    return STEP_NAMES[index] if index >= 0 else None


def _step_name(state: str | None) -> str | None:
    current = STEPS.of(state)
    return None if current is None else str(current.state).partition(":")[2]


# -- step screens ---------------------------------------------------------------------------------


def _header(step: str) -> str:
    return _("<b>📢 New announcement</b>, step {n} of {total}").format(
        n=STEPS.number(STATE[step]), total=STEPS.total
    )


def _nav(step: str, data: dict[str, Any]) -> Row:
    return STEPS.nav_row(back=_previous(step, data) is not None)


def language_step(step: str, data: dict[str, Any]) -> Screen:
    has = step in (data.get("versions") or {})
    text = "\n".join(
        [
            _header(step),
            _(
                "Send the announcement in {language}: a text with formatting, or one photo, "
                "document or video with a caption. It goes out exactly as you send it."
            ).format(language=LANGUAGE_NAMES[step]),
            _("✅ A version is saved; send another message to replace it.") if has else "",
            _("No version in this language? Skip it: its users get the version you choose."),
        ]
    ).replace("\n\n", "\n")
    rows: list[Row] = []
    if has:
        rows.append([button(_("➡️ Keep it and go on"), StaffCb(action="ann_keep"))])
    rows.append([button(_("⏭ Skip this language"), StaffCb(action="ann_skip"))])
    rows.append(_nav(step, data))
    return Screen(text, keyboard(*rows))


def fallback_step(data: dict[str, Any]) -> Screen:
    versions = _versions(data)
    skipped = [LANGUAGE_NAMES[code] for code in LOCALES if code not in versions]
    text = "\n".join(
        [
            _header("fallback"),
            _("Which version should users of {skipped} get?").format(skipped=", ".join(skipped)),
        ]
    )
    rows: list[Row] = [
        [button(LANGUAGE_NAMES[code], StaffCb(action=f"ann_fallback.{code}"))] for code in versions
    ]
    rows.append(_nav("fallback", data))
    return Screen(text, keyboard(*rows))


def _mark(on: bool, label: str) -> str:
    return ("☑️ " if on else "⬜ ") + label


def audience_step(data: dict[str, Any], recipients: int) -> Screen:
    audience = _audience(data)
    text = "\n".join(
        [
            _header("audience"),
            _("Who gets it? With nothing ticked, everyone does; ticks narrow it down."),
            _("Now: {audience}.").format(audience=audience_text(audience)),
            _("Recipients now: {count}.").format(count=recipients),
        ]
    )
    rows: list[Row] = [
        [
            button(
                _mark(code in audience.languages, LANGUAGE_NAMES[code]),
                StaffCb(action=f"ann_lang.{code}"),
            )
            for code in LOCALES
        ],
        *(
            [
                button(
                    _mark(code in audience.audiences, str(name)), StaffCb(action=f"ann_who.{code}")
                )
            ]
            for code, name in AUDIENCE_NAMES.items()
        ),
        [
            button(
                _mark(audience.tracker_subscribers, _("Tracker news subscribers")),
                StaffCb(action="ann_subs"),
            )
        ],
        [
            button(
                _mark(
                    audience.flight_within_days == days, _("Flight ≤ {days} d").format(days=days)
                ),
                StaffCb(action=f"ann_flight.{days}"),
            )
            for days in FLIGHT_CHOICES
        ],
        [button(_("➡️ Next"), StaffCb(action="ann_next"))],
        _nav("audience", data),
    ]
    return Screen(text, keyboard(*rows))


def when_step(data: dict[str, Any]) -> Screen:
    urgent = bool(data.get("urgent"))
    text = "\n".join(
        [
            _header("when"),
            _(
                "Urgent announcements also reach people who muted announcements, and at night. "
                "Use it only for safety and deadlines."
            ),
            _("When should it go out?"),
        ]
    )
    rows: list[Row] = [
        [button(_mark(urgent, _("⚡ Urgent")), StaffCb(action="ann_urgent"))],
        [button(_("📤 Now"), StaffCb(action="ann_now"))],
        *(
            [
                button(
                    _("🗓 Schedule: {zone}").format(zone=zone_name(key)),
                    StaffCb(action=f"ann_sched.{key}"),
                )
            ]
            for key in SCHEDULE_ZONES
        ),
        _nav("when", data),
    ]
    return Screen(text, keyboard(*rows))


def time_step(data: dict[str, Any]) -> Screen:
    text = "\n".join(
        [
            _header("time"),
            _("Send the day and time in {zone}, like 25.12.2026 09:00.").format(
                zone=zone_name(str(data.get("zone")))
            ),
        ]
    )
    return Screen(text, keyboard(_nav("time", data)))


def parse_moment(text: str, zone: str, now: float) -> tuple[int | None, str | None]:
    """'25.12.2026 09:00' (or '2026-12-25 09:00') in `zone` -> a UTC timestamp, or a problem."""
    cleaned = " ".join(text.split())
    for pattern in ("%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M"):
        try:
            local = datetime.strptime(cleaned, pattern)
            break
        except ValueError:
            continue
    else:
        return None, _("Please send the day and time like 25.12.2026 09:00.")
    moment = local.replace(tzinfo=ZoneInfo(zone)).timestamp()
    if moment <= now:
        return None, _("That time has already passed. Please send a later one.")
    if moment > now + SCHEDULE_HORIZON.total_seconds():
        return None, _("Please choose a time within the next 60 days.")
    return int(moment), None


# -- showing a step -------------------------------------------------------------------------------


async def _show_step(
    event: Message | CallbackQuery,
    state: FSMContext,
    step: str,
    announcements: AnnouncementEngine,
    bot: Bot,
    problem: str | None = None,
) -> None:
    await state.set_state(STATE[step])
    data = await state.get_data()
    if step in LOCALES:
        screen = language_step(step, data)
    elif step == "fallback":
        screen = fallback_step(data)
    elif step == "audience":
        count = await announcements.count(_audience(data), urgent=bool(data.get("urgent")))
        screen = audience_step(data, count)
    elif step == "when":
        screen = when_step(data)
    elif step == "time":
        screen = time_step(data)
    else:
        await _show_preview(event, state, announcements, bot, problem)
        return
    await show(event, screen.with_problem(problem))


async def _show_preview(
    event: Message | CallbackQuery,
    state: FSMContext,
    announcements: AnnouncementEngine,
    bot: Bot,
    problem: str | None = None,
) -> None:
    """Each version as its recipients will see it, then the summary and the confirm button.
    After input that could not be taken, only the summary again, with what was wrong: the
    versions are already above in the chat."""
    data = await state.get_data()
    draft = _draft(data)
    chat_id = event.chat.id if isinstance(event, Message) else event.from_user.id
    for code, version in draft.versions.items() if problem is None else ():
        await bot.send_message(
            chat_id, _("👁 Preview: {language}").format(language=LANGUAGE_NAMES[code])
        )
        await send_version(bot, chat_id, version)
    count = await announcements.count(draft.audience, urgent=draft.urgent)
    when = None
    if draft.scheduled_at is not None:
        zone = SCHEDULE_ZONES[str(data.get("zone"))]
        when = _("When: {when} ({zone}).").format(
            when=format_datetime(draft.scheduled_at, zone, current_locale()),
            zone=zone_name(str(data.get("zone"))),
        )
    if data.get("editing"):
        label = _("✅ Save the changes")
    elif draft.scheduled_at is not None:
        label = _("✅ Schedule it")
    else:
        label = _("✅ Send to {count}").format(count=count)
    screen = summary_screen(draft, count, when, label, _nav("preview", data)).with_problem(problem)
    await bot.send_message(chat_id, screen.text, reply_markup=screen.markup)
    if isinstance(event, CallbackQuery):
        await event.answer()


# -- handlers -------------------------------------------------------------------------------------


async def _panel(announcements: AnnouncementEngine, staff: UserRecord) -> Screen:
    """The latest announcements, times in the staff member's zone."""
    return panel_screen(await announcements.recent(limit=8), effective_time_zone(staff))


async def open_panel(
    event: Message | CallbackQuery,
    state: FSMContext,
    announcements: AnnouncementEngine,
    user_record: UserRecord,
) -> None:
    screen = await _panel(announcements, user_record)
    await show(event, await keep_dialogue(state, screen))


async def start_new(
    query: CallbackQuery,
    state: FSMContext,
    announcements: AnnouncementEngine,
    bot: Bot,
) -> None:
    await state.clear()
    await state.update_data(versions={}, audience={}, urgent=False)
    await _show_step(query, state, LOCALES[0], announcements, bot)


async def take_content(
    message: Message, state: FSMContext, announcements: AnnouncementEngine, bot: Bot
) -> None:
    step = _step_name(await state.get_state()) or LOCALES[0]
    version = version_from_message(message, step)
    if version is None:
        problem = _("I can send a text, or one photo, document or video with a caption.")
        await _show_step(message, state, step, announcements, bot, problem)
        return
    if too_long(version):
        problem = _(
            "This is too long for Telegram: at most {limit} characters ({kind}). Please "
            "shorten it and send it again."
        ).format(
            limit=version.limit,
            kind=_("a text message") if version.limit > 1024 else _("a caption"),
        )
        await _show_step(message, state, step, announcements, bot, problem)
        return
    data = await state.get_data()
    versions = dict(data.get("versions") or {})
    versions[step] = version.to_json()
    await state.update_data(versions=versions)
    await _show_step(message, state, _next(step, await state.get_data()), announcements, bot)


async def keep_or_skip(
    query: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    announcements: AnnouncementEngine,
    bot: Bot,
) -> None:
    step = _step_name(await state.get_state()) or LOCALES[0]
    data = await state.get_data()
    versions = dict(data.get("versions") or {})
    if callback_data.action == "ann_skip":
        versions.pop(step, None)
        await state.update_data(versions=versions)
    if step == LOCALES[-1] and not versions:
        problem = _("Please send the announcement in at least one language.")
        await _show_step(query, state, step, announcements, bot, problem)
        return
    await _show_step(query, state, _next(step, await state.get_data()), announcements, bot)


async def choose_fallback(
    query: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    announcements: AnnouncementEngine,
    bot: Bot,
) -> None:
    code = callback_data.action.partition(".")[2]
    if code not in _versions(await state.get_data()):
        await out_of_date(query)
        return
    await state.update_data(fallback=code)
    await _show_step(query, state, _next("fallback", await state.get_data()), announcements, bot)


def _toggle(values: list[Any], value: Any) -> list[Any]:
    return [v for v in values if v != value] if value in values else [*values, value]


async def change_audience(
    query: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    announcements: AnnouncementEngine,
    bot: Bot,
) -> None:
    action, _dot, value = callback_data.action.partition(".")
    audience = (await state.get_data()).get("audience") or {}
    audience = dict(Audience.from_json(audience).to_json())
    if action == "ann_lang" and value in LOCALES:
        audience["languages"] = _toggle(audience["languages"], value)
    elif action == "ann_who" and value in AUDIENCE_NAMES:
        audience["audiences"] = _toggle(audience["audiences"], value)
    elif action == "ann_subs":
        audience["tracker_subscribers"] = not audience["tracker_subscribers"]
    elif action == "ann_flight" and value.isdigit() and int(value) in FLIGHT_CHOICES:
        days = int(value)
        audience["flight_within_days"] = None if audience["flight_within_days"] == days else days
    else:
        await out_of_date(query)
        return
    await state.update_data(audience=audience)
    await _show_step(query, state, "audience", announcements, bot)


async def audience_done(
    query: CallbackQuery,
    state: FSMContext,
    announcements: AnnouncementEngine,
    bot: Bot,
) -> None:
    data = await state.get_data()
    if await announcements.count(_audience(data), urgent=bool(data.get("urgent"))) == 0:
        problem = _("Nobody matches these filters now. Untick some of them.")
        await _show_step(query, state, "audience", announcements, bot, problem)
        return
    await _show_step(query, state, "when", announcements, bot)


async def choose_when(
    query: CallbackQuery,
    callback_data: StaffCb,
    state: FSMContext,
    announcements: AnnouncementEngine,
    bot: Bot,
) -> None:
    action, _dot, value = callback_data.action.partition(".")
    if action == "ann_urgent":
        data = await state.get_data()
        await state.update_data(urgent=not data.get("urgent"))
        await _show_step(query, state, "when", announcements, bot)
        return
    if action == "ann_now":
        await state.update_data(zone=None, scheduled_at=None)
        await _show_step(query, state, "preview", announcements, bot)
        return
    if value not in SCHEDULE_ZONES:
        await out_of_date(query)
        return
    await state.update_data(zone=value, scheduled_at=None)
    await _show_step(query, state, "time", announcements, bot)


async def take_time(
    message: Message, state: FSMContext, announcements: AnnouncementEngine, bot: Bot, clock: Clock
) -> None:
    data = await state.get_data()
    zone = SCHEDULE_ZONES.get(str(data.get("zone")), "Asia/Almaty")
    moment, problem = parse_moment(message.text or "", zone, clock.now())
    if moment is None:
        await _show_step(message, state, "time", announcements, bot, problem)
        return
    await state.update_data(scheduled_at=moment)
    await _show_step(message, state, "preview", announcements, bot)


async def go_back(
    query: CallbackQuery,
    state: FSMContext,
    announcements: AnnouncementEngine,
    bot: Bot,
) -> None:
    step = _step_name(await state.get_state())
    previous = _previous(step, await state.get_data()) if step else None
    if previous is None:
        await out_of_date(query)
        return
    await _show_step(query, state, previous, announcements, bot)


async def cancel(
    query: CallbackQuery,
    state: FSMContext,
    announcements: AnnouncementEngine,
    user_record: UserRecord,
) -> None:
    await state.clear()
    screen = await _panel(announcements, user_record)
    await show(query, screen.above(_("The announcement was not sent.")))


async def resume(
    query: CallbackQuery,
    state: FSMContext,
    announcements: AnnouncementEngine,
    bot: Bot,
) -> None:
    step = _step_name(await state.get_state()) or LOCALES[0]
    await _show_step(query, state, step, announcements, bot)


async def wrong_input(
    message: Message, state: FSMContext, announcements: AnnouncementEngine, bot: Bot
) -> None:
    step = _step_name(await state.get_state()) or LOCALES[0]
    problem = (
        _("Please send the day and time like 25.12.2026 09:00.")
        if step == "time"
        else use_the_buttons()
    )
    await _show_step(message, state, step, announcements, bot, problem)


async def confirm(
    query: CallbackQuery,
    state: FSMContext,
    announcements: AnnouncementEngine,
    reminders: ReminderEngine,
    user_record: UserRecord,
    bot: Bot,
) -> None:
    data = await state.get_data()
    draft = _draft(data)
    await state.clear()  # a second press of Confirm finds no dialogue: it cannot send twice
    editing = data.get("editing")
    zone = effective_time_zone(user_record)
    if editing:
        item = await announcements.replace_scheduled(int(editing), draft)
        if item is None:
            await query.answer(
                _("It has already started, so it can no longer be edited."), show_alert=True
            )
            return
    else:
        item = await announcements.create(draft, by=user_record.id)
    screen = detail_screen(item, zone, reminders.sender.per_second)
    notice = (
        _("✅ Saved.")
        if editing
        else _("✅ Scheduled.")
        if item.status is Status.SCHEDULED
        else _("📤 Sending has started.")
    )
    sent = await bot.send_message(query.from_user.id, screen.text, reply_markup=screen.markup)
    await announcements.set_progress_message(item.id, sent.chat.id, sent.message_id)
    await query.answer(notice)


async def open_one(
    query: CallbackQuery,
    callback_data: StaffCb,
    announcements: AnnouncementEngine,
    reminders: ReminderEngine,
    user_record: UserRecord,
    state: FSMContext,
    bot: Bot,
) -> None:
    action, _dot, raw = callback_data.action.partition(".")
    item = await announcements.get(int(raw)) if raw.isdigit() else None
    if item is None:
        await out_of_date(query)
        return
    notice = None
    if action == "ann_pause":
        notice = _("⏸ Paused.") if await announcements.pause(item.id) else None
    elif action == "ann_resume":
        notice = _("▶️ Sending again.") if await announcements.resume(item.id) else None
    elif action == "ann_stop":
        notice = (
            _("✖️ Cancelled: nobody else will get it.")
            if await announcements.cancel(item.id)
            else None
        )
    elif action == "ann_edit":
        if item.status is not Status.SCHEDULED:
            await query.answer(
                _("It has already started, so it can no longer be edited."), show_alert=True
            )
            return
        draft = item.draft
        zone_key = (
            "seoul" if effective_time_zone(user_record) == SCHEDULE_ZONES["seoul"] else "almaty"
        )
        await state.clear()
        await state.update_data(
            versions={code: v.to_json() for code, v in draft.versions.items()},
            fallback=draft.fallback_locale,
            audience=draft.audience.to_json(),
            urgent=draft.urgent,
            zone=zone_key,
            scheduled_at=draft.scheduled_at,
            editing=item.id,
        )
        await _show_step(query, state, "preview", announcements, bot)
        return
    item = await announcements.get(item.id) or item
    zone = effective_time_zone(user_record)
    screen = detail_screen(item, zone, reminders.sender.per_second)
    await show(query, screen.with_notice(notice))


def register(router: Router, staff: Filter) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    on_command_or_button(
        router, "announce", StaffCb.filter(F.action == "ann_panel"), open_panel, staff
    )
    cb = router.callback_query
    cb.register(start_new, StaffCb.filter(F.action == "ann_new"), staff)
    cb.register(
        open_one,
        StaffCb.filter(F.action.regexp(r"^ann_(open|pause|resume|stop|edit)\.\d+$")),
        staff,
    )
    in_dialogue = STEPS.filter()
    cb.register(cancel, StaffCb.filter(F.action == "ann_cancel"), in_dialogue, staff)
    cb.register(go_back, StaffCb.filter(F.action == "ann_back"), in_dialogue, staff)
    cb.register(resume, ResumeCb.filter(), in_dialogue, staff)
    languages = STEPS.filter(*(STATE[code] for code in LOCALES))
    cb.register(
        keep_or_skip, StaffCb.filter(F.action.in_({"ann_keep", "ann_skip"})), languages, staff
    )
    router.message.register(take_content, languages, staff)
    cb.register(
        choose_fallback,
        StaffCb.filter(F.action.startswith("ann_fallback.")),
        STEPS.filter(STATE["fallback"]),
        staff,
    )
    cb.register(
        change_audience,
        StaffCb.filter(F.action.regexp(r"^ann_(lang|who|flight)\.\w+$") | (F.action == "ann_subs")),
        STEPS.filter(STATE["audience"]),
        staff,
    )
    cb.register(
        audience_done,
        StaffCb.filter(F.action == "ann_next"),
        STEPS.filter(STATE["audience"]),
        staff,
    )
    cb.register(
        choose_when,
        StaffCb.filter(F.action.in_({"ann_urgent", "ann_now"}) | F.action.startswith("ann_sched.")),
        STEPS.filter(STATE["when"]),
        staff,
    )
    router.message.register(take_time, F.text, STEPS.filter(STATE["time"]), staff)
    cb.register(
        confirm, StaffCb.filter(F.action == "ann_confirm"), STEPS.filter(STATE["preview"]), staff
    )
    router.message.register(wrong_input, in_dialogue, staff)
