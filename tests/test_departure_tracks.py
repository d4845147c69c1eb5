"""Two departure tracks (issue 15): "end of contract / valid visa" (legal) and "my stay has become
irregular". The 🛫 section and the checklist ask once, store only the choice, and switch at any
time; the legal track has its own guide and checklist with no voluntary-departure report
anywhere (screens, reminders, the summary to forward); switching keeps shared ticks; the
irregular track is unchanged; `DeparturePlans.summary` gives dates and progress only."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendMessage

from bot.app import App
from bot.departure.checklist import LEGAL_ITEM_KEYS
from bot.departure.plan import (
    KIND_FLIGHT_DAY,
    KIND_OPEN_ITEMS,
    KIND_REPORT_DEADLINE,
    KIND_RETURN_INSURANCE,
    KIND_WINDOW_OPENS,
    KINDS,
    Track,
    month_before,
)
from bot.departure.service import PlanSummary
from bot.offline.simuser import SimulatedUser, plain
from storage.checklists import ChecklistRepository
from storage.db import Database
from tests.conftest import UserFactory, onboard

SEOUL = ZoneInfo("Asia/Seoul")
LOCALES = ["kk", "ru", "en"]
SCREEN_LIMIT = 1200

LEGAL = {"kk": "Шарт аяқталды", "ru": "Конец договора", "en": "End of contract"}
IRREGULAR = {
    "kk": "Кореяда заңсыз жүрмін",
    "ru": "пребывание стало незаконным",
    "en": "My stay has become irregular",
}
CHANGE = {"kk": "Жағдайымды өзгерту", "ru": "Изменить мою ситуацию", "en": "Change my situation"}
QUESTION = {"kk": "🛫 Кореядан кету", "ru": "🛫 Выезд из Кореи", "en": "🛫 Leaving Korea"}
LEGAL_TITLE = {
    "kk": "🛫 Еңбек шарты аяқталғанда кету",
    "ru": "🛫 Выезд по окончании договора",
    "en": "🛫 Leaving at the end of your contract",
}
IRREGULAR_TITLE = {
    "kk": "🛫 Ерікті түрде кету",
    "ru": "🛫 Добровольный выезд",
    "en": "🛫 Voluntary departure",
}
CHECKLIST = {"kk": "Менің тексеру тізімім", "ru": "Мой чек-лист", "en": "My checklist"}
# Every way the report is named on the irregular track: none may appear on the legal one.
REPORT_WORDS = {
    "kk": ["кету туралы өтініш", "Кету туралы өтініш", "көші-қон қызметінде"],
    "ru": ["аявление о выезде", "аявление о добровольном", "иммиграционной службе аэропорта"],
    "en": ["eparture report", "report form", "airport immigration office"],
}
# The legal guide names the report once, to say it is not on this list; nowhere else.
NOT_ON_YOUR_LIST = {
    "kk": "сондықтан ол сіздің тізіміңізде жоқ",
    "ru": "поэтому в вашем списке его нет",
    "en": "so it is not on your list",
}
ADD_DATE = {"kk": "Ұшу күнін қосу", "ru": "Добавить дату вылета", "en": "Add flight date"}
SKIP_TIME = {"kk": "Өткізу", "ru": "Пропустить", "en": "Skip"}
PLAN = {"kk": "Ұшу және жоспар", "ru": "Вылет и план", "en": "Flight and plan"}
SUMMARY = {"kk": "Жоспарды жіберу", "ru": "Сводка для пересылки", "en": "Summary to forward"}
HOW_TO = {"kk": "Қалай орындау керек", "ru": "Как сделать", "en": "How to"}
PASSPORT = {
    "kk": "Жарамды паспорт қолда",
    "ru": "Действительный паспорт на руках",
    "en": "Valid passport in hand",
}
WAGES = {
    "kk": "Жалақы мен жұмыстан шығу жәрдемақысы алынды",
    "ru": "Зарплата и выходное пособие получены",
    "en": "Wages and severance pay settled",
}
REPORT = {
    "kk": "Ерікті түрде кету туралы өтініш",
    "ru": "Заявление о добровольном выезде",
    "en": "Voluntary-departure report",
}
BELONGINGS = {"kk": "Заттар жиналды", "ru": "Вещи собраны", "en": "Belongings packed"}
PENSION = {
    "kk": "Зейнетақы жарналарын қайтару",
    "ru": "Возврат пенсионных взносов",
    "en": "National Pension refund",
}
ARC = {
    "kk": "Кетердегі тіркеу картасы",
    "ru": "Карта регистрации иностранца при отъезде",
    "en": "Residence card at departure",
}
REQUIRED_LEGAL = {
    "kk": "Міндетті: 2 ішінен {n} орындалды",
    "ru": "Обязательное: выполнено {n} из 2",
    "en": "Required: {n} of 2 done",
}
RECOMMENDED_LEGAL = {
    "kk": "Ұсынылатын: 6 ішінен {n} орындалды",
    "ru": "Рекомендуемое: выполнено {n} из 6",
    "en": "Recommended: {n} of 6 done",
}
REQUIRED_IRREGULAR = {
    "kk": "Міндетті: 3 ішінен {n} орындалды",
    "ru": "Обязательное: выполнено {n} из 3",
    "en": "Required: {n} of 3 done",
}
NOT_CONFIRMED = {
    "kk": "ресми дереккөзбен расталмаған",
    "ru": "официальным источником не подтверждено",
    "en": "not confirmed by an official source",
}
INSURANCE_LINE = {
    "kk": "кетуден бір ай бұрын, 2026\u202fж. 12 желтоқсан күні тапсырылады",
    "ru": "за месяц до выезда (12 декабря 2026\u202fг.)",
    "en": "a month before departure, on 12 December 2026",
}
INSURANCE_REMINDER = {
    "kk": "рейсіңізге бір ай қалды",
    "ru": "остался месяц",
    "en": "A month to your flight on 12 January 2027",
}


def kst(day: date, hour: int, minute: int = 0) -> int:
    return int(datetime.combine(day, time(hour, minute), tzinfo=SEOUL).timestamp())


async def choose_track(user: SimulatedUser, locale: str, track: Track) -> None:
    """Open 🛫 and answer the track question (the section's first screen while none is stored)."""
    await user.send("/departure")
    await user.press((LEGAL if track is Track.LEGAL else IRREGULAR)[locale])


async def worker(make_user: UserFactory, locale: str, track: Track | None = None) -> SimulatedUser:
    user = make_user()
    await onboard(user, locale)
    if track is not None:
        await choose_track(user, locale, track)
    return user


async def plan_flight(
    user: SimulatedUser, locale: str, day: str = "12.01.2027", at: str | None = "16:00"
) -> None:
    await user.send("/checklist")
    await user.press(ADD_DATE[locale])
    await user.send(day)
    if at is None:
        await user.press(SKIP_TIME[locale])
    else:
        await user.send(at)


async def pending(app: App, user: SimulatedUser) -> dict[str, int]:
    reminders = await app.reminders.repo.upcoming_for_user(user.user_id, kinds=KINDS)
    return {r.kind: r.due_at for r in reminders}


def no_report(text: str, locale: str) -> None:
    for word in REPORT_WORDS[locale]:
        assert word not in text, word


# -- choosing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_first_screen_asks_and_the_choice_is_kept(
    make_user: UserFactory, db: Database, locale: str
) -> None:
    user = await worker(make_user, locale)
    await user.send("/departure")
    assert user.last_text.startswith(QUESTION[locale])
    assert "1345" in user.last_text  # not sure: who can answer
    assert [label for label in user.buttons][:2] == [
        next(b for b in user.buttons if LEGAL[locale] in b),
        next(b for b in user.buttons if IRREGULAR[locale] in b),
    ]
    assert any(label.startswith("⬅️") for label in user.buttons)
    assert await ChecklistRepository(db).get(user.user_id) is None  # nothing stored yet
    await user.press(LEGAL[locale])
    assert user.last_text.startswith(LEGAL_TITLE[locale])
    stored = await ChecklistRepository(db).get(user.user_id)
    assert stored is not None and stored.track == "legal"
    assert stored.flight_day is None and stored.done == frozenset()  # only the track
    await user.send("/departure")  # not asked again
    assert user.last_text.startswith(LEGAL_TITLE[locale])


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_legal_guide_rests_on_the_facts(make_user: UserFactory, locale: str) -> None:
    user = await worker(make_user, locale, Track.LEGAL)
    text = user.last_text
    assert len(text) <= SCREEN_LIMIT
    assert NOT_ON_YOUR_LIST[locale] in text
    assert "E-8, E-9" in text and "H-2" in text and "1355" in text  # pension rule and line
    assert NOT_CONFIRMED[locale] in text and "1345" in text  # residence card: unconfirmed
    assert "Samsung" not in text  # the details are on the checklist's "how to"
    sources = [line for line in text.splitlines() if line.startswith("🔎")]
    assert sources and any("eps.go.kr" in line for line in sources)
    assert any("prsinmun.co.kr" in line for line in sources)
    assert len(user.buttons) == 3 and user.buttons[-1].startswith("⬅️")
    assert CHANGE[locale] in user.buttons[1]
    await user.press(CHECKLIST[locale])
    assert REQUIRED_LEGAL[locale].format(n=0) in user.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_irregular_track_is_todays_guide_with_a_switch(
    make_user: UserFactory, locale: str
) -> None:
    user = await worker(make_user, locale, Track.IRREGULAR)
    assert user.last_text.startswith(IRREGULAR_TITLE[locale])
    assert user.buttons[0].startswith("❓") and user.buttons[4].startswith("🪪")
    assert CHECKLIST[locale] in user.buttons[5] and CHANGE[locale] in user.buttons[6]
    await user.press(CHANGE[locale])
    assert user.last_text.startswith(QUESTION[locale])
    assert any(b.startswith("✓ ") and IRREGULAR[locale] in b for b in user.buttons)
    await user.press("⬅️")  # back without a change
    assert user.last_text.startswith(IRREGULAR_TITLE[locale])
    await user.press(CHANGE[locale])
    await user.press(LEGAL[locale])
    assert user.last_text.startswith(LEGAL_TITLE[locale])


async def test_the_checklist_asks_first_and_leads_to_its_own_track(
    make_user: UserFactory,
) -> None:
    user = await worker(make_user, "en")
    await user.send("/checklist")
    assert user.last_text.startswith(QUESTION["en"])
    await user.press(LEGAL["en"])
    assert user.last_text.startswith("📋 My departure checklist")
    assert REQUIRED_LEGAL["en"].format(n=0) in user.last_text
    await user.send("/departure")
    assert user.last_text.startswith(LEGAL_TITLE["en"])


# -- the legal checklist -------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_legal_checklist_never_mentions_the_report(
    make_user: UserFactory, app: App, clock, session, locale: str
) -> None:
    user = await worker(make_user, locale, Track.LEGAL)
    await user.send("/checklist")
    no_report(user.last_text, locale)
    items = [b for b in user.buttons if b.startswith(("⬜", "✅"))]
    assert len(items) == len(LEGAL_ITEM_KEYS) == 8
    assert not any(REPORT[locale] in b or BELONGINGS[locale] in b for b in user.buttons)
    rows = user.last_message.reply_markup["inline_keyboard"]
    assert len(rows) <= 10  # fits a phone

    await plan_flight(user, locale)
    text = user.last_text
    no_report(text, locale)
    assert INSURANCE_LINE[locale] in text
    assert await pending(app, user) == {
        KIND_RETURN_INSURANCE: kst(date(2026, 12, 12), 9),
        KIND_OPEN_ITEMS: kst(date(2027, 1, 10), 9),
        KIND_FLIGHT_DAY: kst(date(2027, 1, 12), 8),
    }

    # Every "how to" fits, has its sources and a way back, and names no report.
    await user.press(HOW_TO[locale])
    how_tos = [b for b in user.buttons if b.startswith("ℹ️")]
    assert len(how_tos) == 8
    for label in how_tos:
        await user.press(label)
        text = user.last_text
        assert len(text) <= SCREEN_LIMIT, label
        no_report(text, locale)
        assert any(line.startswith("🔎") for line in text.splitlines()), label
        if PENSION[locale] in label:
            assert "1355" in text and NOT_CONFIRMED[locale] in text and "E-9" in text
        if ARC[locale] in label:
            assert "1345" in text and NOT_CONFIRMED[locale] in text
        await user.press("⬅️")
        await user.press(HOW_TO[locale])

    # The summary to forward follows the track.
    await user.send("/checklist")
    await user.press(PLAN[locale])
    await user.press(SUMMARY[locale])
    summary = user.last_message.text
    no_report(summary, locale)
    assert {"kk": "Кету жоспарым", "ru": "Мой план выезда", "en": "My departure plan"}[
        locale
    ] in summary
    assert "12" in summary and "2027" in summary

    # The reminders: the month-before one, open items and the flight day; no report anywhere.
    await user.send("/reminders")
    no_report(user.last_text, locale)
    sent = []
    for moment in (
        kst(date(2026, 12, 12), 9),
        kst(date(2027, 1, 10), 9),
        kst(date(2027, 1, 12), 8),
    ):
        clock.set(moment)
        assert await app.reminders.run_due() == 1
        sent.append(plain(session.calls_of(SendMessage)[-1].text))
    assert INSURANCE_REMINDER[locale] in sent[0] and "Samsung Fire & Marine" in sent[0]
    assert "1577-0071" in sent[0]
    for text in sent:
        no_report(text, locale)
    assert PASSPORT[locale] in sent[1]  # still open


async def test_a_near_flight_gets_no_insurance_reminder_but_says_whom_to_ask(
    make_user: UserFactory, app: App
) -> None:
    user = await worker(make_user, "en", Track.LEGAL)
    await plan_flight(user, "en", day="10.12.2026")  # a month before: 10 November, passed
    assert "was due a month before departure, on 10 November 2026" in user.last_text
    assert "1577-0071" in user.last_text
    assert set(await pending(app, user)) == {KIND_OPEN_ITEMS, KIND_FLIGHT_DAY}


async def test_ticking_the_insurance_drops_its_reminder(make_user: UserFactory, app: App) -> None:
    user = await worker(make_user, "en", Track.LEGAL)
    await plan_flight(user, "en")
    assert KIND_RETURN_INSURANCE in await pending(app, user)
    await user.press("⬜ Departure-guarantee insurance")
    assert KIND_RETURN_INSURANCE not in await pending(app, user)
    assert "Return cost insurance (E-9 only)" not in user.last_text
    await user.press("✅ Departure-guarantee insurance")
    assert KIND_RETURN_INSURANCE in await pending(app, user)


def test_a_month_before() -> None:
    assert month_before(date(2027, 1, 12)) == date(2026, 12, 12)
    assert month_before(date(2027, 3, 31)) == date(2027, 2, 28)
    assert month_before(date(2028, 3, 30)) == date(2028, 2, 29)


# -- switching -----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_switching_keeps_the_shared_ticks_and_replans(
    make_user: UserFactory, app: App, locale: str
) -> None:
    user = await worker(make_user, locale, Track.IRREGULAR)
    await plan_flight(user, locale, day="12.01.2027")
    for label in (PASSPORT, REPORT, WAGES, BELONGINGS):
        await user.press(f"⬜ {label[locale]}")
    assert REQUIRED_IRREGULAR[locale].format(n=2) in user.last_text
    assert set(await pending(app, user)) == {KIND_OPEN_ITEMS, KIND_FLIGHT_DAY}  # report ticked
    await user.press(f"✅ {REPORT[locale]}")  # untick: the report reminders come back
    assert KIND_WINDOW_OPENS in await pending(app, user)
    await user.press(f"⬜ {REPORT[locale]}")

    checklist = user.last_message.message_id
    await user.press(CHANGE[locale])
    assert user.last_message.message_id == checklist  # edited in place
    assert user.last_text.startswith(QUESTION[locale])
    await user.press(LEGAL[locale])
    text = user.last_text
    assert text.startswith("📋")  # back on the checklist, now the legal one
    no_report(text, locale)
    assert f"✅ {PASSPORT[locale]}" in user.buttons and f"✅ {WAGES[locale]}" in user.buttons
    assert REQUIRED_LEGAL[locale].format(n=1) in text
    assert RECOMMENDED_LEGAL[locale].format(n=1) in text
    assert set(await pending(app, user)) == {
        KIND_RETURN_INSURANCE,
        KIND_OPEN_ITEMS,
        KIND_FLIGHT_DAY,
    }
    assert not {KIND_WINDOW_OPENS, KIND_REPORT_DEADLINE} & set(await pending(app, user))

    await user.press(CHANGE[locale])
    await user.press(IRREGULAR[locale])
    assert f"✅ {REPORT[locale]}" in user.buttons  # the other track's ticks were kept
    assert f"✅ {BELONGINGS[locale]}" in user.buttons
    assert REQUIRED_IRREGULAR[locale].format(n=2) in user.last_text
    assert set(await pending(app, user)) == {KIND_OPEN_ITEMS, KIND_FLIGHT_DAY}


async def test_a_report_reminder_left_over_from_the_other_track_is_not_sent(
    make_user: UserFactory, app: App, db: Database, clock, session
) -> None:
    user = await worker(make_user, "en", Track.IRREGULAR)
    await plan_flight(user, "en", day="12.12.2026")
    # Switched behind the engine's back (no re-planning): sending must still read the track.
    await ChecklistRepository(db).set_track(user.user_id, "legal", now=int(clock.now()))
    sent_before = len(session.calls_of(SendMessage))
    clock.set(kst(date(2026, 11, 27), 9))
    await app.reminders.run_due()
    assert len(session.calls_of(SendMessage)) == sent_before


# -- what is stored, the family view -------------------------------------------------------------


async def test_mydata_names_the_situation_and_delete_keeps_it(
    make_user: UserFactory, db: Database
) -> None:
    user = await worker(make_user, "en", Track.LEGAL)
    await user.send("/mydata")
    assert "0 of 8 items ticked" in user.last_text
    assert (
        "Your situation for 🛫 Leaving Korea: leaving at the end of the contract or with a "
        "valid visa" in user.last_text
    )
    await plan_flight(user, "en")
    await user.press("Flight and plan")
    await user.press("Delete plan")
    await user.press("Yes, delete the plan")
    stored = await ChecklistRepository(db).get(user.user_id)
    assert stored is not None and stored.track == "legal"
    assert stored.flight_day is None and stored.done == frozenset()
    assert "Add flight date" in " ".join(user.buttons)


async def test_summary_gives_dates_and_progress_only(make_user: UserFactory, app: App) -> None:
    plans = app.dispatcher["departure"]
    user = await worker(make_user, "en")
    assert await plans.summary(user.user_id) is None  # nothing stored

    await choose_track(user, "en", Track.IRREGULAR)
    await plan_flight(user, "en", day="12.12.2026")
    await user.press("⬜ Valid passport in hand")
    await user.press("⬜ Belongings packed")
    summary = await plans.summary(user.user_id)
    assert summary == PlanSummary(
        track=Track.IRREGULAR,
        flight_day=date(2026, 12, 12),
        report_window=(date(2026, 11, 27), date(2026, 12, 9)),
        required_done=1,
        required_total=3,
        recommended_done=1,
        recommended_total=4,
        updated_at=summary.updated_at,
    )

    await user.press("Change my situation")
    await user.press(LEGAL["en"])
    summary = await plans.summary(user.user_id)
    assert summary.track is Track.LEGAL and summary.report_window is None
    assert (summary.required_done, summary.required_total) == (1, 2)
    assert (summary.recommended_done, summary.recommended_total) == (0, 6)
    assert summary.flight_day == date(2026, 12, 12)


# -- the migration -------------------------------------------------------------------------------


async def test_existing_plans_become_the_irregular_track(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = await Database.open(path, migrate=False)
    await old.migrate(target=12)
    for user_id in (1, 2):
        await old.execute(
            "INSERT INTO users (id, language, created_at, last_seen_at) VALUES (?, 'ru', 0, 0)",
            (user_id,),
        )
    await old.execute(
        "INSERT INTO departure_plans (user_id, flight_date, created_at, updated_at)"
        " VALUES (1, '2026-12-12', 0, 0)"
    )
    await old.execute(
        "INSERT INTO checklist_items (user_id, item, done_at) VALUES (1, 'report', 0)"
    )
    await old.close()
    upgraded = await Database.open(path)
    repo = ChecklistRepository(upgraded)
    plan = await repo.get(1)
    assert plan is not None and plan.track == "irregular" and plan.done == {"report"}
    assert await repo.get(2) is None  # no plan: the section will ask
    await upgraded.close()
