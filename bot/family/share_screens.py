"""Screens of plan sharing: the worker's "share with my family" and the family member's "follow my
relative's departure". Pure functions of what they show; handlers/sharing.py picks them.

A family member sees dates and progress only: the flight day and the report window (Korea
dates, said so), how many required and recommended items are done, the day of the last change.
Never item names, the flight time, notes, reminders, names or ids.
"""

from __future__ import annotations

from html import escape

from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

from bot.content.profile import effective_time_zone
from bot.family.plans import FollowedPlan, SharingState, follow_label
from bot.family.sharing import MAX_LABEL, deep_link, display_code
from bot.formatting import format_date, format_datetime, format_day
from bot.i18n import current_locale
from bot.telegram.callbacks import ChecklistCb, FollowCb, MenuCb, ShareCb
from bot.telegram.dialogue import Steps, back_label
from bot.telegram.screens import Screen, button, join, keyboard
from storage.shares import Follow
from storage.users import UserRecord


class FollowDialogue(StatesGroup):
    code = State()
    label = State()


FOLLOW_STEPS = Steps(
    FollowDialogue,
    name=__("Follow a relative's departure"),
    back=None,
    cancel=FollowCb(action="home"),
)


# -- the worker's side ---------------------------------------------------------------------------


def share_button() -> InlineKeyboardButton:
    """The checklist's way in (bot/departure/screens.py)."""
    return button(_("👪 Share with my family"), ShareCb(action="show"))


def _what_is_shared() -> str:
    return _(
        "<b>Your family will see</b>: your flight date, the dates for the departure report, "
        "how many required and recommended items are done, and the day of your last change.\n"
        "<b>They will not see</b>: the names of the items, the flight time, your reminders, "
        "your name or your Telegram account."
    )


def share_screen(state: SharingState, bot_username: str, zone: str) -> Screen:
    """What sharing shows and to how many; create, replace or revoke the code."""
    locale = current_locale()
    title = _("👪 <b>Share my plan with my family</b>")
    back = [button(_("⬅️ Back to the checklist"), ChecklistCb(action="show"))]
    if state.share is None:
        text = join(
            title,
            _what_is_shared(),
            _(
                "Nothing is shared now. Create a code and give it to your family (or send them "
                "the link); you can stop sharing at any time."
            ),
        )
        markup = keyboard([button(_("🔑 Create a code"), ShareCb(action="create"))], back)
        return Screen(text, markup)
    code = state.share.code
    lines = [
        _("🔑 Code: <code>{code}</code>").format(code=display_code(code)),
        _("🔗 Link: {link}").format(link=deep_link(bot_username, code)),
        _(
            "Give them only to your family: whoever has the code can follow your plan until "
            "you stop sharing or make a new code."
        ),
    ]
    if state.followers:
        days = ", ".join(format_date(f.created_at, zone, locale) for f in state.followers)
        following = ngettext(
            "👥 {count} person follows your plan (since {days}).",
            "👥 {count} people follow your plan (since {days}).",
            len(state.followers),
        ).format(count=len(state.followers), days=days)
    else:
        following = _("👥 Nobody follows your plan yet.")
    text = join(title, _what_is_shared(), "\n".join(lines), following)
    markup = keyboard(
        [
            button(_("🔄 New code"), ShareCb(action="new")),
            button(_("⛔ Stop sharing"), ShareCb(action="stop")),
        ],
        back,
    )
    return Screen(text, markup)


# -- the family member's side --------------------------------------------------------------------


def follow_button() -> InlineKeyboardButton:
    """The family section's way in (bot/family/section.py)."""
    return button(_("🛫 Follow my relative's departure"), FollowCb(action="home"))


def follow_entry_screen(follows: list[Follow] | None = None) -> Screen:
    """The plans this person follows, and a way to follow one more with a code."""
    follows = follows or []
    text = join(
        _("🛫 <b>Follow my relative's departure</b>"),
        _(
            "When your relative in Korea shares their departure plan, you see the flight date, "
            "the dates for the departure report and how far along they are, and I remind you "
            "before the flight, at your time. They share it in the bot: 📋 checklist → ✈️ "
            "Flight and plan → 👪 Share with my family."
        ),
        _("Plans you follow:") if follows else _("You do not follow any plan yet."),
    )
    rows = [
        [button(f"🛫 {follow_label(follow, number)}", FollowCb(action="view", id=follow.id))]
        for number, follow in enumerate(follows, start=1)
    ]
    rows.append([button(_("🔑 Enter a code"), FollowCb(action="enter"))])
    rows.append([button(back_label(), MenuCb(section="family"))])
    return Screen(text, keyboard(*rows))


def code_screen() -> Screen:
    text = _(
        "🔑 <b>Code</b>\n"
        "Send the code your relative gave you, for example ABCD-EFGH (capital or small "
        "letters, with or without the dash)."
    )
    return Screen(text, keyboard(FOLLOW_STEPS.nav_row(FollowDialogue.code)))


def wrong_code() -> str:
    return _("No plan is shared with this code. Check it with your relative and try again.")


def too_many_attempts(retry_at: float, user: UserRecord) -> str:
    at = format_datetime(retry_at, effective_time_zone(user), current_locale())
    return _("Too many wrong codes. Please try again after {time}.").format(time=at)


def label_screen(followed_now: bool) -> Screen:
    lines = [_("✅ You now follow your relative's departure plan.")] if followed_now else []
    lines.append(
        _(
            "✏️ <b>Name</b>\n"
            "How shall I call this relative? For example: brother. Up to {count} characters; "
            "only you see it."
        ).format(count=MAX_LABEL)
    )
    markup = keyboard(
        [button(_("⏭ Skip"), FollowCb(action="skip"))],
        FOLLOW_STEPS.nav_row(FollowDialogue.label),
    )
    return Screen("\n\n".join(lines), markup)


def followed_screen(followed: FollowedPlan, user: UserRecord) -> Screen:
    """A relative's plan: dates and progress, read now."""
    locale = current_locale()
    summary = followed.summary
    label = escape(follow_label(followed.follow, followed.number), quote=False)
    lines = [_("🛫 <b>{label}: departure plan</b>").format(label=label)]
    if summary is None or summary.flight_day is None:
        lines.append(_("✈️ Flight date: not set yet."))
    else:
        lines.append(
            _("✈️ Flight: <b>{date}</b> (date in Korea)").format(
                date=format_day(summary.flight_day, locale)
            )
        )
        if summary.report_window is not None:
            opens, closes = summary.report_window
            lines.append(
                _(
                    "📝 Departure report: from <b>{opens}</b> to <b>{closes}</b> (dates in Korea)"
                ).format(opens=format_day(opens, locale), closes=format_day(closes, locale))
            )
    if summary is not None:
        lines += [
            "",
            _("<b>Required</b>: {done} of {total} done").format(
                done=summary.required_done, total=summary.required_total
            ),
            _("<b>Recommended</b>: {done} of {total} done").format(
                done=summary.recommended_done, total=summary.recommended_total
            ),
            _("Last change: {date}").format(
                date=format_date(summary.updated_at, effective_time_zone(user), locale)
            ),
        ]
    window = summary is not None and summary.report_window is not None
    lines += [
        "",
        _(
            "🔔 I remind you at 10:00 your time: the day before the flight, and on the day the "
            "departure report can first be made."
        )
        if window
        else _("🔔 I remind you at 10:00 your time, the day before the flight."),
    ]
    follow_id = followed.follow.id
    markup = keyboard(
        [
            button(_("✏️ Name"), FollowCb(action="name", id=follow_id)),
            button(_("🚫 Stop following"), FollowCb(action="unfollow", id=follow_id)),
        ],
        [button(back_label(), FollowCb(action="home"))],
    )
    return Screen("\n".join(lines), markup)


def no_longer_shared() -> Screen:
    text = _(
        "This plan is no longer shared with you: your relative stopped sharing it or made a new "
        "code. Ask them for the new code if you want to follow it again."
    )
    return Screen(text, keyboard([button(back_label(), FollowCb(action="home"))]))


def unfollow_question(followed: FollowedPlan) -> Screen:
    label = escape(follow_label(followed.follow, followed.number), quote=False)
    text = _(
        "Stop following «{label}»? Its reminders are cancelled; to follow it again you will "
        "need the code."
    ).format(label=label)
    follow_id = followed.follow.id
    markup = keyboard(
        [button(_("Yes, stop following"), FollowCb(action="unfollow_yes", id=follow_id))],
        [button(_("↩️ No, keep following"), FollowCb(action="view", id=follow_id))],
    )
    return Screen(text, markup)
