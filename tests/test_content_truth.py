"""Issue 12: each correction from the fact check, pinned in the text users read, in kk, ru and
en. A later edit that brings back an understated exclusion, a promised way back, a present
tense for an ended programme or a blog cited as an official source fails here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.offline.simuser import SimulatedUser
from bot.telegram.callbacks import EpsCb, TrackerCb
from tests.conftest import UserFactory, onboard

LOCALES = ["kk", "ru", "en"]
DURING = datetime(2026, 1, 10, 3, 0, tzinfo=UTC).timestamp()  # the programme is open


def seen(user: SimulatedUser) -> str:
    return user.last_text.replace("\u202f", " ")


async def departure_screen(user: SimulatedUser, emoji: str) -> str:
    await user.send("/departure")
    if "📝" in " ".join(user.buttons):  # the track question (issue 15): this guide's track
        await user.press("📝")
    if emoji:
        await user.press(emoji)
    return seen(user)


# 1. This programme's own exclusions (Ministry of Justice notice, 28 November 2025).
EXCLUDED = {
    "kk": [
        "Кімге қолданылмайды",
        "• Кореяға заңсыз кіргендер (жасырын өткендер);",
        "• жалған немесе өзгертілген паспортты пайдаланғандар;",
        "• елден шығу туралы бұйрықты орындамағандар;",
    ],
    "ru": [
        "На кого не распространяется",
        "• те, кто въехал в Корею незаконно (нелегально пересёк границу);",
        "• те, кто пользовался поддельным или изменённым паспортом;",
        "• те, кто не выполнил приказ о выезде;",
    ],
    "en": [
        "Not covered",
        "• people who entered Korea illegally (smuggled in);",
        "• people who used a forged or altered passport;",
        "• people who did not obey a departure order;",
    ],
}
EARLIER = {"kk": "бұрынғы бағдарлама", "ru": "прежних программ", "en": "earlier programme"}


@pytest.mark.parametrize("locale", LOCALES)
async def test_this_programme_excludes_smuggled_forged_and_ordered_out(
    make_user: UserFactory, clock: ManualClock, locale: str
) -> None:
    clock.set(DURING)
    user = make_user()
    await onboard(user, locale)
    text = await departure_screen(user, "👥")
    for line in EXCLUDED[locale]:
        assert line in text
    assert EARLIER[locale] not in text  # not pushed back to "earlier programmes"
    assert "lawissue.co.kr, " in text  # the notice is cited


# 2. No way back is promised: the fine is waived and the entry ban deferred, nothing more.
DEFERRED = {
    "kk": "Корея елге кіруге шектеуді кейінге қалдырады; бұл кейін виза беріледі деген кепілдік "
    "емес.",
    "ru": "ограничение на въезд Корея откладывает; это не гарантия визы в будущем.",
    "en": "Korea defers the entry ban; this is not a guarantee of a visa later.",
}
PROMISE = {
    "kk": ["заңды түрде оралу", "қайта оралу жолы"],
    "ru": ["законном возвращении", "путь к законному возвращению"],
    "en": ["returning legally", "road to returning"],
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_no_way_back_is_promised(make_user: UserFactory, locale: str) -> None:
    user = make_user()
    await onboard(user, locale)
    root = await departure_screen(user, "")
    assert DEFERRED[locale] in root
    what = await departure_screen(user, "❓")
    for text in (root, what):
        assert not any(phrase in text for phrase in PROMISE[locale])
    assert "입국규제 유예" in what  # the ministry's own term, for the officer


# 3. Once the programme ended: its status first, and the past tense.
ENDED_FIRST = {
    "kk": (
        "⛔ Бағдарлама 2026 ж. 28 ақпан күні аяқталды.",
        "арналған еді; Қазақстан азаматтары да қамтылды.",
    ),
    "ru": ("⛔ Программа завершилась 28 февраля 2026 г.", "Она распространялась на иностранцев"),
    "en": ("⛔ The programme ended on 28 February 2026.", "It was for foreigners"),
}
WINDOW_PAST = {
    "kk": "аралығында өтті",
    "ru": "Она действовала с 1 декабря 2025 г. по 28 февраля 2026 г.",
    "en": "It ran from 1 December 2025 to 28 February 2026",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_ended_programme_is_told_first_and_in_the_past(
    make_user: UserFactory, locale: str
) -> None:
    user = make_user()  # the test clock is in November 2026: the programme has ended
    await onboard(user, locale)
    for emoji in ("👥", "📅"):
        lines = (await departure_screen(user, emoji)).splitlines()
        assert lines[1].startswith(ENDED_FIRST[locale][0]), emoji  # right under the heading
    who = await departure_screen(user, "👥")
    assert ENDED_FIRST[locale][1] in who
    assert WINDOW_PAST[locale] in await departure_screen(user, "📅")


# 4. 3 to 15 days for the in-person report too, not only online.
RANGE_FOR_BOTH = {
    "kk": "Өтінішті кетуге 3–15 күн қалғанда өзіңіз барып немесе онлайн беріңіз",
    "ru": "Подайте заявление за 3–15 дней до выезда, лично или онлайн",
    "en": "Report 3 to 15 days before your departure (Korean public holidays do not count), "
    "in person or online.",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_window_applies_in_person_and_online(make_user: UserFactory, locale: str) -> None:
    user = make_user()
    await onboard(user, locale)
    text = await departure_screen(user, "📍")
    assert RANGE_FOR_BOTH[locale] in text
    assert text.index(RANGE_FOR_BOTH[locale]) < text.index("1. ")


# 5. Sources and confidence as checked; medium confidence is visible to the reader.
REPORTED = {
    "kk": "(хабарланған, ресми дереккөз емес)",
    "ru": "(по сообщениям, не из официального источника)",
    "en": "(reported, not officially confirmed)",
}
NO_DATE = {
    "kk": "бетте күні көрсетілмеген",
    "ru": "дата на странице не указана",
    "en": "shows no date",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_sources_and_confidence_as_checked(make_user: UserFactory, locale: str) -> None:
    user = make_user()
    await onboard(user, locale)
    await user.send("/eps")
    guide = user.last_message.message_id
    for step in (6, 7):  # a 2011 forum post: its year is shown, and it is marked as reported
        await user.press_data(EpsCb(screen="step", n=step).pack(), message_id=guide)
        (sources,) = [line for line in seen(user).splitlines() if line.startswith("🔎")]
        assert "fewa.super-forum.net, 2011" in sources and NO_DATE[locale] not in sources
        assert sources.endswith(REPORTED[locale])
    await user.press_data(EpsCb(screen="step", n=1).pack(), message_id=guide)
    assert REPORTED[locale] not in seen(user)  # the official test page is not marked
    await user.press_data(EpsCb(screen="stay").pack(), message_id=guide)
    faithful = [line for line in seen(user).splitlines() if "bangduty.com" in line]
    assert faithful and faithful[0].endswith(REPORTED[locale])
    # The official lines cite the page that lists them all, not one article about one line.
    where = await departure_screen(user, "📍")
    assert "dongponews.kr, 2023" in where


# 6. The stage-1 title adds nothing the sources do not say.
STAGE_ONE = {
    "kk": "✅ 1. Мемлекетішілік келісу: аяқталды",
    "ru": "✅ 1. Внутригосударственное согласование: завершено",
    "en": "✅ 1. Domestic approval: done",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_stage_one_is_domestic_approval(make_user: UserFactory, locale: str) -> None:
    user = make_user()
    await onboard(user, locale)
    await user.send("/eps")
    await user.press_data(TrackerCb(action="show").pack(), message_id=user.last_message.message_id)
    text = seen(user)
    assert STAGE_ONE[locale] in text
    assert "in Korea:" not in text and "в Корее:" not in text and "Корея ішіндегі" not in text
