"""Announcement screens, as staff and users read them: pure functions of the data, in the
current locale. The dialogue (handlers/staff/announce.py) and the progress reporter
(bot/announcements/progress.py) show them; tests read them through the real bot."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

from bot.announcements.model import Announcement, Audience, ContentKind, Draft, Status, Version
from bot.formatting import format_date, format_datetime, format_time_zone
from bot.i18n import current_locale
from bot.quantities import days_text, number_text
from bot.telegram.callbacks import AnnouncementsCb, MenuCb, StaffCb
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Row, Screen, button, keyboard

LANGUAGE_NAMES = {"kk": "🇰🇿 Қазақша", "ru": "🇷🇺 Русский", "en": "🇬🇧 English"}
AUDIENCE_NAMES = {
    "worker": __("👷 workers in Korea"),
    "family": __("👨‍👩‍👧 families"),
    "other": __("🙂 others"),
}
FLIGHT_CHOICES = (7, 14, 30)
# The two zones staff schedule in: where workers live and where families and staff live.
SCHEDULE_ZONES = {"seoul": "Asia/Seoul", "almaty": "Asia/Almaty"}
STATUS_ICONS = {
    Status.SCHEDULED: "🗓",
    Status.RUNNING: "📤",
    Status.PAUSED: "⏸",
    Status.DONE: "✅",
    Status.CANCELLED: "✖️",
}


def status_name(status: Status) -> str:
    names = {
        Status.SCHEDULED: _("scheduled"),
        Status.RUNNING: _("sending"),
        Status.PAUSED: _("paused"),
        Status.DONE: _("sent"),
        Status.CANCELLED: _("cancelled"),
    }
    return names[status]


def zone_name(key: str) -> str:
    return _("Seoul time (UTC+9)") if key == "seoul" else _("Almaty time (UTC+5)")


def audience_text(audience: Audience) -> str:
    """'everyone', or the filters in words: what staff check before confirming."""
    parts = []
    if audience.languages:
        parts.append(", ".join(LANGUAGE_NAMES[code] for code in audience.languages))
    if audience.audiences:
        parts.append(", ".join(str(AUDIENCE_NAMES[code]) for code in audience.audiences))
    if audience.tracker_subscribers:
        parts.append(_("subscribers of the tracker's news"))
    if audience.flight_within_days is not None:
        parts.append(
            _("with a departure flight within the next {days}").format(
                days=days_text(audience.flight_within_days)
            )
        )
    return "; ".join(parts) if parts else _("everyone")


def excerpt(version: Version, limit: int = 80) -> str:
    """The first words of a version, plain and escaped, for lists."""
    text = " ".join(version.text.split())
    if not text:
        text = {
            ContentKind.PHOTO: _("[photo]"),
            ContentKind.DOCUMENT: _("[document]"),
            ContentKind.VIDEO: _("[video]"),
        }.get(version.kind, "")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text)


# -- staff: the panel and one announcement --------------------------------------------------------


def _zone_label(zone: str) -> str:
    return format_time_zone(zone, current_locale(), 0)


def counts_line(announcement: Announcement) -> str:
    counts = announcement.counts
    return _("Sent {sent} of {total} · blocked {blocked} · failed {failed} · left {left}").format(
        sent=number_text(counts.sent),
        total=number_text(counts.total),
        blocked=number_text(counts.blocked),
        failed=number_text(counts.failed),
        left=number_text(max(counts.remaining, 0)),
    )


def panel_screen(recent: list[Announcement], zone: str) -> Screen:
    """`zone`: the reader's time zone (an IANA name); times are shown in it, and it is named."""
    lines = [_("<b>📢 Announcements</b> (staff)")]
    if recent:
        lines.append(_("Latest, newest first (times: {zone}):").format(zone=_zone_label(zone)))
        for item in recent:
            when = item.draft.scheduled_at or item.created_at
            counts = (
                ""
                if item.status is Status.SCHEDULED
                else " · "
                + _("sent {sent} of {total}").format(
                    sent=number_text(item.counts.sent), total=number_text(item.counts.total)
                )
            )
            lines.append(
                f"{STATUS_ICONS[item.status]} #{item.id} · "
                f"{format_datetime(when, zone, current_locale())} · {status_name(item.status)}"
                f"{counts}\n"
                f"   {excerpt(item.draft.version_for(item.draft.fallback_locale), 60)}"
            )
    else:
        lines.append(_("No announcements yet."))
    rows: list[Row] = [[button(_("✏️ New announcement"), StaffCb(action="ann_new"))]]
    rows += [
        [button(f"{STATUS_ICONS[item.status]} #{item.id}", StaffCb(action=f"ann_open.{item.id}"))]
        for item in recent[:5]
    ]
    rows.append([button(_("⬅️ Staff"), MenuCb(section="staff")), back_to_menu_button()])
    return Screen("\n\n".join(lines), keyboard(*rows))


def detail_screen(item: Announcement, zone: str, per_second: float) -> Screen:
    """One announcement: status, counts, ETA while sending, and what staff can do now."""
    draft = item.draft
    lines = [
        _("<b>📢 Announcement #{id}</b> · {status}").format(
            id=item.id, status=status_name(item.status)
        ),
        _("To: {audience}").format(audience=audience_text(draft.audience))
        + (" · " + _("urgent") if draft.urgent else ""),
        _("Languages: {languages}").format(
            languages=", ".join(LANGUAGE_NAMES[code] for code in draft.versions)
        ),
    ]
    if item.status is Status.SCHEDULED and draft.scheduled_at is not None:
        lines.append(
            _("Starts: {when} ({zone})").format(
                when=format_datetime(draft.scheduled_at, zone, current_locale()),
                zone=_zone_label(zone),
            )
        )
    else:
        lines.append(counts_line(item))
        if item.status in (Status.RUNNING, Status.PAUSED) and item.counts.remaining > 0:
            minutes = max(1, round(item.counts.remaining / per_second / 60))
            lines.append(
                ngettext(
                    "About {count} minute left at the current pace.",
                    "About {count} minutes left at the current pace.",
                    minutes,
                ).format(count=number_text(minutes))
            )
    rows: list[Row] = []
    ident = item.id
    if item.status is Status.SCHEDULED:
        rows.append([button(_("✏️ Edit"), StaffCb(action=f"ann_edit.{ident}"))])
    if item.status is Status.RUNNING:
        rows.append([button(_("⏸ Pause"), StaffCb(action=f"ann_pause.{ident}"))])
    if item.status is Status.PAUSED:
        rows.append([button(_("▶️ Resume"), StaffCb(action=f"ann_resume.{ident}"))])
    if item.status in (Status.SCHEDULED, Status.RUNNING, Status.PAUSED):
        rows.append([button(_("✖️ Cancel the announcement"), StaffCb(action=f"ann_stop.{ident}"))])
    rows.append([button(_("🔄 Refresh"), StaffCb(action=f"ann_open.{ident}"))])
    rows.append([button(_("⬅️ Announcements"), StaffCb(action="ann_panel"))])
    return Screen("\n".join(lines), keyboard(*rows))


# -- staff: the confirm screen -------------------------------------------------------------------


def summary_screen(
    draft: Draft, recipients: int, when: str | None, confirm_label: str, nav: Row
) -> Screen:
    """What will happen on confirm: languages, fallback, audience and its size, urgency, time."""
    lines = [_("<b>📢 Check before sending</b>")]
    lines.append(_("Above: each language's version exactly as its recipients will see it."))
    skipped = [code for code in LANGUAGE_NAMES if code not in draft.versions]
    if skipped:
        lines.append(
            _("Users of {skipped} get the {fallback} version.").format(
                skipped=", ".join(LANGUAGE_NAMES[code] for code in skipped),
                fallback=LANGUAGE_NAMES[draft.fallback_locale],
            )
        )
    lines.append(_("To: {audience}").format(audience=audience_text(draft.audience)))
    lines.append(
        ngettext(
            "Recipients now: {count} person.", "Recipients now: {count} people.", recipients
        ).format(count=number_text(recipients))
    )
    lines.append(
        _("⚡ Urgent: also to people who muted announcements, and at night.")
        if draft.urgent
        else _("Not urgent: people who muted announcements are skipped; nobody gets it at night.")
    )
    lines.append(when or _("When: now."))
    return Screen(
        "\n".join(lines), keyboard([button(confirm_label, StaffCb(action="ann_confirm"))], nav)
    )


# -- users ---------------------------------------------------------------------------------------


def user_section(items: list[Announcement], muted: bool, language: str | None, zone: str) -> Screen:
    """What the team announced lately (for someone who joined after it went out), and the
    mute switch."""
    lines = [_("<b>📢 Announcements</b>")]
    if items:
        lines.append(_("The latest announcements from the Jolserik team:"))
        for number, item in enumerate(items, start=1):
            version = item.draft.version_for(language)
            day = format_date(item.started_at or item.created_at, zone, current_locale())
            lines.append(f"{number}. {day}: {excerpt(version)}")
    else:
        lines.append(_("There have been no announcements yet."))
    lines.append(
        _("🔕 You have muted announcements: only urgent ones reach you.")
        if muted
        else _("🔔 Announcements are on.")
    )
    rows: list[Row] = [
        [
            button(
                _("📨 Show #{number} in full").format(number=n),
                AnnouncementsCb(action="again", id=item.id),
            )
        ]
        for n, item in enumerate(items, start=1)
    ]
    rows.append(
        [
            button(_("🔔 Turn announcements on"), AnnouncementsCb(action="unmute"))
            if muted
            else button(_("🔕 Mute announcements"), AnnouncementsCb(action="mute"))
        ]
    )
    rows.append([back_to_menu_button()])
    return Screen("\n\n".join(lines), keyboard(*rows))
