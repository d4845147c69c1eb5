"""Issue 12, item 7: freshness. Staff see the facts due for a new check (older than
RECHECK_DAYS, oldest first), mark one "re-checked, unchanged" in one press (kept in history),
and get a weekly digest on the one sending path, neither lost nor repeated by a restart."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.config import ConfigError, load_settings
from bot.content.freshness import due_for_recheck, next_digest_moment
from bot.content.recheck import DIGEST_KIND, mark_action
from bot.offline.fakeapi import FakeTelegramSession
from bot.offline.simuser import plain
from bot.telegram.callbacks import StaffCb
from storage.content import Confidence, Fact
from tests.conftest import ADMIN_ID, Restart, UserFactory, onboard

LOCALES = ["kk", "ru", "en"]
TITLE = {
    "kk": "🔁 Қайта тексеретін кез келді",
    "ru": "🔁 Пора перепроверить",
    "en": "🔁 Due for re-check",
}
# The accession stage was last checked on 30 January 2026; the test clock says 21 November.
ACCESSION_LINE = {
    "kk": "1. accession · тексерілген күні: 2026\u202fж. 30 қаңтар (295 күн бұрын)",
    "ru": "1. accession · проверено 30 января 2026\u202fг. (295 дней назад)",
    "en": "1. accession · checked 30 January 2026 (295 days ago)",
}
MARK = {
    "kk": "✅ 1. accession: өзгерген жоқ",
    "ru": "✅ 1. accession: без изменений",
    "en": "✅ 1. accession: unchanged",
}
MARKED = {
    "kk": "✅ accession: бүгін қайта тексерілді, өзгерген жоқ. Тарихына сақталды.",
    "ru": "✅ accession: перепроверено сегодня, без изменений. Сохранено в истории.",
    "en": "✅ accession: re-checked today, unchanged. Saved in its history.",
}
ALREADY = {
    "kk": "accession бүгін тексерілген деп белгіленіп қойған.",
    "ru": "accession уже отмечен как проверенный сегодня.",
    "en": "accession is already marked as checked today.",
}
ALL_FRESH = {
    "kk": "✅ Барлық мәлімет соңғы 90 күн ішінде тексерілген.",
    "ru": "✅ Все факты проверены не позже, чем 90 дней назад.",
    "en": "✅ Every fact was checked within the last 90 days.",
}
RECHECKED_IN_HISTORY = {
    "kk": "✅ Дереккөзбен қайта салыстырылды, өзгерген жоқ.",
    "ru": "✅ Перепроверено по источнику, без изменений.",
    "en": "✅ Re-checked against the source, unchanged.",
}
DIGEST = {
    "kk": "🔁 Апталық қайта тексеру\n1 мәлімет 90 күн шегінен ұзақ тексерілмеген. Ең ескісі:",
    "ru": "🔁 Еженедельная перепроверка\n1 факт не проверялся дольше, чем 90 дней. Самый давний:",
    "en": "🔁 Weekly re-check\n1 fact was last checked more than 90 days ago. The oldest:",
}


def fact(key: str, checked_on: date) -> Fact:
    return Fact(key, {}, "https://example.org", None, checked_on, Confidence.HIGH)


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


# -- pure rules ---------------------------------------------------------------------------------


def test_due_means_older_than_the_limit_oldest_first() -> None:
    today = date(2026, 11, 24)
    facts = [
        fact("b", date(2026, 8, 26)),  # exactly 90 days: not yet due
        fact("c", date(2026, 1, 30)),
        fact("a", date(2026, 8, 25)),  # 91 days
        fact("d", date(2026, 1, 30)),
    ]
    due = due_for_recheck(facts, today, 90)
    assert [(item.fact.key, item.age_days) for item in due] == [("c", 298), ("d", 298), ("a", 91)]
    assert due_for_recheck(facts, today, 365) == []


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 21, 19, 0), datetime(2026, 11, 23, 9, 0)),  # Saturday
        (datetime(2026, 11, 23, 8, 59), datetime(2026, 11, 23, 9, 0)),  # Monday, before 9
        (datetime(2026, 11, 23, 9, 0), datetime(2026, 11, 30, 9, 0)),  # Monday at 9: next week
        (datetime(2026, 11, 24, 12, 0), datetime(2026, 11, 30, 9, 0)),  # Tuesday
    ],
)
def test_the_digest_comes_on_monday_at_nine(now: datetime, expected: datetime) -> None:
    assert next_digest_moment(now) == expected


def test_recheck_days_setting() -> None:
    env = {"BOT_TOKEN": "123456:" + "A" * 30}
    assert load_settings({**env}, env_file=None).recheck_days == 90
    assert load_settings({**env, "RECHECK_DAYS": "30"}, env_file=None).recheck_days == 30
    for bad in ("0", "-5", "ninety", "99999"):
        with pytest.raises(ConfigError, match="RECHECK_DAYS"):
            load_settings({**env, "RECHECK_DAYS": bad}, env_file=None)


def test_every_fact_key_fits_in_a_button() -> None:
    from bot.content.facts import load_seed

    for seed in load_seed():
        assert len(StaffCb(action=mark_action(seed.key)).pack().encode()) <= 64, seed.key


# -- staff, end to end ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_staff_see_the_list_and_mark_a_fact_in_one_press(
    make_user: UserFactory, app: App, locale: str
) -> None:
    admin = make_user(language_code=locale, user_id=ADMIN_ID)
    await onboard(admin, locale)
    await admin.send("/recheck")
    text = admin.last_text
    assert text.startswith(TITLE[locale])
    assert ACCESSION_LINE[locale] in text
    assert 'href="https://kaz.inform.kz/' in admin.last_message.text  # the source, one tap away
    assert MARK[locale] in admin.buttons
    assert len(text) <= 1200

    await admin.press(MARK[locale])
    assert admin.popups[-1] == MARKED[locale]
    assert admin.last_text.startswith(TITLE[locale])
    assert ALL_FRESH[locale] in admin.last_text  # nothing else was due
    accession = await app.content.get("accession")
    assert accession.checked_on == date(2026, 11, 21)
    assert accession.updated_by is None  # a re-check is not an edit: seed corrections still apply
    versions = await app.content.history("accession")
    assert versions[0].rechecked and versions[0].changed_by == ADMIN_ID
    assert versions[0].value == versions[1].value  # unchanged

    # A second press of the same (old) button records nothing more.
    await admin.press_data(
        StaffCb(action=mark_action("accession")).pack(), message_id=admin.last_message.message_id
    )
    assert admin.popups[-1] == ALREADY[locale]
    assert len(await app.content.history("accession")) == len(versions)

    # The tracker's history names the re-check, and users see the new checked day.
    await admin.send("/tracker")
    await admin.press({"kk": "🕘", "ru": "🕘", "en": "🕘"}[locale])
    assert RECHECKED_IN_HISTORY[locale] in admin.last_text


async def test_the_staff_section_leads_to_the_list(make_user: UserFactory) -> None:
    admin = make_user(language_code="en", user_id=ADMIN_ID)
    await onboard(admin, "en")
    await admin.send("/menu")
    await admin.press("🛠 Staff")
    await admin.press("🔁 Due for re-check")
    assert admin.last_text.startswith(TITLE["en"])
    await admin.press("⬅️ Staff")
    assert "🔁 Due for re-check" in admin.buttons


async def test_users_cannot_mark_facts(make_user: UserFactory, app: App) -> None:
    user = make_user(language_code="en")
    await onboard(user, "en")
    await user.send("/recheck")
    assert user.last_text == "This command is for staff only."
    await user.press_data(
        StaffCb(action=mark_action("accession")).pack(), message_id=user.last_message.message_id
    )
    assert user.popups[-1] == "This command is for staff only."
    assert (await app.content.get("accession")).checked_on == date(2026, 1, 30)


# -- the weekly digest --------------------------------------------------------------------------


def messages_to(session: FakeTelegramSession, user_id: int, start: str) -> list[str]:
    return [
        plain(stored.text)
        for (chat_id, _), stored in sorted(session.messages.items())
        if chat_id == user_id and stored.from_bot and stored.text.startswith(start)
    ]


@pytest.mark.parametrize("locale", LOCALES)
async def test_weekly_digest_once_a_week_through_restarts(
    make_user: UserFactory,
    restart: Restart,
    clock: ManualClock,
    session: FakeTelegramSession,
    locale: str,
) -> None:
    admin = make_user(language_code=locale, user_id=ADMIN_ID)
    await onboard(admin, locale)
    regular = make_user(language_code=locale)
    await onboard(regular, locale)
    app = await restart(downtime=60)  # start-up books a digest for every staff member
    pending = await app.reminders.repo.pending_of_kind_prefix(ADMIN_ID, DIGEST_KIND)
    assert [r.due_at for r in pending] == [utc(2026, 11, 23, 0, 0)]  # Monday 09:00 in Seoul
    assert not await app.reminders.repo.pending_of_kind_prefix(regular.user_id, DIGEST_KIND)

    clock.set(utc(2026, 11, 23, 0, 0))
    assert await app.reminders.run_due() == 1
    (digest,) = messages_to(session, ADMIN_ID, "🔁")
    assert digest.startswith(DIGEST[locale])
    assert "accession" in digest
    assert messages_to(session, regular.user_id, "🔁") == []
    # The next one is booked for the Monday after; a restart repeats nothing.
    app = await restart(downtime=60)
    assert await app.reminders.run_due() == 0
    pending = await app.reminders.repo.pending_of_kind_prefix(ADMIN_ID, DIGEST_KIND)
    assert [r.due_at for r in pending] == [utc(2026, 11, 30, 0, 0)]

    # With nothing due, no message is sent, and the week after is still booked.
    await app.content.mark_rechecked(
        "accession", by=ADMIN_ID, now=int(clock.now()), checked_on=date(2026, 11, 23)
    )
    clock.set(utc(2026, 11, 30, 0, 0))
    await app.reminders.run_due()
    assert len(messages_to(session, ADMIN_ID, "🔁")) == 1
    pending = await app.reminders.repo.pending_of_kind_prefix(ADMIN_ID, DIGEST_KIND)
    assert [r.due_at for r in pending] == [utc(2026, 12, 7, 0, 0)]
