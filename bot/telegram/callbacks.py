"""Typed callback data for every inline button (each packs far below Telegram's 64 bytes)."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters.callback_data import CallbackData
from pydantic import Field


class ResumeCb(CallbackData, prefix="go"):
    """ "Continue where you left off": back to the step of the dialogue in progress."""


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class AudienceCb(CallbackData, prefix="aud"):
    value: str


class MenuCb(CallbackData, prefix="menu"):
    """Opens a section of the main menu; `section="root"` is the menu itself."""

    section: str


class PrivacyCb(CallbackData, prefix="priv"):
    action: str  # "ask_delete" | "confirm_delete" | "keep" | "change_audience" | "time_zone"


class TimeZoneCb(CallbackData, prefix="tz"):
    zone: str  # an IANA name, or "auto" for the default that follows "who you are"


class RemindersCb(CallbackData, prefix="rem"):
    action: str  # "cancel" | "undo" | "new" | "snooze" | "tomorrow"
    # Bounded to SQLite's integer range: a forged huge id fails validation here, at the edge,
    # and the press is answered as an outdated button instead of reaching the database.
    id: int = Field(default=0, ge=0, lt=2**63)


class NewReminderCb(CallbackData, prefix="nrem"):
    step: str  # "today" | "tomorrow" | "time" | "back" | "cancel"
    value: str = ""


class StaffCb(CallbackData, prefix="staff"):
    action: str


class EpsCb(CallbackData, prefix="eps"):
    """EPS guide screens (handlers/eps.py)."""

    screen: str
    n: int = Field(default=0, ge=0, le=50)


class EligibilityCb(CallbackData, prefix="elig"):
    """Eligibility self-check (handlers/eligibility.py)."""

    action: str  # "start" | "begin" | "retake" | "answer" | "keep" | "back" | "cancel" | "delete"
    value: str = ""  # for "answer": "<rule>.<choice>", e.g. "passport.valid"


class TrackerCb(CallbackData, prefix="trk"):
    """Kazakhstan's accession tracker and its subscription (handlers/tracker.py)."""

    action: str
    value: str = ""


class DepartureCb(CallbackData, prefix="dep"):
    """Voluntary-departure guide screens and the officer card (handlers/departure.py)."""

    screen: str
    value: str = ""


class AnnouncementsCb(CallbackData, prefix="ann"):
    """The users' 📢 Announcements section: show one again, mute, unmute
    (handlers/announcements.py)."""

    action: str
    id: int = Field(default=0, ge=0)


class ChecklistCb(CallbackData, prefix="chk"):
    """The personal departure checklist and flight plan (handlers/checklist.py)."""

    action: str
    item: str = ""


def menu_section(key: str) -> Any:
    """The filter for a main-menu section's button (`MenuCb(section=key)`)."""
    return MenuCb.filter(F.section == key)


class FaqCb(CallbackData, prefix="faq"):
    """❓ Questions: the topics, a topic's questions (paged), one entry (handlers/faq.py).
    `entry` is the entry's id without the "faq." prefix, to stay far below 64 bytes."""

    action: str  # "topics" | "topic" | "entry"
    topic: str = ""
    entry: str = ""
    page: int = Field(default=0, ge=0, le=50)


class AskCb(CallbackData, prefix="ask"):
    """✉️ Ask a person: the relay to staff (handlers/relay.py). `action="start"` opens it from
    any screen (the FAQ's results and entries end with it); the person's own tickets ("list",
    "show", "reply", "close") carry the ticket number in `id`."""

    action: str
    id: int = Field(default=0, ge=0, lt=2**63)


class TicketCb(CallbackData, prefix="tkt"):
    """Buttons under a ticket's post in the staff chat (handlers/staff_chat.py): "close",
    "block", "unblock", "faq" (suggestions), "faqsend" (`entry`: the FAQ entry's id without
    "faq."), "back". Anyone in the staff chat may press them."""

    action: str
    id: int = Field(default=0, ge=0, lt=2**63)
    entry: str = ""


class ShareCb(CallbackData, prefix="shr"):
    """A worker shares their departure plan with their family (handlers/sharing.py): "show",
    "create" (the first code), "new" (replace the code), "stop" (revoke)."""

    action: str


class FollowCb(CallbackData, prefix="fol"):
    """A family member follows a relative's plan (handlers/sharing.py): "home" (the followed
    plans), "enter" (type a code), "view", "name", "skip", "unfollow", "unfollow_yes". `id` is
    the follow's own number, never a user id; it is looked up with the presser's id."""

    action: str
    id: int = Field(default=0, ge=0, lt=2**63)
