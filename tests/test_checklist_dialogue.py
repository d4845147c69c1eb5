"""The departure checklist as the user sees it: ticking in place, the flight date dialogue, the
plan and its reminders (created, re-planned, cancelled, delivered with what is still open), the
summary to forward, deleting the plan, restarts and erasing all data."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendMessage

from bot.departure.checklist import ITEM_KEYS
from bot.departure.plan import (
    KIND_FLIGHT_DAY,
    KIND_OPEN_ITEMS,
    KIND_REPORT_DEADLINE,
    KIND_RETURN_INSURANCE,
    KIND_WINDOW_OPENS,
    KINDS,
    Track,
)
from bot.offline.simuser import SimulatedUser, plain
from bot.telegram.callbacks import ChecklistCb, MenuCb
from storage.checklists import ChecklistRepository
from storage.reminders import ReminderStatus
from tests.conftest import UserFactory, onboard
from tests.test_departure_tracks import IRREGULAR, choose_track
from tests.test_trust import tables_mentioning

SEOUL = ZoneInfo("Asia/Seoul")
LOCALES = ["kk", "ru", "en"]

REQUIRED = {
    "kk": "Міндетті: 3 ішінен {n} орындалды",
    "ru": "Обязательное: выполнено {n} из 3",
    "en": "Required: {n} of 3 done",
}
RECOMMENDED = {
    "kk": "Ұсынылатын: 4 ішінен {n} орындалды",
    "ru": "Рекомендуемое: выполнено {n} из 4",
    "en": "Recommended: {n} of 4 done",
}
PASSPORT = {
    "kk": "Жарамды паспорт қолда",
    "ru": "Действительный паспорт на руках",
    "en": "Valid passport in hand",
}
REPORT = {
    "kk": "Ерікті түрде кету туралы өтініш",
    "ru": "Заявление о добровольном выезде",
    "en": "Voluntary-departure report",
}
TICKET = {"kk": "Әуе билеті", "ru": "Авиабилет", "en": "Air ticket"}
ADD_DATE = {"kk": "Ұшу күнін қосу", "ru": "Добавить дату вылета", "en": "Add flight date"}
CHANGE_DATE = {"kk": "Ұшу күнін өзгерту", "ru": "Изменить дату вылета", "en": "Change flight date"}
SKIP_TIME = {"kk": "Өткізу", "ru": "Пропустить", "en": "Skip"}
SUMMARY = {"kk": "Жоспарды жіберу", "ru": "Сводка для пересылки", "en": "Summary to forward"}
DELETE = {"kk": "Жоспарды өшіру", "ru": "Удалить план", "en": "Delete plan"}
PLAN = {"kk": "Ұшу және жоспар", "ru": "Вылет и план", "en": "Flight and plan"}
HOW_TO = {"kk": "Қалай орындау керек", "ru": "Как сделать", "en": "How to"}
CONFIRM_DELETE = {
    "kk": "Иә, жоспарды өшіру",
    "ru": "Да, удалить план",
    "en": "Yes, delete the plan",
}
OPEN_CHECKLIST = {
    "kk": "Тексеру тізімін ашу",
    "ru": "Открыть мой чек-лист",
    "en": "Open my checklist",
}
STILL_OPEN = {
    "kk": "Тізімде әлі орындалмағаны:",
    "ru": "В чек-листе ещё не отмечено:",
    "en": "Still open on your checklist:",
}
FLIGHT_12_DEC = {
    "kk": "Ұшу: 2026\u202fж. 12 желтоқсан, 16:00 (Корея уақытымен)",
    "ru": "Вылет: 12 декабря 2026\u202fг., 16:00 (по корейскому времени)",
    "en": "Flight: 12 December 2026, 16:00 (Korea time)",
}
WINDOW_12_DEC = {
    "kk": "Кету туралы өтініш: 2026\u202fж. 27 қараша – 2026\u202fж. 9 желтоқсан аралығында",
    "ru": "Заявление о выезде: с 27 ноября 2026\u202fг. по 9 декабря 2026\u202fг.",
    "en": "Departure report: from 27 November 2026 to 9 December 2026",
}
AIRPORT_12_DEC = {
    "kk": "Әуежайдағы көші-қон қызметінде ең кеші 2026\u202fж. 12 желтоқсан, 12:00, "
    "яғни ұшудан кемінде 4 сағат бұрын",
    "ru": "В иммиграционной службе аэропорта — не позднее 12 декабря 2026\u202fг., 12:00, "
    "то есть не позже чем за 4 часа до вылета",
    "en": "At the airport immigration office by 12 December 2026, 12:00, "
    "at least 4 hours before the flight",
}
NO_WINDOW = {
    "kk": "Бұл ұшуға дейін өтініш беретін күн қалмады.",
    "ru": "До этого вылета не осталось дней для подачи заявления.",
    "en": "No reporting day is left before this flight.",
}


def kst(day: date, hour: int, minute: int = 0) -> int:
    return int(datetime.combine(day, time(hour, minute), tzinfo=SEOUL).timestamp())


async def worker(
    make_user: UserFactory, locale: str = "en", audience: str = "work"
) -> SimulatedUser:
    """A user on the irregular track (voluntary departure): the checklist these tests pin.
    The legal track has its own tests (tests/test_departure_tracks.py)."""
    user = make_user()
    await onboard(user, locale, audience)
    if audience == "family":  # 🛫 speaks to a relative at home; "I am the one leaving" first
        await user.send("/departure")
        await user.press("🧳")
        await user.press(IRREGULAR[locale])
    else:
        await choose_track(user, locale, Track.IRREGULAR)
    return user


async def plan_flight(
    user: SimulatedUser, locale: str, day: str = "12.12.2026", at: str | None = "16:00"
) -> None:
    await user.send("/checklist")
    await user.press(ADD_DATE[locale])
    await user.send(day)
    if at is None:
        await user.press(SKIP_TIME[locale])
    else:
        await user.send(at)


async def pending(app, user: SimulatedUser) -> dict[str, int]:
    reminders = await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
    return {r.kind: r.due_at for r in reminders}


# -- ticking -------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_ticking_every_item_edits_the_same_message(
    make_user: UserFactory, locale: str
) -> None:
    user = await worker(make_user, locale)
    await user.send("/checklist")
    checklist = user.last_message.message_id
    assert REQUIRED[locale].format(n=0) in user.last_text
    assert RECOMMENDED[locale].format(n=0) in user.last_text
    messages = len(user.bot_messages())
    for n in range(1, len(ITEM_KEYS) + 1):
        await user.press("⬜")  # the first item not ticked yet
        assert user.last_message.message_id == checklist
        assert len(user.bot_messages()) == messages  # edited in place: no new message
        required, recommended = min(n, 3), max(0, n - 3)
        assert REQUIRED[locale].format(n=required) in user.last_text
        assert RECOMMENDED[locale].format(n=recommended) in user.last_text
    assert user.popups == [
        {
            "kk": "Бәрі белгіленді. Үйге аман-есен жетіңіз!",
            "ru": "Всё отмечено. Счастливого пути домой!",
            "en": "Everything is ticked. Have a safe journey home!",
        }[locale]
    ]
    items = [label for label in user.buttons if label.startswith(("✅", "⬜"))]
    assert len(items) == len(ITEM_KEYS) and all(label.startswith("✅") for label in items)
    await user.press(f"✅ {TICKET[locale]}")  # untick
    assert REQUIRED[locale].format(n=2) in user.last_text
    assert f"⬜ {TICKET[locale]}" in user.buttons
    assert user.last_message.message_id == checklist


async def test_entry_from_the_departure_guide_and_back(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")
    await user.send("/menu")
    menu = user.last_message.message_id
    await user.press_data(ChecklistCb(action="show").pack(), message_id=menu)
    assert user.last_message.message_id == menu
    assert user.last_text.startswith("📋 My departure checklist")
    stored = user.session.messages[(user.user_id, menu)]
    back = stored.reply_markup["inline_keyboard"][-1][0]
    assert back == {"text": "⬅️ Back", "callback_data": MenuCb(section="departure").pack()}


async def test_outdated_item_button(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")
    await user.send("/checklist")
    await user.press_data(
        ChecklistCb(action="done", item="visa").pack(), message_id=user.last_message.message_id
    )
    assert user.popups == ["This button is out of date."]


# -- how-to screens ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_passport_how_to_names_only_the_official_lines(
    make_user: UserFactory, locale: str
) -> None:
    user = await worker(make_user, locale)
    await user.send("/checklist")
    await user.press(HOW_TO[locale])
    await user.press(f"ℹ️ {PASSPORT[locale]}")
    text = user.last_text
    for line in ("1345", "1350", "1577-0071"):
        assert line in text
    assert {
        "kk": "ресми дереккөзбен расталмаған",
        "ru": "не подтверждены официальным источником",
        "en": "not confirmed by an official source",
    }[locale] in text
    # departure.programme and contacts are cited, each under the day it was checked; the
    # unconfirmed fact is not cited.
    sources = [line for line in text.splitlines() if line.startswith("🔎")]
    assert len(sources) == 2
    assert "qazinform.com" in sources[0] and "dongponews.kr" in sources[1]
    assert not any("korea.net" in line for line in sources)
    await user.press({"kk": "Орындалды деп", "ru": "Отметить как", "en": "Mark as done"}[locale])
    assert f"✅ {PASSPORT[locale]}" in user.buttons
    assert REQUIRED[locale].format(n=1) in user.last_text


async def test_every_how_to_has_sources_and_a_way_back(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")
    await user.send("/checklist")
    checklist = user.last_message.message_id
    for key in ITEM_KEYS:
        await user.press_data(ChecklistCb(action="howto", item=key).pack(), message_id=checklist)
        assert "🔎 Checked 21 November 2026" in user.last_text
        assert "⬅️ Back to the checklist" in user.buttons
        if key == "insurance":
            assert "Only for workers who came under EPS with an E-9 visa" in user.last_text
        if key == "wages":
            assert "does not depend on your visa status" in user.last_text
            assert "Since 6 November 2025" in user.last_text
        if key == "report":
            assert (
                "no earlier than 15 days and no later than 3 days before the flight"
                in user.last_text
            )
            assert "Add your flight date" in user.last_text
        await user.press("⬅️ Back to the checklist")
        assert user.last_message.message_id == checklist


# -- the flight date -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_flight_date_and_time_give_the_plan(make_user: UserFactory, app, locale: str) -> None:
    user = await worker(make_user, locale)
    await plan_flight(user, locale)
    text = user.last_text
    assert text.startswith(
        {"kk": "✅ Рейс сақталды.", "ru": "✅ Рейс сохранён.", "en": "✅ Flight saved."}[locale]
    )
    assert FLIGHT_12_DEC[locale] in text
    assert WINDOW_12_DEC[locale] in text
    assert AIRPORT_12_DEC[locale] in text
    assert {"kk": "Еске саламын:", "ru": "Я напомню:", "en": "I will remind you:"}[locale] in text
    assert len(user.last_message.reply_markup["inline_keyboard"]) <= 10  # fits a phone
    await user.press(PLAN[locale])
    assert CHANGE_DATE[locale] in " ".join(user.buttons)
    assert "chosun.ac.kr" in text  # the procedure's source


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("next friday", "I could not read that date."),
        ("31.02.2027", "There is no such date in the calendar."),
        ("20.11.2026", "That date has already passed."),
        (
            "01.01.2028",
            "That is more than a year ahead. Please enter a flight date until 21 November 2027.",
        ),
    ],
)
async def test_bad_flight_dates_keep_the_step(
    make_user: UserFactory, typed: str, answer: str
) -> None:
    user = await worker(make_user, "en")
    await user.send("/checklist")
    await user.press("Add flight date")
    await user.send(typed)
    assert user.last_text.startswith("⚠️ " + answer)
    assert "step 1 of 2" in user.last_text
    await user.send("21.11.2027")  # exactly a year ahead is fine
    assert "step 2 of 2" in user.last_text


@pytest.mark.parametrize(
    ("locale", "answer"),
    [
        ("kk", "Бұл уақытты түсінбедім."),
        ("ru", "Не получилось разобрать время."),
        ("en", "I could not read that time."),
    ],
)
async def test_bad_flight_time_keeps_the_date(
    make_user: UserFactory, locale: str, answer: str
) -> None:
    user = await worker(make_user, locale)
    await user.send("/checklist")
    await user.press(ADD_DATE[locale])
    await user.send("12.12.2026")
    await user.send("25:99")
    assert answer in user.last_text
    await user.send("16.00")
    assert FLIGHT_12_DEC[locale] in user.last_text


async def test_flight_time_already_past_today(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")  # 19:00 in Seoul
    await user.send("/checklist")
    await user.press("Add flight date")
    await user.send("today")
    await user.send("18:00")
    assert "That time has already passed." in user.last_text
    await user.send("23:30")
    assert "Flight: 21 November 2026, 23:30 (Korea time)" in user.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_time_is_optional(make_user: UserFactory, app, locale: str) -> None:
    user = await worker(make_user, locale)
    await plan_flight(user, locale, at=None)
    assert {
        "kk": "2026\u202fж. 12 желтоқсан, уақыты көрсетілмеген",
        "ru": "12 декабря 2026\u202fг., время не указано",
        "en": "12 December 2026, time not set",
    }[locale] in user.last_text
    due = await pending(app, user)
    assert due[KIND_FLIGHT_DAY] == kst(date(2026, 12, 11), 20)  # the evening before


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_flight_tomorrow_gets_an_honest_warning(
    make_user: UserFactory, app, locale: str
) -> None:
    user = await worker(make_user, locale)
    await plan_flight(user, locale, day="22.11.2026", at="15:00")
    assert NO_WINDOW[locale] in user.last_text
    assert "1345" in user.last_text
    assert set(await pending(app, user)) == {KIND_FLIGHT_DAY}  # nothing about the report


async def test_flight_in_two_and_in_three_days(make_user: UserFactory, app) -> None:
    user = await worker(make_user, "en")
    await plan_flight(user, "en", day="23.11.2026")
    assert NO_WINDOW["en"] in user.last_text
    await user.press("Flight and plan")
    await user.press("Change flight date")
    await user.send("24.11.2026")  # last reporting day: today
    await user.send("16:00")
    assert NO_WINDOW["en"] not in user.last_text
    assert "You can make the report now." in user.last_text
    assert "from 9 November 2026 to 21 November 2026" in user.last_text


async def test_holidays_in_the_window_are_named(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")
    await plan_flight(user, "en", day="28.12.2026")
    assert "to 24 December 2026" in user.last_text
    assert "Korean public holidays not counted: 25 December." in user.last_text  # year once, above


# -- reminders -----------------------------------------------------------------------------------


async def test_the_plan_schedules_its_reminders(make_user: UserFactory, app) -> None:
    user = await worker(make_user, "en")
    await plan_flight(user, "en")
    reminders = await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
    assert {r.kind: r.due_at for r in reminders} == {
        KIND_WINDOW_OPENS: kst(date(2026, 11, 27), 9),
        KIND_REPORT_DEADLINE: kst(date(2026, 12, 8), 9),
        KIND_OPEN_ITEMS: kst(date(2026, 12, 10), 9),
        KIND_FLIGHT_DAY: kst(date(2026, 12, 12), 8),
    }
    assert all(r.id in app.reminders.store for r in reminders)  # armed
    assert [r.urgent for r in reminders] == [False] * 4  # quiet hours apply to all of them
    await user.send("/reminders")  # listed with the user's own reminders
    assert (
        "Departure report: you can make it from today (flight 12 December 2026)" in user.last_text
    )
    assert "Flight day: when to be at the airport (flight 12 December 2026)" in user.last_text


async def test_a_new_date_replans_everything(make_user: UserFactory, app) -> None:
    user = await worker(make_user, "en")
    await plan_flight(user, "en")
    old = await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
    await user.press("Flight and plan")
    await user.press("Change flight date")
    await user.send("19.12.2026")
    await user.press("Skip")
    for reminder in old:
        assert (await app.reminders.repo.get(reminder.id)).status is ReminderStatus.CANCELLED
        assert reminder.id not in app.reminders.store
    new = await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
    assert {r.kind: r.due_at for r in new} == {
        KIND_WINDOW_OPENS: kst(date(2026, 12, 4), 9),
        KIND_REPORT_DEADLINE: kst(date(2026, 12, 15), 9),
        KIND_OPEN_ITEMS: kst(date(2026, 12, 17), 9),
        KIND_FLIGHT_DAY: kst(date(2026, 12, 18), 20),
    }
    assert {r.payload["flight"] for r in new} == {"2026-12-19"}
    assert all(r.id in app.reminders.store for r in new)


@pytest.mark.parametrize("locale", LOCALES)
async def test_ticking_the_report_cancels_its_reminders(
    make_user: UserFactory, app, locale: str
) -> None:
    user = await worker(make_user, locale)
    await plan_flight(user, locale)
    before = {
        r.kind: r for r in await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
    }
    await user.press(f"⬜ {REPORT[locale]}")
    assert user.popups == [
        {
            "kk": "Өтініш белгіленді: бұдан былай ол туралы еске салмаймын.",
            "ru": "Заявление отмечено: больше не буду о нём напоминать.",
            "en": "Report ticked: I will not remind you about it any more.",
        }[locale]
    ]
    for kind in (KIND_WINDOW_OPENS, KIND_REPORT_DEADLINE):
        assert (await app.reminders.repo.get(before[kind].id)).status is ReminderStatus.CANCELLED
    after = await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
    assert {r.id for r in after} == {before[KIND_OPEN_ITEMS].id, before[KIND_FLIGHT_DAY].id}
    await user.press(f"✅ {REPORT[locale]}")  # unticked: the report reminders come back
    assert set(await pending(app, user)) == set(KINDS) - {KIND_RETURN_INSURANCE}


async def test_ticking_everything_leaves_only_the_flight_day(make_user: UserFactory, app) -> None:
    user = await worker(make_user, "en")
    await plan_flight(user, "en")
    for _ in ITEM_KEYS:
        await user.press("⬜")
    assert set(await pending(app, user)) == {KIND_FLIGHT_DAY}


@pytest.mark.parametrize("locale", LOCALES)
async def test_reminders_arrive_with_what_is_still_open(
    make_user: UserFactory, app, clock, locale: str
) -> None:
    user = await worker(make_user, locale)
    await plan_flight(user, locale)
    await user.press(f"⬜ {PASSPORT[locale]}")

    clock.set(kst(date(2026, 11, 27), 9))
    assert await app.reminders.run_due() == 1
    text = user.last_text
    assert {
        "kk": "Бүгіннен бастап кету туралы өтініш беруге болады",
        "ru": "С сегодняшнего дня можно подать заявление о выезде",
        "en": "You can make your departure report from today",
    }[locale] in text
    assert STILL_OPEN[locale] in text
    assert f"• {REPORT[locale]}" in text
    assert PASSPORT[locale] not in text  # ticked before the reminder was sent
    reminder_message = user.last_message.message_id
    await user.press(OPEN_CHECKLIST[locale])
    assert user.last_message.message_id == reminder_message
    assert REQUIRED[locale].format(n=1) in user.last_text

    await user.press(f"⬜ {REPORT[locale]}")
    clock.set(kst(date(2026, 12, 8), 9))
    assert await app.reminders.run_due() == 0  # the deadline reminder was cancelled

    clock.set(kst(date(2026, 12, 10), 9))
    assert await app.reminders.run_due() == 1
    assert f"• {TICKET[locale]}" in user.last_text
    assert REPORT[locale] not in user.last_text
    assert user.buttons == [f"📋 {OPEN_CHECKLIST[locale]}"]

    clock.set(kst(date(2026, 12, 12), 8))
    assert await app.reminders.run_due() == 1
    assert {
        "kk": "ең кеші 2026\u202fж. 12 желтоқсан, 12:00 (Корея уақытымен)",
        "ru": "не позднее 12 декабря 2026\u202fг., 12:00 (по корейскому времени)",
        "en": "by 12 December 2026, 12:00 (Korea time)",
    }[locale] in user.last_text


async def test_a_reminder_whose_subject_is_done_is_not_sent(
    make_user: UserFactory, app, db, clock, session
) -> None:
    user = await worker(make_user, "en")
    await plan_flight(user, "en")
    # Ticked behind the engine's back (no re-planning): sending must still read the state.
    checklists = ChecklistRepository(db)
    for key in ITEM_KEYS:
        await checklists.set_item(user.user_id, key, done=True, now=int(clock.now()))
    reminders = {
        r.kind: r for r in await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
    }
    sent_before = len(session.calls_of(SendMessage))
    for moment in (
        kst(date(2026, 11, 27), 9),
        kst(date(2026, 12, 8), 9),
        kst(date(2026, 12, 10), 9),
    ):
        clock.set(moment)
        await app.reminders.run_due()
    assert len(session.calls_of(SendMessage)) == sent_before
    for kind in (KIND_WINDOW_OPENS, KIND_REPORT_DEADLINE, KIND_OPEN_ITEMS):
        row = await app.reminders.repo.get(reminders[kind].id)
        assert (row.status, row.last_error) == (ReminderStatus.CANCELLED, "obsolete")


@pytest.mark.parametrize("locale", LOCALES)
async def test_quiet_hours_follow_the_readers_zone_for_every_planned_reminder(
    make_user: UserFactory, app, clock, session, locale: str
) -> None:
    user = await worker(make_user, locale, audience="family")  # Almaty time, UTC+5
    await plan_flight(user, locale, at="15:00")  # at the airport by 11:00 Korea time
    assert "(UTC+5)" in user.last_text  # the reminder times say their zone
    reminders = {
        r.kind: r for r in await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
    }
    opens = reminders[KIND_WINDOW_OPENS]
    assert opens.due_at == kst(date(2026, 11, 27), 9)  # 05:00 in Almaty: quiet hours
    assert opens.fire_at == kst(date(2026, 11, 27), 12)  # 08:00 in Almaty
    flight = reminders[KIND_FLIGHT_DAY]
    assert flight.due_at == kst(date(2026, 12, 12), 8)  # 04:00 in Almaty: never then
    # 08:00 in Almaty would be after the airport time: 21:00 Almaty the evening before.
    assert flight.fire_at == kst(date(2026, 12, 12), 1)
    clock.set(flight.fire_at)
    await app.reminders.run_due()
    text = plain(session.calls_of(SendMessage)[-1].text)
    assert {
        "kk": "✈️ Ұшу: 2026\u202fж. 12 желтоқсан, 15:00 (Корея уақытымен)",
        "ru": "✈️ Вылет: 12 декабря 2026\u202fг., 15:00 (по корейскому времени)",
        "en": "✈️ Your flight: 12 December 2026, 15:00 (Korea time)",
    }[locale] in text  # the day is named: "tomorrow" could be wrong in Almaty


async def test_a_new_zone_moves_the_plans_reminders_out_of_the_night(
    make_user: UserFactory, app
) -> None:
    user = await worker(make_user, "en")  # Seoul
    await plan_flight(user, "en")

    async def opens_fires_at() -> int:
        rows = await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
        return next(r.fire_at for r in rows if r.kind == KIND_WINDOW_OPENS)

    assert await opens_fires_at() == kst(date(2026, 11, 27), 9)
    await user.send("/mydata")
    await user.press("Change time zone")
    await user.press("UTC+5")
    assert await opens_fires_at() == kst(date(2026, 11, 27), 12)  # 08:00 in the new zone


# -- summary, deletion, persistence --------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_summary_to_forward(make_user: UserFactory, session, locale: str) -> None:
    user = await worker(make_user, locale)
    await plan_flight(user, locale)
    await user.press(f"⬜ {PASSPORT[locale]}")
    checklist = user.last_message
    await user.press(PLAN[locale])
    await user.press(SUMMARY[locale])
    assert user.popups == [
        {
            "kk": "Төмендегі хабарламаны туыстарыңызға жіберіңіз.",
            "ru": "Перешлите сообщение ниже родным.",
            "en": "Forward the message below to your family.",
        }[locale]
    ]
    summary = user.last_message
    assert summary.message_id != checklist.message_id
    assert summary.reply_markup is None
    (call,) = [c for c in user.last_calls if isinstance(c, SendMessage)]
    assert call.parse_mode is None and "<" not in call.text
    text = summary.text
    assert text.startswith(
        {"kk": "📋 Кету жоспарым", "ru": "📋 Мой план выезда", "en": "📋 My departure plan"}[locale]
    )
    assert FLIGHT_12_DEC[locale] in text
    assert {
        "kk": "2026\u202fж. 27 қараша – 2026\u202fж. 9 желтоқсан",
        "ru": "с 27 ноября 2026\u202fг. по 9 декабря 2026\u202fг.",
        "en": "between 27 November 2026 and 9 December 2026",
    }[locale] in text
    assert {
        "kk": "Әуежайда ең кеші: 2026\u202fж. 12 желтоқсан, 12:00",
        "ru": "В аэропорту не позднее: 12 декабря 2026\u202fг., 12:00",
        "en": "At the airport by: 12 December 2026, 12:00",
    }[locale] in text
    done_line = next(line for line in text.splitlines() if line.startswith("✅"))
    open_line = next(line for line in text.splitlines() if line.startswith("⬜"))
    assert PASSPORT[locale] in done_line and PASSPORT[locale] not in open_line
    assert REPORT[locale] in open_line
    assert str(user.user_id) not in text and user.first_name not in text


@pytest.mark.parametrize("locale", LOCALES)
async def test_delete_plan_with_confirmation(make_user: UserFactory, app, db, locale: str) -> None:
    user = await worker(make_user, locale)
    await plan_flight(user, locale)
    await user.press(f"⬜ {PASSPORT[locale]}")
    ids = [r.id for r in await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)]
    await user.press(PLAN[locale])
    await user.press(DELETE[locale])
    await user.press({"kk": "Жоқ, қалдыру", "ru": "Нет, оставить", "en": "No, keep it"}[locale])
    assert FLIGHT_12_DEC[locale] in user.last_text
    await user.press(PLAN[locale])
    await user.press(DELETE[locale])
    await user.press(CONFIRM_DELETE[locale])
    assert user.last_text.startswith(
        {
            "kk": "Кету жоспары мен оның еске салулары өшірілді.",
            "ru": "План выезда и напоминания по нему удалены.",
            "en": "Your departure plan and its reminders are deleted.",
        }[locale]
    )
    assert ADD_DATE[locale] in " ".join(user.buttons)
    assert DELETE[locale] not in " ".join(user.buttons)
    assert REQUIRED[locale].format(n=0) in user.last_text
    kept = await ChecklistRepository(db).get(user.user_id)  # only the situation chosen stays
    assert kept is not None and kept.track == "irregular"
    assert (kept.flight_day, kept.flight_time, kept.done) == (None, None, frozenset())
    counts = await tables_mentioning(db, user.user_id)
    assert counts["departure_plans"] == 1 and counts["checklist_items"] == 0
    assert await pending(app, user) == {}
    assert not any(reminder_id in app.reminders.store for reminder_id in ids)


async def test_plan_survives_a_restart(
    make_user: UserFactory, restart, bot, session, clock
) -> None:
    user = await worker(make_user, "ru")
    await plan_flight(user, "ru")
    await user.press(f"⬜ {TICKET['ru']}")
    again = await restart(downtime=60)
    after = SimulatedUser(again.dispatcher, bot, session, user_id=user.user_id)
    await after.send("/checklist")
    assert FLIGHT_12_DEC["ru"] in after.last_text
    assert REQUIRED["ru"].format(n=1) in after.last_text
    assert f"✅ {TICKET['ru']}" in after.buttons
    assert len(again.reminders.store) == 4  # re-armed from the table
    clock.set(kst(date(2026, 11, 27), 9))
    assert await again.reminders.run_due() == 1  # the new process knows the kinds
    assert "С сегодняшнего дня можно подать заявление о выезде" in after.last_text
    assert TICKET["ru"] not in after.last_text


async def test_flight_dialogue_survives_a_restart(
    make_user: UserFactory, restart, bot, session
) -> None:
    user = await worker(make_user, "en")
    await user.send("/checklist")
    await user.press("Add flight date")
    await user.send("12.12.2026")
    again = await restart()
    after = SimulatedUser(again.dispatcher, bot, session, user_id=user.user_id)
    await after.send("16:00")
    assert FLIGHT_12_DEC["en"] in after.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_deletemydata_erases_the_plan_and_its_reminders(
    make_user: UserFactory, app, db, locale: str
) -> None:
    user = await worker(make_user, locale)
    await plan_flight(user, locale)
    await user.press(f"⬜ {PASSPORT[locale]}")
    before = await tables_mentioning(db, user.user_id)
    assert before["departure_plans"] == 1 and before["checklist_items"] == 1
    assert before["reminders"] == 4
    await user.send("/deletemydata")
    await user.press({"kk": "Иә", "ru": "Да", "en": "Yes"}[locale])
    assert set((await tables_mentioning(db, user.user_id)).values()) == {0}
    assert len(app.reminders.store) == 0


async def test_mydata_says_what_the_checklist_stores(make_user: UserFactory) -> None:
    user = make_user()
    await onboard(user, "en")
    await user.send("/mydata")
    assert "Departure checklist" not in user.last_text
    await choose_track(user, "en", Track.IRREGULAR)
    await user.send("/mydata")
    assert "• Departure checklist (/checklist): 0 of 7 items ticked" in user.last_text
    assert "Your situation for 🛫 Leaving Korea: the stay has become irregular" in user.last_text
    await plan_flight(user, "en")
    await user.press("⬜")
    await user.send("/mydata")
    assert (
        "• Departure checklist (/checklist): flight 12 December 2026, 1 of 7 items ticked"
        in user.last_text
    )


async def test_a_flight_in_the_past_says_so(make_user: UserFactory, clock) -> None:
    user = await worker(make_user, "en")
    await plan_flight(user, "en", day="22.11.2026", at="15:00")
    clock.set(kst(date(2026, 11, 22), 15, 1))
    await user.send("/checklist")
    assert "This flight date has passed. Change it, or delete the plan." in user.last_text
    assert "Departure report:" not in user.last_text


async def test_an_item_button_leaves_the_date_dialogue(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")
    await user.send("/checklist")
    checklist = user.last_message.message_id
    await user.press("Add flight date")
    await user.press_data(ChecklistCb(action="done", item="ticket").pack(), message_id=checklist)
    await user.send("12.12.2026")  # no longer read as a flight date
    assert user.last_text.startswith("I could not find an answer to that among my questions.")
