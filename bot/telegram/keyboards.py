"""Inline keyboards as plain functions of what they show. Texts resolve in the current locale.

Keyboards that depend only on the language (and which sections a user sees) are built once per
language and reused: building the pydantic models and looking up the texts cost ~150 µs a menu,
a quarter of the time of a whole update (docs/benchmarks.md). aiogram only serialises a markup,
never changes it, so sharing one object is safe.
"""

from __future__ import annotations

from functools import lru_cache

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.config import SUPPORTED_LOCALES
from bot.content.profile import AUDIENCE_LABELS, TIME_ZONE_CHOICES
from bot.formatting import format_time_zone
from bot.i18n import LANGUAGE_NAMES, current_locale
from bot.telegram.callbacks import AudienceCb, LanguageCb, MenuCb, PrivacyCb, TimeZoneCb
from bot.telegram.dialogue import back_label
from bot.telegram.menu import MENU_SECTIONS, visible_sections
from bot.telegram.screens import button
from storage.users import Audience, UserRecord


def back_to_menu_button() -> InlineKeyboardButton:
    return button(_("⬅️ Main menu"), MenuCb(section="root"))


def language_keyboard(locales: tuple[str, ...], *, with_back: bool) -> InlineKeyboardMarkup:
    return _language_keyboard(current_locale(), tuple(locales), with_back)


@lru_cache(maxsize=64)
def _language_keyboard(
    locale: str, locales: tuple[str, ...], with_back: bool
) -> InlineKeyboardMarkup:
    # Supported languages first, in their agreed order; a newly dropped-in catalog follows.
    ordered = [c for c in SUPPORTED_LOCALES if c in locales] + [
        c for c in sorted(locales) if c not in SUPPORTED_LOCALES
    ]
    rows = [[button(LANGUAGE_NAMES.get(code, code), LanguageCb(code=code))] for code in ordered]
    if with_back:
        rows.append([back_to_menu_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def audience_keyboard(*, with_back: bool = False) -> InlineKeyboardMarkup:
    """Who the user is; `with_back` when changed from /mydata (not during onboarding, where
    the question must be answered)."""
    return _audience_keyboard(current_locale(), with_back)


@lru_cache(maxsize=16)
def _audience_keyboard(locale: str, with_back: bool) -> InlineKeyboardMarkup:
    rows = [
        [button(str(AUDIENCE_LABELS[audience]), AudienceCb(value=audience.value))]
        for audience in Audience
    ]
    if with_back:
        rows.append([button(back_label(), MenuCb(section="mydata"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def main_menu_keyboard(record: UserRecord | None) -> InlineKeyboardMarkup:
    return _main_menu_keyboard(current_locale(), tuple(s.key for s in visible_sections(record)))


@lru_cache(maxsize=64)
def _main_menu_keyboard(locale: str, keys: tuple[str, ...]) -> InlineKeyboardMarkup:
    labels = {section.key: section.label for section in MENU_SECTIONS}
    buttons = [button(str(labels[key]), MenuCb(section=key)) for key in keys]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_only_keyboard() -> InlineKeyboardMarkup:
    return _back_only_keyboard(current_locale())


@lru_cache(maxsize=16)
def _back_only_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[back_to_menu_button()]])


def my_data_keyboard() -> InlineKeyboardMarkup:
    return _my_data_keyboard(current_locale())


@lru_cache(maxsize=16)
def _my_data_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("✏️ Change who I am"), PrivacyCb(action="change_audience"))],
            [button(_("🕒 Change time zone"), PrivacyCb(action="time_zone"))],
            [button(_("📢 Mute or turn on announcements"), MenuCb(section="announcements"))],
            [button(_("🗑 Delete my data"), PrivacyCb(action="ask_delete"))],
            [back_to_menu_button()],
        ]
    )


def time_zone_keyboard(locale: str, now: float) -> InlineKeyboardMarkup:
    rows = [
        [button(f"{flag} {format_time_zone(zone, locale, now)}", TimeZoneCb(zone=zone))]
        for zone, flag in TIME_ZONE_CHOICES.items()
    ]
    rows.append([button(_("🔄 Automatic (by who I am)"), TimeZoneCb(zone="auto"))])
    rows.append([button(back_label(), MenuCb(section="mydata"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def privacy_keyboard() -> InlineKeyboardMarkup:
    return _privacy_keyboard(current_locale())


@lru_cache(maxsize=16)
def _privacy_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("🔒 My data"), MenuCb(section="mydata"))],
            [button(_("🗑 Delete my data"), PrivacyCb(action="ask_delete"))],
            [back_to_menu_button()],
        ]
    )


def confirm_delete_keyboard() -> InlineKeyboardMarkup:
    return _confirm_delete_keyboard(current_locale())


@lru_cache(maxsize=16)
def _confirm_delete_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("Yes, delete everything"), PrivacyCb(action="confirm_delete"))],
            [button(_("No, keep it"), PrivacyCb(action="keep"))],
        ]
    )
