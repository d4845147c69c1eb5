"""/staff for admins: who is staff, adding and removing staff members, and the audit log.

Admins come from ADMIN_IDS and only from there, so the bot lists them but cannot remove them.
Staff are added by an admin in two steps (who, then a confirmation) and removed with one
confirmation; every change is written with the role in one transaction together with its audit
entry (storage/users.py), and the person's command list follows at once. The role is read
afresh at each update (bot/telegram/middlewares.py), so a removed staff member is a regular
user from their very next message.

Every handler here sits behind `AdminOnly`; staff who are not admins are refused politely by
the handlers registered last, and everyone else falls through to the staff refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import (
    CallbackQuery,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.clock import Clock
from bot.content.profile import effective_time_zone
from bot.content.recheck import RecheckDigests
from bot.formatting import format_date, format_day, format_time_zone, to_local
from bot.i18n import LANGUAGE_NAMES, current_locale
from bot.telegram.callbacks import MenuCb, ResumeCb, StaffCb
from bot.telegram.commands import set_commands_for
from bot.telegram.dialogue import (
    Steps,
    back_label,
    leave_dialogue,
    on_command_or_button,
    out_of_date,
    use_the_buttons,
)
from bot.telegram.filters import NotACommand
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, keyboard, show
from storage.users import Role, RoleAction, RoleChange, UserRecord, UserRepository

log = logging.getLogger(__name__)

COMMAND = "staff"
PREFIX = "roles_"
PANEL = f"{PREFIX}panel"  # the panel's button in the 🛠 Staff section
ASK_REMOVE = f"{PREFIX}ask."  # + the staff member's id, in StaffCb.action
# Every button of this screen family, for the authorisation test (the id is an example: any
# id is refused to whoever is not an admin).
ACTIONS: tuple[str, ...] = (
    PANEL,
    f"{PREFIX}add",
    f"{PREFIX}back",
    f"{PREFIX}cancel",
    f"{PREFIX}confirm",
    f"{PREFIX}remove",
    f"{PREFIX}audit",
    f"{ASK_REMOVE}100000001",
)
AUDIT_LIMIT = 20
# The list shows this many people, admins first: a team larger than that is not what this
# screen is for, and the screen must fit a phone (SCREEN_LIMIT).
LIST_LIMIT = 15
SCREEN_LIMIT = 1200
# Telegram ids are positive and (today) below 2**52; anything longer is a typo.
MAX_ID_DIGITS = 16


class AddStaff(StatesGroup):
    person = State()
    confirm = State()


class RemoveStaff(StatesGroup):
    confirm = State()


def _data(verb: str) -> StaffCb:
    return StaffCb(action=f"{PREFIX}{verb}")


ADD_STEPS = Steps(AddStaff, name=__("Adding staff"), back=_data("back"), cancel=_data("cancel"))
REMOVE_STEPS = Steps(RemoveStaff, name=__("Removing staff"), back=None, cancel=_data("cancel"))
# Dialogues of this module: a removed staff member is taken out of them too.
DIALOGUES: frozenset[str] = frozenset(
    {AddStaff.__full_group_name__, RemoveStaff.__full_group_name__}
)


# -- screens ------------------------------------------------------------------------------------


def _language(record: UserRecord) -> str:
    return LANGUAGE_NAMES.get(record.language or "", _("not chosen yet"))


def _role_name(role: Role) -> str:
    return _("admin") if role is Role.ADMIN else _("staff member")


def _person_line(record: UserRecord) -> str:
    mark = "👑" if record.role is Role.ADMIN else "🛠"
    return f"{mark} <code>{record.id}</code> · {_role_name(record.role)} · {_language(record)}"


def panel_screen(people: list[UserRecord]) -> Screen:
    """Everyone with a role, admins first; a Remove button per staff member (not per admin)."""
    ordered = sorted(people, key=lambda r: (r.role is not Role.ADMIN, r.id))
    admins = sum(1 for r in ordered if r.role is Role.ADMIN)
    shown = ordered[:LIST_LIMIT]
    lines = [
        _("<b>👥 Staff and admins</b>"),
        _("Admins: {admins} · staff members: {staff}").format(
            admins=admins, staff=len(ordered) - admins
        ),
        "",
        *(_person_line(record) for record in shown),
    ]
    if len(ordered) > len(shown):
        lines.append(_("Not shown: {count} more.").format(count=len(ordered) - len(shown)))
    lines += [
        "",
        _(
            "Staff publish announcements and edit the tracker and the programme; "
            "only admins manage staff. Admins come from ADMIN_IDS in the bot's settings and "
            "cannot be removed here."
        ),
    ]
    removable = [r for r in shown if r.role is Role.STAFF]
    rows = [
        [button(_("➕ Add staff"), _data("add"))],
        *(
            [button(_("➖ Remove {id}").format(id=r.id), StaffCb(action=f"{ASK_REMOVE}{r.id}"))]
            for r in removable
        ),
        [button(_("🕘 Audit log"), _data("audit"))],
        [button(_("⬅️ Staff"), MenuCb(section="staff")), back_to_menu_button()],
    ]
    return Screen("\n".join(lines), keyboard(*rows))


def person_screen() -> Screen:
    text = "\n".join(
        [
            _("<b>➕ Add staff</b>, step {number} of {total}").format(
                number=1, total=ADD_STEPS.total
            ),
            _(
                "Forward me any message from the person, or send their numeric Telegram id "
                "(for example 123456789). They must have started this bot already."
            ),
        ]
    )
    return Screen(text, keyboard(ADD_STEPS.nav_row(AddStaff.person)))


def confirm_add_screen(target: UserRecord, viewer: UserRecord, now: float) -> Screen:
    zone = effective_time_zone(viewer)
    text = "\n".join(
        [
            _("<b>➕ Add staff</b>, step {number} of {total}").format(
                number=2, total=ADD_STEPS.total
            ),
            _("Make <code>{id}</code> a staff member?").format(id=target.id),
            _("Language: {language} · with the bot since {date}").format(
                language=_language(target),
                date=format_date(target.created_at, zone, current_locale()),
            ),
            "",
            _(
                "They will be able to publish announcements and edit the tracker and the "
                "programme, and will see the staff commands from their next message."
            ),
        ]
    )
    markup = keyboard(
        [button(_("✅ Yes, make staff"), _data("confirm"))],
        ADD_STEPS.nav_row(AddStaff.confirm),
    )
    return Screen(text, markup)


def confirm_remove_screen(target: UserRecord) -> Screen:
    text = "\n".join(
        [
            _("<b>➖ Remove from staff</b>"),
            _("Remove <code>{id}</code> ({language}) from staff?").format(
                id=target.id, language=_language(target)
            ),
            "",
            _(
                "From their next message they are a regular user: the staff tools and commands "
                "are gone for them. What they published stays, with their id in the history."
            ),
        ]
    )
    markup = keyboard(
        [button(_("✅ Yes, remove"), _data("remove"))],
        REMOVE_STEPS.nav_row(RemoveStaff.confirm),
    )
    return Screen(text, markup)


def _what(change: RoleChange) -> str:
    texts = {
        RoleAction.ADD_STAFF: _("➕ {id} made staff"),
        RoleAction.REMOVE_STAFF: _("➖ {id} removed from staff"),
        RoleAction.ADD_ADMIN: _("👑 {id} made admin"),
        RoleAction.REMOVE_ADMIN: _("⬇️ {id} no longer admin"),
    }
    return texts[change.action].format(id=f"<code>{change.target_id}</code>")


def _who(change: RoleChange) -> str:
    if change.actor_id is None:
        return _("by the settings (ADMIN_IDS)")
    return _("by admin {id}").format(id=f"<code>{change.actor_id}</code>")


def audit_screen(changes: list[RoleChange], viewer: UserRecord, now: float) -> Screen:
    """The newest changes first, grouped by day in the viewer's zone (the zone is named). The
    list stops early rather than outgrow a phone screen, and says so."""
    locale = current_locale()
    zone = effective_time_zone(viewer)
    head = [
        _("<b>🕘 Audit log</b>: latest changes first"),
        _("Times: {zone}").format(zone=format_time_zone(zone, locale, now)),
    ]
    more = _("Older entries are not shown.")
    body: list[str] = []
    if not changes:
        body = ["", _("No changes yet.")]
    day: date | None = None
    for change in changes:
        local = to_local(change.at, zone)
        lines = []
        if local.date() != day:
            lines += ["", f"<b>{format_day(local.date(), locale)}</b>"]
        lines.append(f"{local:%H:%M} · {_what(change)} · {_who(change)}")
        if _length([*head, *body, *lines, "", more]) > SCREEN_LIMIT:
            body += ["", more]
            break
        body += lines
        day = local.date()
    markup = keyboard([button(back_label(), _data("panel"))], [back_to_menu_button()])
    return Screen("\n".join([*head, *body]), markup)


def _length(lines: Iterable[str]) -> int:
    """How long the text is as the reader sees it (tags do not count, as in the screen test)."""
    text = "\n".join(lines)
    for tag in ("<b>", "</b>", "<code>", "</code>"):
        text = text.replace(tag, "")
    return len(text)


def only_admins() -> str:
    return _("Only admins manage staff. Ask an admin if someone should be added or removed.")


# -- reading who is meant -------------------------------------------------------------------


class NotAPerson(ValueError):
    """What was sent does not name a person; the message says what to send instead."""


def target_of(message: Message) -> int:
    """The Telegram id a forwarded message or a typed id names."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.id
    if isinstance(origin, MessageOriginHiddenUser):
        raise NotAPerson(
            _(
                "This person's privacy settings hide who they are in forwarded messages. "
                "Please ask them for their numeric Telegram id and send it here."
            )
        )
    if isinstance(origin, MessageOriginChat | MessageOriginChannel):
        raise NotAPerson(
            _(
                "This was forwarded from a group or channel, not from a person. Forward a "
                "message the person wrote, or send their numeric id."
            )
        )
    typed = (message.text or "").strip()
    if typed.isdigit() and len(typed) <= MAX_ID_DIGITS and int(typed) > 0:
        return int(typed)
    raise NotAPerson(
        _(
            "That is not a Telegram id. Send digits only, for example 123456789, or forward a "
            "message from the person."
        )
    )


def not_addable(target: UserRecord | None, target_id: int) -> str | None:
    """Why `target_id` cannot be made staff, or None when they can."""
    if target is None:
        return _(
            "Nobody with the id {id} has started this bot yet. Ask them to open the bot and "
            "press Start, then try again."
        ).format(id=target_id)
    if target.role is Role.ADMIN:
        return _("{id} is an admin already (from ADMIN_IDS).").format(id=target_id)
    if target.role is Role.STAFF:
        return _("{id} is a staff member already.").format(id=target_id)
    return None


def not_removable(target: UserRecord | None, target_id: int) -> str | None:
    """Why `target_id` cannot be removed from staff, or None when they can."""
    if target is not None and target.role is Role.ADMIN:
        return _(
            "{id} is an admin: admins come from ADMIN_IDS in the bot's settings and cannot be "
            "removed in the bot."
        ).format(id=target_id)
    if target is None or target.role is not Role.STAFF:
        return _("{id} is not a staff member.").format(id=target_id)
    return None


# -- handlers -------------------------------------------------------------------------------


async def _panel(users: UserRepository) -> Screen:
    return panel_screen(await users.staff())


async def open_panel(
    event: Message | CallbackQuery, state: FSMContext, users: UserRepository
) -> None:
    left = await leave_dialogue(state)
    await show(event, (await _panel(users)).above(left))


async def open_audit(
    query: CallbackQuery,
    users: UserRepository,
    user_record: UserRecord,
    clock: Clock,
) -> None:
    changes = await users.role_changes(AUDIT_LIMIT)
    await show(query, audit_screen(changes, user_record, clock.now()))


async def start_adding(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(AddStaff.person)
    await state.set_data({})
    await show(query, person_screen())


async def person_sent(
    message: Message,
    state: FSMContext,
    users: UserRepository,
    user_record: UserRecord,
    clock: Clock,
) -> None:
    try:
        target_id = target_of(message)
    except NotAPerson as problem:
        await show(message, person_screen().with_problem(str(problem)))
        return
    target = await users.get(target_id)
    problem = not_addable(target, target_id)
    if problem is not None or target is None:
        await show(message, person_screen().with_problem(problem))
        return
    await state.set_state(AddStaff.confirm)
    await state.update_data(target=target_id)
    await show(message, confirm_add_screen(target, user_record, clock.now()))


async def confirm_adding(
    query: CallbackQuery,
    state: FSMContext,
    users: UserRepository,
    user_record: UserRecord,
    clock: Clock,
    recheck: RecheckDigests,
    bot: Bot,
    i18n: I18n,
) -> None:
    # A second press of a double tap arrives after the first finished (event isolation) and
    # finds the dialogue over: no handler of this state takes it, and it is out of date.
    target_id = (await state.get_data()).get("target")
    await state.clear()
    if not isinstance(target_id, int):
        await show(query, await _panel(users))
        return
    added = await users.add_staff(target_id, by=user_record.id, now=int(clock.now()))
    target = await users.get(target_id)
    if not added or target is None:
        problem = not_addable(target, target_id)
        await show(query, (await _panel(users)).above(f"⚠️ {problem}" if problem else None))
        return
    log.info("staff %s added by admin %s", target_id, user_record.id)
    await _follow_role(bot, i18n, target)
    await recheck.ensure_for(target)  # their weekly re-check digest
    notice = _("✅ {id} is a staff member now.").format(id=target_id)
    await show(query, (await _panel(users)).above(notice))


async def ask_removing(
    query: CallbackQuery, callback_data: StaffCb, state: FSMContext, users: UserRepository
) -> None:
    raw = callback_data.action.removeprefix(ASK_REMOVE)
    target_id = int(raw) if raw.isdigit() and len(raw) <= MAX_ID_DIGITS else 0
    target = await users.get(target_id) if target_id else None
    problem = not_removable(target, target_id)
    if problem is not None or target is None:
        await state.clear()
        await show(query, (await _panel(users)).above(f"⚠️ {problem}"))
        return
    await state.set_state(RemoveStaff.confirm)
    await state.set_data({"target": target_id})
    await show(query, confirm_remove_screen(target))


async def confirm_removing(
    query: CallbackQuery,
    state: FSMContext,
    users: UserRepository,
    user_record: UserRecord,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
    fsm_storage: BaseStorage,
    staff_dialogues: frozenset[str],
) -> None:
    target_id = (await state.get_data()).get("target")
    await state.clear()
    if not isinstance(target_id, int):
        await show(query, await _panel(users))
        return
    removed = await users.remove_staff(target_id, by=user_record.id, now=int(clock.now()))
    target = await users.get(target_id)
    if not removed or target is None:
        problem = not_removable(target, target_id)
        await show(query, (await _panel(users)).above(f"⚠️ {problem}" if problem else None))
        return
    log.info("staff %s removed by admin %s", target_id, user_record.id)
    await _follow_role(bot, i18n, target)
    await _leave_staff_dialogue(bot, fsm_storage, target_id, staff_dialogues)
    notice = _("✅ {id} is no longer a staff member.").format(id=target_id)
    await show(query, (await _panel(users)).above(notice))


async def _follow_role(bot: Bot, i18n: I18n, target: UserRecord) -> None:
    """Their command list follows the new role. A failure is not the admin's problem: the role
    is saved, and the next start-up or language choice sets the list again."""
    try:
        await set_commands_for(bot, i18n, target)
    except (TelegramAPIError, TelegramNetworkError) as error:
        log.warning("command list of %s not updated (%s)", target.id, type(error).__name__)


async def _leave_staff_dialogue(
    bot: Bot, storage: BaseStorage, user_id: int, staff_dialogues: frozenset[str]
) -> None:
    """A removed staff member half-way through a staff dialogue (an editor) is taken out of it,
    so their next message is not read as an answer and no "↩️ Continue" leads back in. Any
    other dialogue of theirs (a reminder being written) is left alone."""
    key = StorageKey(bot_id=bot.id, chat_id=user_id, user_id=user_id)
    current = await storage.get_state(key)
    if current and current.partition(":")[0] in staff_dialogues:
        await storage.set_state(key, None)
        await storage.set_data(key, {})


async def go_back(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(AddStaff.person)
    await show(query, person_screen())


async def cancel(query: CallbackQuery, state: FSMContext, users: UserRepository) -> None:
    await state.clear()
    await show(query, (await _panel(users)).above(_("✖️ Cancelled: nothing was changed.")))


async def resume(
    query: CallbackQuery,
    state: FSMContext,
    users: UserRepository,
    user_record: UserRecord,
    clock: Clock,
) -> None:
    """ "Continue where you left off" after /help: the step the admin is at."""
    current = await state.get_state()
    target_id = (await state.get_data()).get("target")
    target = await users.get(target_id) if isinstance(target_id, int) else None
    if current == AddStaff.confirm.state and target is not None:
        await show(query, confirm_add_screen(target, user_record, clock.now()))
    elif current == RemoveStaff.confirm.state and target is not None:
        await show(query, confirm_remove_screen(target))
    else:
        await state.set_state(AddStaff.person)
        await show(query, person_screen())


async def buttons_expected(
    message: Message,
    state: FSMContext,
    users: UserRepository,
    user_record: UserRecord,
    clock: Clock,
) -> None:
    """Typing at a confirmation: say so briefly, keep the place and its buttons."""
    target_id = (await state.get_data()).get("target")
    target = await users.get(target_id) if isinstance(target_id, int) else None
    if target is None:
        await state.clear()
        await show(message, await _panel(users))
        return
    if await state.get_state() == RemoveStaff.confirm.state:
        screen = confirm_remove_screen(target)
    else:
        screen = confirm_add_screen(target, user_record, clock.now())
    await show(message, screen.with_problem(use_the_buttons()))


async def refuse_command(message: Message) -> None:
    markup = keyboard([button(_("⬅️ Staff"), MenuCb(section="staff"))], [back_to_menu_button()])
    await show(message, Screen(only_admins(), markup))


async def refuse_button(query: CallbackQuery) -> None:
    await query.answer(only_admins(), show_alert=True)


def register(
    router: Router, *, admin: Filter, staff: Filter, staff_dialogues: frozenset[str]
) -> None:
    """Add the handlers to `router`, in dispatch order: the admin's, then the refusal for staff
    who are not admins. `staff_dialogues` names every staff dialogue (StatesGroup names): a
    removed staff member is taken out of whichever of them they are in."""

    def on(verb: str) -> Any:
        return StaffCb.filter(F.action == f"{PREFIX}{verb}")

    async def removing(
        query: CallbackQuery,
        state: FSMContext,
        users: UserRepository,
        user_record: UserRecord,
        clock: Clock,
        bot: Bot,
        i18n: I18n,
        fsm_storage: BaseStorage,
    ) -> None:
        await confirm_removing(
            query, state, users, user_record, clock, bot, i18n, fsm_storage, staff_dialogues
        )

    cb, msg = router.callback_query, router.message
    on_command_or_button(router, COMMAND, on("panel"), open_panel, admin)
    cb.register(open_audit, on("audit"), admin)
    cb.register(start_adding, on("add"), admin)
    cb.register(cancel, on("cancel"), ADD_STEPS.filter(), admin)
    cb.register(cancel, on("cancel"), REMOVE_STEPS.filter(), admin)
    cb.register(go_back, on("back"), ADD_STEPS.filter(AddStaff.confirm), admin)
    cb.register(confirm_adding, on("confirm"), ADD_STEPS.filter(AddStaff.confirm), admin)
    cb.register(ask_removing, StaffCb.filter(F.action.startswith(ASK_REMOVE)), admin)
    cb.register(removing, on("remove"), REMOVE_STEPS.filter(RemoveStaff.confirm), admin)
    cb.register(resume, ResumeCb.filter(), ADD_STEPS.filter(), admin)
    cb.register(resume, ResumeCb.filter(), REMOVE_STEPS.filter(), admin)
    # A button of this family no handler above took: a finished dialogue (a double press).
    cb.register(out_of_date, StaffCb.filter(F.action.startswith(PREFIX)), admin)
    msg.register(person_sent, ADD_STEPS.filter(AddStaff.person), NotACommand(), admin)
    msg.register(buttons_expected, ADD_STEPS.filter(AddStaff.confirm), NotACommand(), admin)
    msg.register(buttons_expected, REMOVE_STEPS.filter(), NotACommand(), admin)

    # Staff who are not admins: a polite refusal. Everyone else falls through to the gate.
    msg.register(refuse_command, Command(COMMAND), staff)
    cb.register(refuse_button, StaffCb.filter(F.action.startswith(PREFIX)), staff)
