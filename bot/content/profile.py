"""Rules about a user's profile that are not dialogue: defaults and human-readable labels."""

from __future__ import annotations

from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from storage.users import Audience, UserRecord

SEOUL = "Asia/Seoul"
ALMATY = "Asia/Almaty"  # all of Kazakhstan keeps one time (UTC+5) since March 2024

# Zones a user can pick, with a flag for the button. "auto" (no stored zone) follows the audience.
TIME_ZONE_CHOICES: dict[str, str] = {SEOUL: "🇰🇷", ALMATY: "🇰🇿"}

AUDIENCE_LABELS: dict[Audience, LazyProxy] = {
    Audience.WORKER: __("👷 I work in Korea"),
    Audience.FAMILY: __("👨‍👩‍👧 My relative works in Korea"),
    Audience.OTHER: __("🙋 Someone else"),
}


def default_time_zone(audience: Audience | None) -> str:
    """Workers live on Seoul time; families and everyone else on Kazakhstan's (UTC+5)."""
    return SEOUL if audience is Audience.WORKER else ALMATY


def effective_time_zone(record: UserRecord) -> str:
    return record.time_zone or default_time_zone(record.audience)


def is_onboarded(record: UserRecord) -> bool:
    return record.language is not None and record.audience is not None
