"""Sharing a departure plan with the family, and following a relative's plan.

Worker: ✈️ Flight and plan → 👪 Share with my family: create a code (and a deep link), see how
many follow and since when, replace the code or stop sharing (both end every follow at once).
Family member: /follow, the family section's button or the deep link `/start plan_<code>`; a
typed code (any case, spaces, dashes; wrong ones limited per hour), an optional name, then the
plan as it is now. Every change goes through `FamilyPlans` (bot/family/plans.py), which keeps
the family member's reminders in step; nothing here sends to another user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.content.profile import effective_time_zone
from bot.family.share_screens import (
    FOLLOW_STEPS,
    FollowDialogue,
    code_screen,
    follow_entry_screen,
    followed_screen,
    label_screen,
    no_longer_shared,
    share_screen,
    too_many_attempts,
    unfollow_question,
    wrong_code,
)
from bot.family.sharing import DEEP_LINK, FollowOutcome, clean_label
from bot.telegram.callbacks import FollowCb, ResumeCb, ShareCb
from bot.telegram.dialogue import leave_dialogue, on_command_or_button, out_of_date
from bot.telegram.filters import NotACommand
from bot.telegram.screens import Screen, show
from storage.users import UserRecord

if TYPE_CHECKING:
    from bot.family.plans import FamilyPlans, FollowResult


# -- the worker's side ---------------------------------------------------------------------------


async def _share_screen(user: UserRecord, family_plans: FamilyPlans, bot: Bot) -> Screen:
    me = await bot.me()
    state = await family_plans.sharing(user.id)
    return share_screen(state, me.username or "", effective_time_zone(user))


async def open_share(
    query: CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    family_plans: FamilyPlans,
    bot: Bot,
) -> None:
    await state.clear()  # a half-done flight date dialogue is left, as by any checklist button
    await show(query, await _share_screen(user_record, family_plans, bot))


async def make_code(
    query: CallbackQuery,
    callback_data: ShareCb,
    user_record: UserRecord,
    family_plans: FamilyPlans,
    bot: Bot,
) -> None:
    had_code = (await family_plans.sharing(user_record.id)).share is not None
    await family_plans.new_code(user_record)
    notice = None
    if had_code:
        notice = _("✅ New code made. The old one no longer works: whoever used it lost access.")
    screen = await _share_screen(user_record, family_plans, bot)
    await show(query, screen.above(notice))


async def stop_sharing(
    query: CallbackQuery, user_record: UserRecord, family_plans: FamilyPlans, bot: Bot
) -> None:
    await family_plans.stop_sharing(user_record)
    screen = await _share_screen(user_record, family_plans, bot)
    await show(query, screen.above(_("✅ Sharing stopped. Nobody can see your plan now.")))


# -- the family member's side --------------------------------------------------------------------


async def open_follows(
    event: Message | CallbackQuery,
    state: FSMContext,
    user_record: UserRecord,
    family_plans: FamilyPlans,
) -> None:
    left = await leave_dialogue(state) if isinstance(event, Message) else None
    if isinstance(event, CallbackQuery):
        await state.clear()
    follows = await family_plans.follows(user_record)
    await show(event, follow_entry_screen(follows).above(left))


async def ask_code(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(FollowDialogue.code)
    await state.set_data({})
    await show(query, code_screen())


async def _after_follow(
    event: Message,
    result: FollowResult,
    state: FSMContext,
    user_record: UserRecord,
    family_plans: FamilyPlans,
    problem_screen: Screen,
) -> None:
    """What a code led to: the name step, the plan already followed, or the problem, with the
    dialogue kept in its place."""
    outcome = result.outcome
    if outcome is FollowOutcome.FOLLOWING and result.follow is not None:
        await state.set_state(FollowDialogue.label)
        await state.set_data({"follow": result.follow.id})
        await show(event, label_screen(followed_now=True))
        return
    if outcome is FollowOutcome.ALREADY and result.follow is not None:
        await state.clear()
        followed = await family_plans.view(user_record, result.follow.id)
        if followed is not None:
            screen = followed_screen(followed, user_record)
            await show(event, screen.above(_("You already follow this plan.")))
            return
    if outcome is FollowOutcome.LIMITED and result.retry_at is not None:
        problem = too_many_attempts(result.retry_at, user_record)
    elif outcome is FollowOutcome.OWN:
        problem = _("This is your own code: give it to your family.")
    elif outcome is FollowOutcome.TOO_MANY:
        problem = _("You follow as many plans as I can keep. Stop following one first.")
    else:
        problem = wrong_code()
    await show(event, problem_screen.with_problem(problem))


async def code_typed(
    message: Message, state: FSMContext, user_record: UserRecord, family_plans: FamilyPlans
) -> None:
    result = await family_plans.follow(user_record, (message.text or "")[:100])
    await _after_follow(message, result, state, user_record, family_plans, code_screen())


async def follow_link(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    user_record: UserRecord,
    family_plans: FamilyPlans,
) -> None:
    """/start plan_<code>: the link a worker sent. Following needs no language chosen first:
    the screens speak the language Telegram reports until one is."""
    await leave_dialogue(state)
    payload = (command.args or "").split("_", 1)[-1]
    result = await family_plans.follow(user_record, payload)
    entry = follow_entry_screen(await family_plans.follows(user_record))
    await _after_follow(message, result, state, user_record, family_plans, entry)


async def label_typed(
    message: Message, state: FSMContext, user_record: UserRecord, family_plans: FamilyPlans
) -> None:
    label = clean_label(message.text or "")
    if label is None:
        await show(message, label_screen(followed_now=False).with_problem(_("Please send a name.")))
        return
    follow_id = int((await state.get_data()).get("follow", 0))
    await state.clear()
    await family_plans.set_label(user_record, follow_id, label)
    await _show_followed(message, user_record, family_plans, follow_id, _("✅ Saved."))


async def label_skipped(
    query: CallbackQuery, state: FSMContext, user_record: UserRecord, family_plans: FamilyPlans
) -> None:
    follow_id = int((await state.get_data()).get("follow", 0))
    await state.clear()
    await _show_followed(query, user_record, family_plans, follow_id)


async def _show_followed(
    event: Message | CallbackQuery,
    user_record: UserRecord,
    family_plans: FamilyPlans,
    follow_id: int,
    notice: str | None = None,
) -> None:
    followed = await family_plans.view(user_record, follow_id)
    if followed is None:
        await show(event, no_longer_shared())
        return
    await show(event, followed_screen(followed, user_record).above(notice))


async def view_followed(
    query: CallbackQuery,
    callback_data: FollowCb,
    state: FSMContext,
    user_record: UserRecord,
    family_plans: FamilyPlans,
) -> None:
    await state.clear()
    await _show_followed(query, user_record, family_plans, callback_data.id)


async def ask_name(
    query: CallbackQuery,
    callback_data: FollowCb,
    state: FSMContext,
    user_record: UserRecord,
    family_plans: FamilyPlans,
) -> None:
    if await family_plans.view(user_record, callback_data.id) is None:
        await show(query, no_longer_shared())
        return
    await state.set_state(FollowDialogue.label)
    await state.set_data({"follow": callback_data.id})
    await show(query, label_screen(followed_now=False))


async def ask_unfollow(
    query: CallbackQuery,
    callback_data: FollowCb,
    state: FSMContext,
    user_record: UserRecord,
    family_plans: FamilyPlans,
) -> None:
    await state.clear()
    followed = await family_plans.view(user_record, callback_data.id)
    await show(query, no_longer_shared() if followed is None else unfollow_question(followed))


async def unfollow(
    query: CallbackQuery,
    callback_data: FollowCb,
    user_record: UserRecord,
    family_plans: FamilyPlans,
) -> None:
    removed = await family_plans.unfollow(user_record, callback_data.id)
    notice = _("✅ You no longer follow this plan; its reminders are cancelled.")
    screen = follow_entry_screen(await family_plans.follows(user_record))
    await show(query, screen.above(notice if removed else None))


async def resume(query: CallbackQuery, state: FSMContext) -> None:
    """ "Continue where you left off" after /help or /mydata."""
    if await FOLLOW_STEPS.current(state) is FollowDialogue.label:
        await show(query, label_screen(followed_now=False))
    else:
        await show(query, code_screen())


def register_deep_link(router: Router) -> None:
    """`/start plan_<code>`: registered by handlers/start.py just before its plain /start."""
    router.message.register(
        follow_link, CommandStart(deep_link=True, magic=F.args.regexp(DEEP_LINK))
    )


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    not_a_command = NotACommand()
    router.callback_query.register(open_share, ShareCb.filter(F.action == "show"))
    router.callback_query.register(make_code, ShareCb.filter(F.action.in_({"create", "new"})))
    router.callback_query.register(stop_sharing, ShareCb.filter(F.action == "stop"))
    router.callback_query.register(out_of_date, ShareCb.filter())
    on_command_or_button(router, "follow", FollowCb.filter(F.action == "home"), open_follows)
    router.callback_query.register(ask_code, FollowCb.filter(F.action == "enter"))
    router.callback_query.register(view_followed, FollowCb.filter(F.action == "view"))
    router.callback_query.register(ask_name, FollowCb.filter(F.action == "name"))
    router.callback_query.register(ask_unfollow, FollowCb.filter(F.action == "unfollow"))
    router.callback_query.register(unfollow, FollowCb.filter(F.action == "unfollow_yes"))
    router.callback_query.register(
        label_skipped,
        FollowCb.filter(F.action == "skip"),
        FOLLOW_STEPS.filter(FollowDialogue.label),
    )
    router.callback_query.register(resume, ResumeCb.filter(), FOLLOW_STEPS.filter())
    router.callback_query.register(out_of_date, FollowCb.filter())
    router.message.register(code_typed, FOLLOW_STEPS.filter(FollowDialogue.code), not_a_command)
    router.message.register(label_typed, FOLLOW_STEPS.filter(FollowDialogue.label), not_a_command)
