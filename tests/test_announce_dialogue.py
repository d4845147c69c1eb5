"""Issue 13: staff compose an announcement in the bot and users receive it, in kk, ru and en.

Real updates through the real Dispatcher; delivery by the real engine on a real SQLite file,
driven with `run_due()` on the test clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage, SendPhoto

from bot.app import App
from bot.clock import ManualClock
from bot.config import Settings
from bot.offline.fakeapi import FakeTelegramSession
from bot.offline.simuser import SimulatedUser
from storage.db import Database
from tests.conftest import ADMIN_ID, ClockSleep, UserFactory, onboard, start_app

LOCALES = ["kk", "ru", "en"]
BOLD = [{"type": "bold", "offset": 0, "length": 6}]
TEXTS = {
    "kk": "Маңызды: консулдық 1 желтоқсанда жабық.",
    "ru": "Важно: консульство 1 декабря закрыто.",
    "en": "Notice: the consulate is closed on 1 December.",
}
NEW = {"kk": "✏️ Жаңа хабарландыру", "ru": "✏️ Новое объявление", "en": "✏️ New announcement"}
SKIP = {"kk": "⏭ Бұл тілді өткізу", "ru": "⏭ Пропустить этот язык", "en": "⏭ Skip this language"}
NEXT = {"kk": "➡️ Әрі қарай", "ru": "➡️ Далее", "en": "➡️ Next"}
NOW = {"kk": "📤 Қазір", "ru": "📤 Сейчас", "en": "📤 Now"}
SEND_TO = {"kk": "✅ {n} адамға жіберу", "ru": "✅ Отправить ({n})", "en": "✅ Send to {n}"}
STARTED = {
    "kk": "📤 Жіберу басталды.",
    "ru": "📤 Рассылка началась.",
    "en": "📤 Sending has started.",
}
CHECK = {
    "kk": "📢 Жібермес бұрын тексеріңіз",
    "ru": "📢 Проверьте перед отправкой",
    "en": "📢 Check before sending",
}


def sent_to(session: FakeTelegramSession, chat_id: int) -> list[Any]:
    """Messages and photos the bot sent to one chat, in order."""
    return [
        call
        for call in session.calls
        if isinstance(call, SendMessage | SendPhoto) and int(call.chat_id) == chat_id
    ]


async def people(make_user: UserFactory) -> dict[str, SimulatedUser]:
    users = {}
    for locale in LOCALES:
        user = make_user(language_code=locale)
        await onboard(user, locale)
        users[locale] = user
    return users


async def admin_in(make_user: UserFactory, locale: str) -> SimulatedUser:
    admin = make_user(language_code=locale, user_id=ADMIN_ID)
    await onboard(admin, locale)
    return admin


@pytest.mark.parametrize("locale", LOCALES)
async def test_compose_with_formatting_and_a_photo_then_everyone_gets_their_version(
    make_user: UserFactory, app: App, session: FakeTelegramSession, locale: str
) -> None:
    readers = await people(make_user)
    admin = await admin_in(make_user, locale)
    await admin.send("/announce")
    await admin.press(NEW[locale])
    await admin.send_formatted(TEXTS["kk"], BOLD)  # kk: formatted text
    await admin.press(SKIP[locale])  # ru skipped
    await admin.send_formatted(TEXTS["en"], BOLD, photo_id="PHOTO-1")  # en: a photo with caption
    await admin.press("🇰🇿")  # users of the skipped language get the Kazakh version
    await admin.press(NEXT[locale])  # everyone
    await admin.press(NOW[locale])
    # The preview: each version exactly as sent, then the summary.
    preview = sent_to(session, ADMIN_ID)
    kk_preview = next(c for c in preview if isinstance(c, SendMessage) and c.text == TEXTS["kk"])
    assert [e.model_dump(exclude_none=True) for e in kk_preview.entities] == BOLD
    assert kk_preview.parse_mode is None  # never re-parsed as HTML
    photo = next(c for c in preview if isinstance(c, SendPhoto))
    assert photo.photo == "PHOTO-1" and photo.caption == TEXTS["en"]
    assert admin.last_text.startswith(CHECK[locale])
    recipients = 4  # three readers and the admin
    await admin.press(SEND_TO[locale].format(n=recipients))
    assert admin.popups[-1] == STARTED[locale]

    await app.announcements.run_due()
    for reader_locale, reader in readers.items():
        (received,) = [
            c
            for c in sent_to(session, reader.user_id)
            if isinstance(c, SendPhoto) or c.text in TEXTS.values()
        ]
        if reader_locale == "en":
            assert isinstance(received, SendPhoto) and received.caption == TEXTS["en"]
        else:  # kk, and ru by the fallback
            assert isinstance(received, SendMessage) and received.text == TEXTS["kk"]
            assert [e.model_dump(exclude_none=True) for e in received.entities] == BOLD
    item = (await app.announcements.recent(limit=1))[0]
    assert item.counts.sent == recipients


async def test_too_long_is_refused_with_the_limit_before_anything_is_sent(
    make_user: UserFactory, app: App, session: FakeTelegramSession
) -> None:
    admin = await admin_in(make_user, "en")
    await admin.send("/announce")
    await admin.press(NEW["en"])
    await admin.send("x" * 4097)
    assert "at most 4096 characters" in admin.last_text
    assert "step 1 of" in admin.last_text  # the place is kept
    await admin.send_formatted("y" * 1025, [], photo_id="P")
    assert "at most 1024 characters (a caption)" in admin.last_text


async def test_filters_show_the_count_and_reach_only_them(
    make_user: UserFactory, app: App, session: FakeTelegramSession
) -> None:
    readers = await people(make_user)
    family = make_user(language_code="ru")
    await onboard(family, "ru", audience="family")
    admin = await admin_in(make_user, "en")
    await admin.send("/announce")
    await admin.press(NEW["en"])
    await admin.press(SKIP["en"])
    await admin.send(TEXTS["ru"])
    await admin.press(SKIP["en"])
    await admin.press("⬜ 🇷🇺 Русский")
    assert "Recipients now: 2." in admin.last_text  # the ru reader and the ru family member
    await admin.press("⬜ 👨‍👩‍👧 families")
    assert "Recipients now: 1." in admin.last_text
    await admin.press(NEXT["en"])
    await admin.press(NOW["en"])
    await admin.press("✅ Send to 1")
    await app.announcements.run_due()
    assert any(getattr(c, "text", "") == TEXTS["ru"] for c in sent_to(session, family.user_id))
    assert not any(
        getattr(c, "text", "") == TEXTS["ru"] for c in sent_to(session, readers["ru"].user_id)
    )


async def test_schedule_edit_and_cancel_before_it_starts(
    make_user: UserFactory, app: App, session: FakeTelegramSession, clock: ManualClock
) -> None:
    await people(make_user)
    admin = await admin_in(make_user, "en")
    await admin.send("/announce")
    await admin.press(NEW["en"])
    await admin.press(SKIP["en"])
    await admin.press(SKIP["en"])
    await admin.send(TEXTS["en"])
    await admin.press(NEXT["en"])
    await admin.press("🗓 Schedule: Seoul time (UTC+9)")
    await admin.send("yesterday")
    assert "like 25.12.2026 09:00" in admin.last_text
    await admin.send("01.01.2020 09:00")
    assert "already passed" in admin.last_text
    await admin.send("22.11.2026 09:00")  # the test clock is 21 November, 19:00 in Seoul
    assert "When: 22 November 2026, 09:00 (Seoul time (UTC+9))." in admin.last_text
    await admin.press("✅ Schedule it")
    item = (await app.announcements.recent(limit=1))[0]
    assert item.status.value == "scheduled"
    assert item.draft.scheduled_at == datetime(2026, 11, 22, 0, 0, tzinfo=UTC).timestamp()
    assert "✏️ Edit" in admin.buttons
    await admin.press("✏️ Edit")
    await admin.press("⬅️ Back")  # back from the preview to the time
    await admin.send("23.11.2026 09:00")
    await admin.press("✅ Save the changes")
    item = await app.announcements.get(item.id)
    assert (
        item is not None
        and item.draft.scheduled_at == datetime(2026, 11, 23, 0, 0, tzinfo=UTC).timestamp()
    )
    await admin.press("✖️ Cancel the announcement")
    assert (await app.announcements.get(item.id)).status.value == "cancelled"
    clock.set(datetime(2026, 11, 24, tzinfo=UTC).timestamp())
    await app.announcements.run_due()
    assert (await app.announcements.get(item.id)).counts.sent == 0


async def test_mute_skips_normal_but_not_urgent_and_the_section_shows_them(
    make_user: UserFactory, app: App, session: FakeTelegramSession
) -> None:
    reader = make_user(language_code="en")
    await onboard(reader, "en")
    await reader.send("/announcements")
    await reader.press("🔕 Mute announcements")
    assert reader.popups[-1] == "🔕 Announcements muted. Urgent ones still reach you."
    admin = await admin_in(make_user, "en")
    for urgent, text in ((False, "Routine news"), (True, "Urgent: road closed")):
        await admin.send("/announce")
        await admin.press(NEW["en"])
        await admin.press(SKIP["en"])
        await admin.press(SKIP["en"])
        await admin.send(text)
        await admin.press(NEXT["en"])
        if urgent:
            await admin.press("⚡ Urgent")
        await admin.press(NOW["en"])
        await admin.press("✅ Send to")
        await app.announcements.run_due()
    texts = [getattr(c, "text", "") for c in sent_to(session, reader.user_id)]
    assert "Urgent: road closed" in texts and "Routine news" not in texts
    await reader.send("/announcements")
    assert "Urgent: road closed" in reader.last_text
    assert "🔕 You have muted announcements" in reader.last_text
    await reader.press("📨 Show #1 in full")
    assert reader.last_text == "Urgent: road closed"


async def test_a_double_confirm_sends_once(
    make_user: UserFactory, app: App, session: FakeTelegramSession
) -> None:
    reader = make_user(language_code="en")
    await onboard(reader, "en")
    admin = await admin_in(make_user, "en")
    await admin.send("/announce")
    await admin.press(NEW["en"])
    await admin.press(SKIP["en"])
    await admin.press(SKIP["en"])
    await admin.send("Once only")
    await admin.press(NEXT["en"])
    await admin.press(NOW["en"])
    confirm_message = admin.last_message.message_id
    await admin.press("✅ Send to", message_id=confirm_message)
    await admin.press("✅ Send to", message_id=confirm_message)  # the second press
    await app.announcements.run_due()
    texts = [getattr(c, "text", "") for c in sent_to(session, reader.user_id)]
    assert texts.count("Once only") == 1
    assert len(await app.announcements.recent()) == 1


@pytest.mark.parametrize("locale", LOCALES)
async def test_progress_is_edited_in_place_with_pause_resume_and_cancel(
    make_user: UserFactory, app: App, session: FakeTelegramSession, locale: str
) -> None:
    for _ in range(5):
        reader = make_user(language_code="en")
        await onboard(reader, "en")
    admin = await admin_in(make_user, locale)
    await admin.send("/announce")
    await admin.press(NEW[locale])
    await admin.press(SKIP[locale])
    await admin.press(SKIP[locale])
    await admin.send("Water supply notice")
    await admin.press(NEXT[locale])
    await admin.press(NOW[locale])
    await admin.press(SEND_TO[locale].format(n=6))
    progress = admin.last_message.message_id
    item = (await app.announcements.recent(limit=1))[0]
    assert await app.announcements.run_due(limit=2) == 2

    pause = {"kk": "⏸ Кідірту", "ru": "⏸ Приостановить", "en": "⏸ Pause"}[locale]
    await admin.press(pause, message_id=progress)
    assert await app.announcements.run_due() == 0  # paused: nothing goes out
    sent = {"kk": "Жіберілді: 2/6", "ru": "Отправлено 2 из 6", "en": "Sent 2 of 6"}[locale]
    assert sent in admin.last_text
    resume = {"kk": "▶️ Жалғастыру", "ru": "▶️ Продолжить", "en": "▶️ Resume"}[locale]
    await admin.press(resume, message_id=progress)
    assert await app.announcements.run_due(limit=1) == 1
    stop = {
        "kk": "✖️ Хабарландыруды тоқтату",
        "ru": "✖️ Отменить объявление",
        "en": "✖️ Cancel the announcement",
    }[locale]
    await admin.press(stop, message_id=progress)
    assert await app.announcements.run_due() == 0
    final = await app.announcements.get(item.id)
    assert final is not None and final.status.value == "cancelled"
    assert (final.counts.sent, final.counts.cancelled) == (3, 3)
    # The progress message itself says where it ended, in the author's language.
    shown = session.messages[(ADMIN_ID, progress)].text
    assert {"kk": "тоқтатылды", "ru": "отменено", "en": "cancelled"}[locale] in shown


async def test_the_staff_chat_gets_a_summary(
    settings: Settings,
    db: Database,
    clock: ManualClock,
    bot: Bot,
    clock_sleep: ClockSleep,
    session: FakeTelegramSession,
) -> None:
    app = await start_app(replace(settings, staff_chat_id=-100_500), db, clock, bot, clock_sleep)

    def make_user(language_code: str, user_id: int | None = None) -> SimulatedUser:
        return SimulatedUser(
            app.dispatcher,
            bot,
            session,
            user_id=user_id or 100_000_777,
            language_code=language_code,
        )

    reader = make_user(language_code="en")
    await onboard(reader, "en")
    admin = await admin_in(make_user, "en")
    await admin.send("/announce")
    await admin.press(NEW["en"])
    await admin.press(SKIP["en"])
    await admin.press(SKIP["en"])
    await admin.send("Summary please")
    await admin.press(NEXT["en"])
    await admin.press(NOW["en"])
    await admin.press("✅ Send to 2")
    await app.announcements.run_due()
    summaries = [c.text for c in sent_to(session, -100_500)]
    # In the deployment's default language (Kazakh in these tests): the chat is shared.
    assert summaries == [
        "📢 Хабарландыру #1: жіберілді\nЖіберілді: 2/2 · бұғаттағандар: 0 · қате: 0 · қалды: 0"
    ]


async def test_the_panel_lists_past_announcements_with_their_counts(
    make_user: UserFactory, app: App
) -> None:
    reader = make_user(language_code="en")
    await onboard(reader, "en")
    admin = await admin_in(make_user, "en")
    await admin.send("/announce")
    await admin.press(NEW["en"])
    await admin.press(SKIP["en"])
    await admin.press(SKIP["en"])
    await admin.send("Listed later")
    await admin.press(NEXT["en"])
    await admin.press(NOW["en"])
    await admin.press("✅ Send to 2")
    await app.announcements.run_due()
    await admin.send("/announce")
    assert "#1 · " in admin.last_text and "sent · sent 2 of 2" in admin.last_text
    assert "Listed later" in admin.last_text
    await admin.press("✅ #1")
    assert admin.last_text.startswith("📢 Announcement #1 · sent")
    assert "Sent 2 of 2" in admin.last_text


async def test_someone_who_joins_later_still_finds_a_notice_for_everyone(
    make_user: UserFactory, app: App
) -> None:
    early = make_user(language_code="ru")
    await onboard(early, "ru")
    admin = await admin_in(make_user, "en")
    for text, only_en in (("For everyone", False), ("Only for English readers", True)):
        await admin.send("/announce")
        await admin.press(NEW["en"])
        await admin.press(SKIP["en"])
        await admin.send(text)
        await admin.press(SKIP["en"])
        await admin.press(NEXT["en"] if not only_en else "⬜ 🇬🇧 English")
        if only_en:
            await admin.send("ignored")  # text where a button is expected: the step stays
            await admin.press(NEXT["en"])
        await admin.press(NOW["en"])
        await admin.press("✅ Send to")
        await app.announcements.run_due()
    late = make_user(language_code="ru")
    await onboard(late, "ru")  # joined after both went out
    await late.send("/announcements")
    assert "For everyone" in late.last_text
    assert "Only for English readers" not in late.last_text  # not meant for Russian readers
    await late.press("📨 Показать №1 полностью")
    assert late.last_text == "For everyone"


async def test_text_at_the_preview_keeps_the_place_without_repeating_the_previews(
    make_user: UserFactory, app: App, session: FakeTelegramSession
) -> None:
    admin = await admin_in(make_user, "en")
    await admin.send("/announce")
    await admin.press(NEW["en"])
    await admin.press(SKIP["en"])
    await admin.press(SKIP["en"])
    await admin.send("Shown once")
    await admin.press(NEXT["en"])
    await admin.press(NOW["en"])
    await admin.send("ok send it")  # typed where a button is expected
    assert "Please use the buttons below." in admin.last_text
    assert "✅ Send to 1" in admin.buttons  # still at the confirm step
    previews = [c for c in sent_to(session, ADMIN_ID) if getattr(c, "text", "") == "Shown once"]
    assert len(previews) == 1
