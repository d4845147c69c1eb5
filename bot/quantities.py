"""Counted quantities in the user's language: '3 days', '3 дня', '3 күн'. Russian needs
plural forms here, so running text never abbreviates ('за 3 дн.') and never says '3 дней'.
After «за» the Russian forms are the same as the nominative ones: за 1 день, 3 дня, 5 дней."""

from __future__ import annotations

from aiogram.utils.i18n import ngettext

from bot.formatting import format_number
from bot.i18n import current_locale


def number_text(count: int) -> str:
    """A number grouped the way the reader writes it: 15,000 / 15 000."""
    return format_number(count, current_locale())


def years_text(count: int) -> str:
    return ngettext("{count} year", "{count} years", count).format(count=number_text(count))


def months_text(count: int) -> str:
    return ngettext("{count} month", "{count} months", count).format(count=number_text(count))


def days_text(count: int) -> str:
    return ngettext("{count} day", "{count} days", count).format(count=number_text(count))


def hours_text(count: int) -> str:
    return ngettext("{count} hour", "{count} hours", count).format(count=number_text(count))


def duration_text(total_months: int) -> str:
    """46 months -> '3 years 10 months' ('3 года 10 месяцев', '3 жыл 10 ай')."""
    years, months = divmod(total_months, 12)
    parts = []
    if years:
        parts.append(years_text(years))
    if months or not years:
        parts.append(months_text(months))
    return " ".join(parts)
