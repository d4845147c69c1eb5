"""Issue 5 (part): the voluntary-departure guide, the officer card, and the staff-updated
programme window, as users and staff see them in kk, ru and en."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from aiogram import Bot

from bot.content.facts import load_seed, parse_source_url
from bot.departure.plan import Track, korea_today
from bot.departure.programme import (
    PROGRAMME_KEY,
    CardChoice,
    ProgrammeWindow,
    WindowStatus,
    officer_card,
    officer_card_korean,
    programme_state,
)
from bot.formatting import format_day
from bot.offline.fakeapi import FakeTelegramSession
from bot.offline.simuser import SimulatedUser, plain
from storage.db import Database
from tests.conftest import ADMIN_ID, Restart, UserFactory, onboard
from tests.test_departure_tracks import choose_track

LOCALES = ["kk", "ru", "en"]
SEED_WINDOW = ProgrammeWindow(date(2025, 12, 1), date(2026, 2, 28), date(2025, 12, 1))


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def day(value: date, locale: str) -> str:
    return format_day(value, locale)


# Babel's dates, with the narrow no-break spaces Kazakh and Russian use ("2026\u202fж.").
DEC_1 = {locale: day(date(2025, 12, 1), locale) for locale in LOCALES}
FEB_28 = {locale: day(date(2026, 2, 28), locale) for locale in LOCALES}
DEC_31 = {locale: day(date(2026, 12, 31), locale) for locale in LOCALES}


def source_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("🔎")]


def ends_with_sources(text: str) -> bool:
    return text.splitlines()[-1].startswith("🔎")


# -- pure rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "status", "days"),
    [
        (date(2025, 11, 20), WindowStatus.UPCOMING, 11),
        (date(2025, 11, 30), WindowStatus.UPCOMING, 1),
        (date(2025, 12, 1), WindowStatus.OPEN, 90),  # the "90-day programme" of the notice
        (date(2026, 1, 10), WindowStatus.OPEN, 50),
        (date(2026, 2, 28), WindowStatus.OPEN, 1),  # the last day still counts
        (date(2026, 3, 1), WindowStatus.ENDED, 1),
        (date(2026, 11, 21), WindowStatus.ENDED, 266),
    ],
)
def test_programme_state_on_fixed_dates(today: date, status: WindowStatus, days: int) -> None:
    state = programme_state(SEED_WINDOW, today)
    assert (state.status, state.days) == (status, days)


def test_korea_decides_the_day() -> None:
    # 28 Feb 2026 23:59 in Seoul is still the last day; a minute later the window has ended,
    # even though it is still 28 Feb in UTC and in Kazakhstan.
    assert korea_today(utc(2026, 2, 28, 14, 59)) == date(2026, 2, 28)
    assert korea_today(utc(2026, 2, 28, 15, 0)) == date(2026, 3, 1)
    assert programme_state(SEED_WINDOW, korea_today(utc(2026, 2, 28, 15, 0))).status == (
        WindowStatus.ENDED
    )


def test_seed_window_parses_and_round_trips() -> None:
    seed = next(fact for fact in load_seed() if fact.key == PROGRAMME_KEY)
    window = ProgrammeWindow.from_value(seed.value)
    assert window.start == date(2025, 12, 1) and window.end == date(2026, 2, 28)
    assert window.irregular_before == date(2025, 12, 1)
    assert set(window.note) == {"kk", "ru", "en"}
    assert ProgrammeWindow.from_value(window.to_value()) == window
    no_cutoff = ProgrammeWindow(date(2027, 1, 1), date(2027, 3, 31))
    assert ProgrammeWindow.from_value(no_cutoff.to_value()) == no_cutoff


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("https://www.moj.go.kr/news/123", True),
        ("http://hrdkorea.kr/ENG/4/2", True),
        ("www.moj.go.kr", False),
        ("https://localhost/x", False),
        ("https://a.kr/with space", False),
        ('https://a.kr/"onmouseover', False),
        ("https://a.kr/" + "x" * 500, False),
    ],
)
def test_source_url_check(text: str, ok: bool) -> None:
    assert (parse_source_url(text) is not None) is ok


def test_officer_card_korean_uses_the_glossary_terms() -> None:
    korean = officer_card_korean()
    assert korean.splitlines()[0] == "안녕하세요."
    for term in ("카자흐스탄 국민", "자진출국 신고", "여권", "항공권", "감사하겠습니다"):
        assert term in korean
    # The documents line names the report form too, as the office asks for it.
    assert "여권, 항공권, 자진출국 신고서를 가지고 왔습니다." in korean.splitlines()
    assert "러시아어" not in korean  # the interpreter line only when asked for
    assert len(korean.splitlines()) == len(officer_card())


def test_officer_card_variants() -> None:
    airport = officer_card_korean(CardChoice(airport=True))
    assert "하이코리아로 자진출국 사전신고를 했습니다. 출국 확인을 받으러 왔습니다." in airport
    assert "자진출국 신고를 하러 왔습니다." not in airport
    with_interpreter = officer_card_korean(CardChoice(interpreter=True)).splitlines()
    assert with_interpreter[-2:] == ["러시아어 통역이 필요합니다.", "도와주시면 감사하겠습니다."]
    for choice in (
        CardChoice(),
        CardChoice(True, False),
        CardChoice(False, True),
        CardChoice(True, True),
    ):
        assert CardChoice.unpack(choice.pack()) == choice
    assert CardChoice.unpack("nonsense") == CardChoice()  # an odd button opens the plain card


# -- the guide, end to end -----------------------------------------------------------------------

TITLE = {
    "kk": "🛫 Ерікті түрде кету",
    "ru": "🛫 Добровольный выезд",
    "en": "🛫 Voluntary departure",
}
MENU_BUTTON = {"kk": "🛫 Кореядан кету", "ru": "🛫 Выезд из Кореи", "en": "🛫 Leaving Korea"}
ENDED = {
    "kk": "⛔ Бағдарлама {end} күні аяқталды. Оның ұзартылғаны расталмаған",
    "ru": "⛔ Программа завершилась {end} Продление не подтверждено",
    "en": "⛔ The programme ended on {end}. An extension has not been confirmed",
}
ROOT_BUTTONS = {
    "kk": [
        "❓ Бұл не",
        "👥 Кімге арналған",
        "📍 Өтінішті қайда және қашан беру керек",
        "📅 Бағдарлама мерзімі",
        "🪪 Көші-қон қызметкеріне арналған карточка",
        "✅ Менің тексеру тізімім",
        "🔄 Жағдайымды өзгерту",
        "⬅️ Басты мәзір",
    ],
    "ru": [
        "❓ Что это такое",
        "👥 Кому подходит",
        "📍 Где и когда подать заявление",
        "📅 Сроки программы",
        "🪪 Карточка для сотрудника иммиграционной службы",
        "✅ Мой чек-лист",
        "🔄 Изменить мою ситуацию",
        "⬅️ Главное меню",
    ],
    "en": [
        "❓ What it is",
        "👥 Who can use it",
        "📍 Where & when to report",
        "📅 Programme window",
        "🪪 Card for the immigration officer",
        "✅ My checklist",
        "🔄 Change my situation",
        "⬅️ Main menu",
    ],
}
# For each subscreen: its heading and phrases that must be there, per language.
SCREENS = {
    "❓": {
        "kk": [
            "❓ Ерікті түрде кету деген не",
            "айыппұл (범칙금) алмайды",
            "EPS арқылы",
            "расталмаған",
        ],
        "ru": [
            "❓ Что такое добровольный выезд",
            "не взимает штраф",
            "по EPS",
            "не подтверждено",
        ],
        "en": ["❓ What voluntary departure is", "waives the fine", "through EPS", "not confirmed"],
    },
    "👥": {
        "kk": ["👥 Кімге арналған", f"{DEC_1['kk']} күнінен бұрын", "депортацияға", "1345"],
        "ru": ["👥 Кому подходит", f"до {DEC_1['ru']}", "подлежит депортации", "1345"],
        "en": ["👥 Who can use it", "before 1 December 2025", "subject to deportation", "1345"],
    },
    "📍": {
        "kk": ["📍 Өтінішті қайда және қашан беру керек", "3–15 күн", "брондалған", "4 сағат"],
        "ru": ["📍 Где и когда подать заявление", "за 3–15 дней", "забронирован", "за 4 часа"],
        "en": ["📍 Where and when to report", "3 to 15 days", "ticket is booked", "4 hours"],
    },
    "📅": {
        "kk": ["📅 Бағдарлама мерзімі", f"{DEC_1['kk']} – {FEB_28['kk']}", "ұзартылғаны"],
        "ru": ["📅 Сроки программы", f"с {DEC_1['ru']} по {FEB_28['ru']}", "Продление"],
        "en": ["📅 Programme window", "from 1 December 2025 to 28 February 2026", "extension"],
    },
}
SOURCES = {
    "❓": ["gangnam.com", "lawissue.co.kr"],
    "👥": ["qazinform.com", "lawissue.co.kr", "dongponews.kr"],
    "📍": ["chosun.ac.kr", "gangnam.com", "dongponews.kr"],
    "📅": ["qazinform.com", "chosun.ac.kr", "lawissue.co.kr", "dongponews.kr"],
}
# Facts re-checked on 24 November 2026 (the Ministry of Justice notice, the official lines)
# are cited under that day; the rest under 21 November.
CHECKED = {
    "kk": (
        "Тексерілген күні: " + day(date(2026, 11, 21), "kk"),
        "Тексерілген күні: " + day(date(2026, 11, 24), "kk"),
    ),
    "ru": (
        "Проверено " + day(date(2026, 11, 21), "ru"),
        "Проверено " + day(date(2026, 11, 24), "ru"),
    ),
    "en": ("Checked " + day(date(2026, 11, 21), "en"), "Checked " + day(date(2026, 11, 24), "en")),
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_whole_guide_navigation_with_sources(make_user: UserFactory, locale: str) -> None:
    user = make_user()
    await onboard(user, locale)
    await choose_track(user, locale, Track.IRREGULAR)
    await user.send("/menu")
    await user.press(MENU_BUTTON[locale])
    root_message = user.last_message.message_id
    root = user.last_text
    assert root.startswith(TITLE[locale])
    assert ENDED[locale].format(end=day(date(2026, 2, 28), locale)) in root
    assert ends_with_sources(root) and "qazinform.com" in root
    assert user.buttons == ROOT_BUTTONS[locale]
    checklist = user.last_message.reply_markup["inline_keyboard"][5][0]
    assert checklist["callback_data"] == "chk:show:"  # handled by the checklist feature

    for emoji, phrases in SCREENS.items():
        await user.press(emoji)
        text = user.last_text
        assert user.last_message.message_id == root_message  # edited in place
        for phrase in phrases[locale]:
            assert phrase in text, (emoji, phrase)
        assert ends_with_sources(text), emoji
        lines = source_lines(text)
        assert all(any(checked in line for checked in CHECKED[locale]) for line in lines)
        for site in SOURCES[emoji]:
            assert any(site in line for line in lines), (emoji, site)
        assert len(user.buttons) == 1  # Back
        await user.press("⬅️")
        assert user.last_text.startswith(TITLE[locale])

    await user.press("⬅️")  # main menu
    assert user.last_text.startswith(
        {"kk": "Басты мәзір", "ru": "Главное меню", "en": "Main menu"}[locale]
    )


# A text outside any dialogue is a question for the FAQ; a date finds nothing there.
NOT_UNDERSTOOD = {
    "kk": "Бұл сұрақтың жауабын өз тізімімнен таппадым.",
    "ru": "Среди моих вопросов ответа на это не нашлось.",
    "en": "I could not find an answer to that among my questions.",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_departure_command_leaves_a_dialogue(make_user: UserFactory, locale: str) -> None:
    user = make_user()
    await onboard(user, locale)
    await choose_track(user, locale, Track.IRREGULAR)
    await user.send("/reminders")
    await user.press("➕")  # a reminder dialogue is waiting for a date...
    await user.send("/departure")  # ...and the command leaves it, and says so
    left = {
        "kk": "«Жаңа еске салу» аяқталмай қалды",
        "ru": "Вы не закончили «Новое напоминание»",
        "en": "«New reminder» was left unfinished",
    }[locale]
    assert user.last_text.startswith(left)
    assert f"\n\n{TITLE[locale]}" in user.last_text
    await user.send("25.12.2026")  # no longer a reminder date: not understood
    assert user.last_text.startswith(NOT_UNDERSTOOD[locale])


UPCOMING = {
    "kk": f"⏳ Бағдарлама {DEC_1['kk']} күні басталады, оған 11 күн қалды.",
    "ru": f"⏳ Программа начнётся {DEC_1['ru']}, через 11 дней.",
    "en": "⏳ The programme starts on 1 December 2025, in 11 days.",
}
OPEN = {
    "kk": f"✅ Бағдарлама қазір жүріп жатыр: {FEB_28['kk']} күнін қоса алғанда, 50 күн қалды.",
    "ru": f"✅ Программа действует сейчас: осталось 50 дней, до {FEB_28['ru']} включительно.",
    "en": "✅ The programme is open now: 50 days left, until 28 February 2026 inclusive.",
}
LAST_DAY = {
    "kk": f"✅ Бағдарлама қазір жүріп жатыр. Бүгін, {FEB_28['kk']}, — оның соңғы күні.",
    "ru": f"✅ Программа действует сейчас. Сегодня, {FEB_28['ru']}, — её последний день.",
    "en": "✅ The programme is open now. Today, 28 February 2026, is its last day.",
}
STILL_APPLIES = {  # once the programme has ended
    "kk": "Бағдарламадан тыс уақытта әдеттегі тәртіп қолданылады",
    "ru": "Вне программы действует обычный порядок",
    "en": "Outside a programme, the usual procedure applies",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_programme_status_follows_the_clock(
    make_user: UserFactory, clock, locale: str
) -> None:
    # Time only moves forward in a conversation (flood control would see a jump back as a
    # burst), so the user arrives before the programme and the clock runs on from there.
    clock.set(utc(2025, 11, 20, 3, 0))
    user = make_user()
    await onboard(user, locale)
    await choose_track(user, locale, Track.IRREGULAR)

    async def programme_text() -> str:
        await user.send("/departure")
        await user.press("📅")
        return user.last_text

    text = await programme_text()
    assert UPCOMING[locale] in text
    assert STILL_APPLIES[locale] not in text

    clock.set(utc(2026, 1, 10, 3, 0))
    assert OPEN[locale] in await programme_text()

    clock.set(utc(2026, 2, 28, 14, 30))  # 23:30 in Seoul
    assert LAST_DAY[locale] in await programme_text()

    clock.set(utc(2026, 2, 28, 15, 0))  # midnight in Seoul: over, though still Feb 28 in Almaty
    text = await programme_text()
    assert ENDED[locale].format(end=day(date(2026, 2, 28), locale)) in text
    assert STILL_APPLIES[locale] in text and "1345" in text
    assert ends_with_sources(text) and "dongponews.kr" in text  # states 1345: cites contacts


CARD_MEANING = {
    "kk": [
        "Мен Қазақстан азаматымын.",
        "Паспортымды, әуе билетімді және ерікті түрде кету туралы өтінішті алып келдім.",
    ],
    "ru": [
        "Я — гражданин (гражданка) Казахстана.",
        "У меня с собой паспорт, авиабилет и заявление о добровольном выезде.",
    ],
    "en": [
        "I am a citizen of Kazakhstan.",
        "I have brought my passport, my air ticket and the voluntary-departure report form.",
    ],
}
SENT_BELOW = {
    "kk": "Төменде жіберілді: оны қызметкерге көрсетіңіз.",
    "ru": "Отправлено ниже: покажите его сотруднику.",
    "en": "Sent below: show it to the officer.",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_officer_card_korean_with_the_users_language(
    make_user: UserFactory, locale: str
) -> None:
    user = make_user()
    await onboard(user, locale)
    await choose_track(user, locale, Track.IRREGULAR)
    await user.send("/departure")
    await user.press("🪪")
    card = user.last_text
    card_message = user.last_message.message_id
    for line in officer_card():
        assert line.korean in card  # always Korean, whatever the user's language
    for meaning in CARD_MEANING[locale]:
        assert meaning in card
    # Each Korean line is followed by its meaning in the user's language.
    lines = card.splitlines()
    citizen = lines.index("저는 카자흐스탄 국민입니다.")
    assert lines[citizen + 1] == CARD_MEANING[locale][0]
    assert "<b>자진출국 신고를 하러 왔습니다.</b>" in user.last_message.text  # bold, easy to read

    await user.press("📤")
    assert user.popups == [SENT_BELOW[locale]]
    clean = user.bot_messages()[-1]
    assert clean.message_id != card_message and clean.reply_markup is None
    assert user.last_text == officer_card_korean()  # Korean only, nothing else
    await user.press("⬅️", message_id=card_message)  # the card itself turns back into the guide
    card_now = next(m for m in user.chat() if m.message_id == card_message)
    assert plain(card_now.text).startswith(TITLE[locale])


# -- staff: /programme ---------------------------------------------------------------------------

STEP = {
    "kk": "Бағдарлама мерзімі, 7 қадамның {n}-қадамы",
    "ru": "Сроки программы, шаг {n} из 7",
    "en": "Programme window, step {n} of 7",
}
NO_SUCH_DATE = {
    "kk": "⚠️ Күнтізбеде мұндай күн жоқ.",
    "ru": "⚠️ Такой даты в календаре нет.",
    "en": "⚠️ There is no such date in the calendar.",
}
BAD_DATE = {
    "kk": "⚠️ Бұл күнді түсінбедім.",
    "ru": "⚠️ Не получилось разобрать дату.",
    "en": "⚠️ I could not read that date.",
}
END_BEFORE_START = {
    "kk": "⚠️ Соңғы күн бірінші күннен",
    "ru": "⚠️ Последний день не может быть раньше первого",
    "en": "⚠️ The last day cannot be before the first day",
}
BAD_URL = {  # the shared staff editor's one text for a bad link
    "kk": "⚠️ Бұл сілтемеге ұқсамайды.",
    "ru": "⚠️ Это не похоже на ссылку.",
    "en": "⚠️ That does not look like a link.",
}
YOUR_ANSWER = {"kk": "Сіздің жауабыңыз: ", "ru": "Ваш ответ: ", "en": "Your answer: "}
PREVIEW = {
    "kk": "Алдын ала қарау: пайдаланушылар мынаны көреді",
    "ru": "Предпросмотр: пользователи увидят вот это",
    "en": "Preview: users will see this",
}
OPEN_41 = {
    "kk": f"{DEC_31['kk']} күнін қоса алғанда, 41 күн қалды.",
    "ru": f"остался 41 день, до {DEC_31['ru']} включительно.",
    "en": "41 days left, until 31 December 2026 inclusive.",
}
PUBLISHED = {
    "kk": "✅ Жарияланды.",
    "ru": "✅ Опубликовано.",
    "en": "✅ Published.",
}
NOTES = {
    "kk": "Бағдарлама 2026 жылғы 31 желтоқсанға дейін ұзартылды & жалғасады",
    "ru": "Программа продлена до 31 декабря 2026 года & действует",
    "en": "The programme was extended to 31 December 2026 <officially> & runs",
}
NEW_SOURCE = "https://www.moj.go.kr/moj/221/subview.do?id=123"


async def history_rows(db: Database) -> int:
    return int(
        await db.fetch_value("SELECT COUNT(*) FROM content_history WHERE key = ?", (PROGRAMME_KEY,))
    )


async def start_staff(make_user: UserFactory, locale: str) -> SimulatedUser:
    admin = make_user(language_code=locale, user_id=ADMIN_ID)
    await onboard(admin, locale)
    await admin.send("/programme")
    return admin


@pytest.mark.parametrize("locale", LOCALES)
async def test_staff_update_programme_window_end_to_end(
    make_user: UserFactory, app, db: Database, locale: str
) -> None:
    reader = make_user()
    await onboard(reader, {"kk": "ru", "ru": "en", "en": "kk"}[locale])  # another language
    await choose_track(reader, {"kk": "ru", "ru": "en", "en": "kk"}[locale], Track.IRREGULAR)
    admin = await start_staff(make_user, locale)
    assert STEP[locale].format(n=1) in admin.last_text

    await admin.send("32.13.2026")  # no such day: re-prompted, still step 1
    assert admin.last_text.startswith(NO_SUCH_DATE[locale])
    assert STEP[locale].format(n=1) in admin.last_text
    await admin.send("next week")
    assert admin.last_text.startswith(BAD_DATE[locale])
    await admin.send("01.11.2026")
    assert STEP[locale].format(n=2) in admin.last_text

    await admin.send("01.10.2026")  # before the first day
    assert admin.last_text.startswith(END_BEFORE_START[locale])
    assert STEP[locale].format(n=2) in admin.last_text
    await admin.press("⬅️")  # back to step 1: the answer given there is kept and shown
    assert STEP[locale].format(n=1) in admin.last_text
    assert YOUR_ANSWER[locale] + day(date(2026, 11, 1), locale) in admin.last_text
    await admin.send("2026-11-01")
    await admin.send("31.12.2026")
    assert STEP[locale].format(n=3) in admin.last_text
    await admin.press("↩️")  # keep the cut-off date: 1 December 2025
    assert STEP[locale].format(n=4) in admin.last_text

    await admin.send("   ")  # an empty note
    assert STEP[locale].format(n=4) in admin.last_text and admin.last_text.startswith("⚠️")
    for n, code in enumerate(("kk", "ru", "en"), start=4):
        assert STEP[locale].format(n=n) in admin.last_text
        await admin.send(NOTES[code])
    assert STEP[locale].format(n=7) in admin.last_text
    await admin.send("moj.go.kr please")
    assert admin.last_text.startswith(BAD_URL[locale])
    await admin.send(NEW_SOURCE)

    preview = admin.last_text
    assert preview.startswith(PREVIEW[locale])
    assert OPEN_41[locale] in preview
    assert NOTES[locale] in preview  # escaped for HTML, shown as typed
    assert "moj.go.kr" in preview
    assert CHECKED[locale][0] in preview  # checked today
    assert admin.buttons[0].startswith("✅")
    await admin.send("ok")  # typing at the preview: asked to use the buttons, nothing saved
    assert PREVIEW[locale] in admin.last_text
    assert await history_rows(db) == 1

    await reader.send("/departure")
    await reader.press("📅")
    assert "moj.go.kr" not in reader.last_text  # nothing published before confirmation

    await admin.press("✅")
    assert admin.last_text.startswith(PUBLISHED[locale])
    assert OPEN_41[locale] in admin.last_text
    assert await history_rows(db) == 2
    fact = await app.content.get(PROGRAMME_KEY)
    assert fact.value["start"] == "2026-11-01" and fact.value["end"] == "2026-12-31"
    assert fact.value["irregular_before"] == "2025-12-01"
    assert fact.value["note"] == NOTES
    assert fact.source_url == NEW_SOURCE and fact.source_date is None
    assert fact.checked_on == date(2026, 11, 21) and fact.updated_by == ADMIN_ID

    # Users now see the new window, the note in their own language and the new source.
    reader_locale = {"kk": "ru", "ru": "en", "en": "kk"}[locale]
    await reader.send("/departure")
    assert OPEN_41[reader_locale] in reader.last_text
    await reader.press("📅")
    text = reader.last_text
    assert OPEN_41[reader_locale] in text and NOTES[reader_locale] in text
    assert STILL_APPLIES[reader_locale] not in text
    assert any("moj.go.kr" in line for line in source_lines(text))
    # The dialogue is over: a confirmation replayed from an old message changes nothing.
    await admin.press_data("staff:prog_confirm", message_id=admin.last_message.message_id)
    assert admin.popups == [
        {
            "kk": "Бұл батырма ескірген.",
            "ru": "Эта кнопка устарела.",
            "en": "This button is out of date.",
        }[locale]
    ]
    assert await history_rows(db) == 2


@pytest.mark.parametrize("locale", LOCALES)
async def test_staff_cancel_changes_nothing(
    make_user: UserFactory, app, db: Database, locale: str
) -> None:
    admin = await start_staff(make_user, locale)
    await admin.send("01.11.2026")
    await admin.send("31.12.2026")
    await admin.press("✖️")
    assert admin.last_text.startswith(  # the shared staff editor's one cancel text
        {
            "kk": "✖️ Болдырылмады: ештеңе өзгерген жоқ.",
            "ru": "✖️ Отменено: ничего не изменено.",
            "en": "✖️ Cancelled: nothing was changed.",
        }[locale]
    )
    assert await history_rows(db) == 1
    assert (await app.content.get(PROGRAMME_KEY)).value["end"] == "2026-02-28"
    await admin.send("01.01.2027")  # not in the dialogue any more
    assert STEP[locale].format(n=3) not in admin.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_history_shows_the_last_versions(
    make_user: UserFactory, db: Database, locale: str
) -> None:
    admin = await start_staff(make_user, locale)
    await admin.send("01.11.2026")
    await admin.send("31.12.2026")
    for _ in range(5):  # keep cut-off, notes and source
        await admin.press("↩️")
    await admin.press("✅")
    assert await history_rows(db) == 2

    await admin.send("/programme")
    await admin.press("🕘")
    text = admin.last_text
    assert text.startswith(
        {
            "kk": "Бағдарлама мерзімі: соңғы нұсқалар",
            "ru": "Сроки программы: последние версии",
            "en": "Programme window: last versions",
        }[locale]
    )
    newest, oldest = text.index("1. "), text.index("2. ")
    assert newest < oldest
    assert day(date(2026, 12, 31), locale) in text[newest:oldest]
    assert day(date(2026, 2, 28), locale) in text[oldest:]
    assert str(ADMIN_ID) in text[newest:oldest]
    assert {"kk": "бастапқы деректер", "ru": "исходные данные", "en": "initial data"}[
        locale
    ] in text[oldest:]
    await admin.press("⬅️")  # back to where the dialogue was
    assert STEP[locale].format(n=1) in admin.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_regular_users_cannot_change_the_programme(
    make_user: UserFactory, db: Database, locale: str
) -> None:
    refusal = {
        "kk": "Бұл пәрмен тек қызметкерлерге арналған.",
        "ru": "Эта команда только для сотрудников.",
        "en": "This command is for staff only.",
    }[locale]
    user = make_user()
    await onboard(user, locale)
    await choose_track(user, locale, Track.IRREGULAR)
    await user.send("/programme")
    assert user.last_text == refusal
    for action in ("prog_confirm", "prog_keep", "prog_history"):
        await user.press_data(f"staff:{action}", message_id=user.last_message.message_id)
        assert user.popups == [refusal]
    assert await history_rows(db) == 1


async def test_restart_mid_dialogue_keeps_the_place(
    make_user: UserFactory,
    restart: Restart,
    bot: Bot,
    session: FakeTelegramSession,
) -> None:
    admin = await start_staff(make_user, "ru")
    await admin.send("01.11.2026")
    await admin.send("31.12.2026")
    await admin.send("01.11.2026")
    await admin.send(NOTES["kk"])
    assert STEP["ru"].format(n=5) in admin.last_text

    new_app = await restart(downtime=3600)
    admin = SimulatedUser(new_app.dispatcher, bot, session, user_id=ADMIN_ID, language_code="ru")
    await admin.send(NOTES["ru"])  # the dialogue continues at the Russian note
    assert STEP["ru"].format(n=6) in admin.last_text
    await admin.send(NOTES["en"])
    await admin.press("↩️")  # keep the source: new dates under the old source are questioned
    assert admin.last_text.startswith("⚠️ Статус изменился, но вы оставили без изменений: источник")
    assert PREVIEW["ru"] in admin.last_text
    assert f"с {day(date(2026, 11, 1), 'ru')} по {DEC_31['ru']}" in admin.last_text
    assert NOTES["ru"] in admin.last_text
    await admin.press("✅")
    assert admin.last_text.startswith(PUBLISHED["ru"])
    fact = await new_app.content.get(PROGRAMME_KEY)
    assert fact.value["irregular_before"] == "2026-11-01"
    assert fact.value["note"] == NOTES
    assert "qazinform.com" in fact.source_url  # kept


@pytest.mark.parametrize("locale", LOCALES)
async def test_new_dates_with_the_old_notes_ask_for_an_explicit_confirmation(
    make_user: UserFactory, db: Database, locale: str
) -> None:
    """A new end date under the note "an extension has not been confirmed" would contradict
    itself: the preview says what was kept, and the confirm button says what it now means."""
    admin = await start_staff(make_user, locale)
    await admin.send("01.11.2026")
    await admin.send("31.12.2026")
    for _ in range(5):  # keep the cut-off, the three notes and the source
        await admin.press("↩️")
    warning = {
        "kk": "⚠️ Жағдай өзгерді, бірақ сіз мыналарды бұрынғыдай қалдырдыңыз: ескертпе (",
        "ru": "⚠️ Статус изменился, но вы оставили без изменений: заметку (",
        "en": "⚠️ The status changed, but you kept the note in ",
    }[locale]
    assert admin.last_text.startswith(warning)
    assert PREVIEW[locale] in admin.last_text
    confirm = {
        "kk": "қалдырғандарым әлі дұрыс",
        "ru": "оставленное всё ещё верно",
        "en": "what I kept is still right",
    }[locale]
    assert confirm in admin.buttons[0]
    await admin.press(confirm)
    assert admin.last_text.startswith(PUBLISHED[locale])
    assert await history_rows(db) == 2


async def test_the_same_dates_with_new_notes_need_no_warning(make_user: UserFactory) -> None:
    admin = await start_staff(make_user, "en")
    for _ in range(3):  # keep the three dates
        await admin.press("↩️")
    for code in ("kk", "ru", "en"):
        await admin.send(NOTES[code])
    await admin.press("↩️")  # the source
    assert admin.last_text.startswith(PREVIEW["en"])
    assert admin.buttons[0] == "✅ Confirm and publish"


@pytest.mark.parametrize("locale", LOCALES)
async def test_officer_card_for_the_airport_and_with_an_interpreter(
    make_user: UserFactory, locale: str
) -> None:
    user = make_user()
    await onboard(user, locale)
    await choose_track(user, locale, Track.IRREGULAR)
    await user.send("/departure")
    await user.press("🪪")
    assert "자진출국 신고를 하러 왔습니다." in user.last_text
    assert user.buttons[0].startswith("✓ 🏢")  # the office card is the one shown
    await user.press("✈️")
    card = user.last_text
    assert "하이코리아로 자진출국 사전신고를 했습니다. 출국 확인을 받으러 왔습니다." in card
    assert "자진출국 신고를 하러 왔습니다." not in card
    assert user.buttons[1].startswith("✓ ✈️")
    await user.press("➕")
    assert "러시아어 통역이 필요합니다." in user.last_text
    assert "하이코리아로" in user.last_text  # the place chosen before is kept
    await user.press("📤")
    assert user.last_text == officer_card_korean(CardChoice(airport=True, interpreter=True))
