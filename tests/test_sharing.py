"""A worker shares their departure plan with their family; a family member follows it (issue 15):
codes and deep links, what the family sees (dates and progress only), revoking, unfollowing,
guessing limits, the family member's reminders in their own zone, /mydata and /deletemydata."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.departure.checklist import ITEMS
from bot.departure.plan import Track
from bot.family.plans import KINDS as FAMILY_KINDS
from bot.family.sharing import ALPHABET, normalize_code
from bot.formatting import format_day
from bot.offline.fakeapi import BOT_USERNAME
from bot.offline.simuser import SimulatedUser
from storage.reminders import ReminderStatus
from tests.conftest import UserFactory, onboard
from tests.test_trust import tables_mentioning

LOCALES = ["kk", "ru", "en"]
ALMATY = ZoneInfo("Asia/Almaty")
SEOUL = ZoneInfo("Asia/Seoul")
FLIGHT = date(2026, 12, 12)
OPENS, CLOSES = date(2026, 11, 27), date(2026, 12, 9)

PLAN = {"kk": "Ұшу және жоспар", "ru": "Вылет и план", "en": "Flight and plan"}
SHARE = {"kk": "Отбасыммен бөлісу", "ru": "Поделиться с семьёй", "en": "Share with my family"}
CREATE = {"kk": "Код жасау", "ru": "Создать код", "en": "Create a code"}
STOP = {"kk": "Бөлісуді тоқтату", "ru": "Закрыть доступ", "en": "Stop sharing"}
NEW_CODE = {"kk": "Жаңа код", "ru": "Новый код", "en": "New code"}
ENTER = {"kk": "Кодты енгізу", "ru": "Ввести код", "en": "Enter a code"}
SKIP = {"kk": "Өткізу", "ru": "Пропустить", "en": "Skip"}
STOP_FOLLOWING = {"kk": "Бақылауды тоқтату", "ru": "Перестать следить", "en": "Stop following"}
YES_STOP = {"kk": "Иә, бақылауды", "ru": "Да, перестать", "en": "Yes, stop following"}
OPEN_PLAN = {"kk": "Жоспарды ашу", "ru": "Открыть план", "en": "Open the plan"}
WILL_SEE = {"kk": "Отбасыңыз көреді", "ru": "Ваша семья увидит", "en": "Your family will see"}
NOTHING_SHARED = {
    "kk": "Қазір ештеңе бөлісілмеген",
    "ru": "Сейчас ничем не поделились",
    "en": "Nothing is shared now",
}
ONE_FOLLOWS = {
    "kk": "Жоспарыңызды 1 адам бақылайды",
    "ru": "За вашим планом следит 1 человек",
    "en": "1 person follows your plan",
}
NOBODY = {
    "kk": "Жоспарыңызды әзірге ешкім бақыламайды",
    "ru": "За вашим планом пока никто не следит",
    "en": "Nobody follows your plan yet",
}
FOLLOWING_NOW = {
    "kk": "Енді сіз туысыңыздың кету жоспарын бақылайсыз",
    "ru": "Теперь вы следите за планом выезда родственника",
    "en": "You now follow your relative's departure plan",
}
NO_LONGER = {
    "kk": "Бұл жоспар енді сізбен бөлісілмейді",
    "ru": "Этот план больше не открыт для вас",
    "en": "This plan is no longer shared with you",
}
WRONG = {
    "kk": "Бұл кодпен бөлісілген жоспар жоқ",
    "ru": "С этим кодом нет открытого плана",
    "en": "No plan is shared with this code",
}
LIMITED = {
    "kk": "Қате код тым көп енгізілді",
    "ru": "Слишком много неверных кодов",
    "en": "Too many wrong codes",
}
CODE_STEP = {"kk": "🔑 Код", "ru": "🔑 Код", "en": "🔑 Code"}
NOT_FOLLOWING = {
    "kk": "Сіз әзірге ешбір жоспарды бақыламайсыз",
    "ru": "Вы пока не следите ни за одним планом",
    "en": "You do not follow any plan yet",
}
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
FLIGHT_LINE = {
    "kk": "Ұшу: {date} (Корея күнімен)",
    "ru": "Вылет: {date} (дата по Корее)",
    "en": "Flight: {date} (date in Korea)",
}
WINDOW_LINE = {
    "kk": "Кету туралы өтініш: {opens} – {closes} аралығында (Корея күндерімен)",
    "ru": "Заявление о выезде: с {opens} по {closes} (даты по Корее)",
    "en": "Departure report: from {opens} to {closes} (dates in Korea)",
}
FLIGHT_TOMORROW = {
    "kk": "Туысыңыздың ұшуы ертең, {date}",
    "ru": "Вылет вашего родственника завтра, {date}",
    "en": "Your relative's flight is tomorrow, {date}",
}
WINDOW_OPENS = {
    "kk": "Туысыңыз бүгіннен бастап кету туралы өтініш бере алады",
    "ru": "С сегодняшнего дня ваш родственник может подать заявление о выезде",
    "en": "Your relative can make the departure report from today",
}
MYDATA_SHARE = {
    "kk": "Кету жоспарыңызбен бөлісесіз (бақылайтындар: 1)",
    "ru": "Вы делитесь планом выезда (следит 1 человек)",
    "en": "You share your departure plan (1 person following)",
}
MYDATA_FOLLOW = {
    "kk": "Сіз туыстардың 1 кету жоспарын бақылайсыз",
    "ru": "Вы следите за 1 планом выезда родственников",
    "en": "You follow 1 relative's departure plan",
}
YES = {"kk": "Иә", "ru": "Да", "en": "Yes"}
CODE = re.compile(rf"\b([{ALPHABET}]{{4}})-([{ALPHABET}]{{4}})\b")


def at(day: date, hour: int, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(hour), tzinfo=zone).timestamp())


def services(app: App):
    data = app.dispatcher.workflow_data
    return data["departure"], data["family_plans"]


async def worker_with_plan(app: App, make_user: UserFactory, locale: str) -> SimulatedUser:
    """A worker with a flight on 12 December 2026, 16:00, one required and one recommended
    item ticked."""
    worker = make_user(language_code=locale)
    worker.first_name = "Serik"
    await onboard(worker, locale, "work")
    departure, _family = services(app)
    record = await app.users.get(worker.user_id)
    await departure.set_track(record, Track.IRREGULAR)
    await departure.set_flight(record, FLIGHT, time(16, 0))
    await departure.tick(record, "passport", done=True)
    await departure.tick(record, "wages", done=True)
    return worker


async def open_sharing(worker: SimulatedUser, locale: str) -> None:
    await worker.send("/checklist")
    await worker.press(PLAN[locale])
    await worker.press(SHARE[locale])


async def create_code(worker: SimulatedUser, locale: str) -> str:
    await open_sharing(worker, locale)
    assert WILL_SEE[locale] in worker.last_text
    assert NOTHING_SHARED[locale] in worker.last_text  # nothing is shared by default
    await worker.press(CREATE[locale])
    found = CODE.search(worker.last_text)
    assert found, worker.last_text
    return found[1] + found[2]


async def family_member(make_user: UserFactory, locale: str) -> SimulatedUser:
    member = make_user(language_code=locale)
    await onboard(member, locale, "family")
    return member


async def follow_with_code(member: SimulatedUser, locale: str, typed: str) -> None:
    await member.send("/follow")
    await member.press(ENTER[locale])
    await member.send(typed)


async def family_reminders(app: App, member: SimulatedUser) -> list:
    return await app.reminders.repo.upcoming_for_user(member.user_id, kinds=FAMILY_KINDS)


def test_codes_are_random_unambiguous_and_tolerant() -> None:
    from bot.family.sharing import display_code, new_code

    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) == 8 and set(code) <= set(ALPHABET) for code in codes)
    assert not set("01OIL") & set(ALPHABET)
    assert display_code("ABCDEFGH") == "ABCD-EFGH"
    for typed in ("abcd-efgh", " ABCD EFGH ", "abcd–efgh", "Ab-Cd-Ef-Gh"):
        assert normalize_code(typed) == "ABCDEFGH"
    assert normalize_code("ABCD-EFG0") is None
    assert normalize_code("ABCD-EFG") is None


@pytest.mark.parametrize("locale", LOCALES)
async def test_share_with_a_code_and_see_dates_and_progress_only(
    app: App, make_user: UserFactory, locale: str
) -> None:
    worker = await worker_with_plan(app, make_user, locale)
    code = await create_code(worker, locale)
    assert f"https://t.me/{BOT_USERNAME}?start=plan_{code}" in worker.last_text
    assert NOBODY[locale] in worker.last_text

    member = await family_member(make_user, locale)
    await follow_with_code(member, locale, f" {code[:4].lower()} - {code[4:].lower()} ")
    assert FOLLOWING_NOW[locale] in member.last_text
    await member.send({"kk": "ағам", "ru": "брат", "en": "brother"}[locale])
    view = member.last_text
    assert {"kk": "ағам", "ru": "брат", "en": "brother"}[locale] in view
    assert FLIGHT_LINE[locale].format(date=format_day(FLIGHT, locale)) in view
    assert (
        WINDOW_LINE[locale].format(
            opens=format_day(OPENS, locale), closes=format_day(CLOSES, locale)
        )
        in view
    )
    assert REQUIRED[locale].format(n=1) in view
    assert RECOMMENDED[locale].format(n=1) in view
    # Nothing more: no item names, no flight time, no ids or names of the worker.
    with app.i18n.context(), app.i18n.use_locale(locale):
        labels = [str(item.label) for item in ITEMS]
    for forbidden in (*labels, "16:00", "12:00", str(worker.user_id), "Serik", code):
        assert forbidden not in view, forbidden
    assert all(str(worker.user_id) not in (b or "") for b in member.buttons)
    assert len(view) <= 1200

    await open_sharing(worker, locale)
    assert ONE_FOLLOWS[locale] in worker.last_text
    assert str(member.user_id) not in worker.last_text  # who follows: a count only


@pytest.mark.parametrize("locale", LOCALES)
async def test_deep_link_follows_even_before_onboarding(
    app: App, make_user: UserFactory, locale: str
) -> None:
    worker = await worker_with_plan(app, make_user, "en")
    code = await create_code(worker, "en")
    newcomer = make_user(language_code=locale)  # never sent /start before
    await newcomer.send(f"/start plan_{code.lower()}")
    assert FOLLOWING_NOW[locale] in newcomer.last_text
    await newcomer.press(SKIP[locale])
    view = newcomer.last_text
    assert {"kk": "Туыс 1", "ru": "Родственник 1", "en": "Relative 1"}[locale] in view
    assert FLIGHT_LINE[locale].format(date=format_day(FLIGHT, locale)) in view
    assert REQUIRED[locale].format(n=1) in view
    assert len(await family_reminders(app, newcomer)) == 2

    # The link again: already followed, the plan is shown.
    await newcomer.send(f"/start plan_{code}")
    assert FLIGHT_LINE[locale].format(date=format_day(FLIGHT, locale)) in newcomer.last_text


async def test_an_ordinary_start_is_untouched(app: App, make_user: UserFactory) -> None:
    user = make_user(language_code="en")
    await user.send("/start plan_NOTACODE1")
    assert "Please choose your language" in user.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_revoking_takes_effect_at_once(app: App, make_user: UserFactory, locale: str) -> None:
    worker = await worker_with_plan(app, make_user, locale)
    code = await create_code(worker, locale)
    member = await family_member(make_user, locale)
    await member.send(f"/start plan_{code}")
    await member.press(SKIP[locale])
    view_message = member.last_message.message_id
    armed = await family_reminders(app, member)
    assert len(armed) == 2

    await worker.press(STOP[locale])
    assert NOTHING_SHARED[locale] in worker.last_text

    # The family member's open plan: the next press says it is no longer shared.
    await member.press(STOP_FOLLOWING[locale], message_id=view_message)
    assert NO_LONGER[locale] in member.last_text
    assert await family_reminders(app, member) == []
    for reminder in armed:
        assert (await app.reminders.repo.get(reminder.id)).status is ReminderStatus.CANCELLED
        assert reminder.id not in app.reminders.store
    await member.send("/follow")
    assert NOT_FOLLOWING[locale] in member.last_text
    # The old code is gone too.
    await member.press(ENTER[locale])
    await member.send(code)
    assert WRONG[locale] in member.last_text


async def test_a_new_code_revokes_the_old_one(app: App, make_user: UserFactory) -> None:
    worker = await worker_with_plan(app, make_user, "en")
    old = await create_code(worker, "en")
    member = await family_member(make_user, "en")
    await member.send(f"/start plan_{old}")
    await worker.press(NEW_CODE["en"])
    new = CODE.search(worker.last_text)
    assert new and new[1] + new[2] != old
    assert "The old one no longer works" in worker.last_text
    assert NOBODY["en"] in worker.last_text
    assert await family_reminders(app, member) == []
    await follow_with_code(member, "en", old)
    assert WRONG["en"] in member.last_text
    await member.send(new[0])
    assert FOLLOWING_NOW["en"] in member.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_unfollow(app: App, make_user: UserFactory, locale: str) -> None:
    worker = await worker_with_plan(app, make_user, locale)
    code = await create_code(worker, locale)
    member = await family_member(make_user, locale)
    await follow_with_code(member, locale, code)
    await member.press(SKIP[locale])
    await member.press(STOP_FOLLOWING[locale])
    await member.press(YES_STOP[locale])
    assert NOT_FOLLOWING[locale] in member.last_text
    assert await family_reminders(app, member) == []
    await open_sharing(worker, locale)
    assert NOBODY[locale] in worker.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_wrong_codes_keep_the_place_and_are_limited(
    app: App, make_user: UserFactory, clock, locale: str
) -> None:
    worker = await worker_with_plan(app, make_user, "en")
    code = await create_code(worker, "en")
    member = await family_member(make_user, locale)
    await member.send("/follow")
    await member.press(ENTER[locale])
    for attempt in range(10):
        await member.send("ABCD-EFGH" if attempt % 2 else "hello")
        assert WRONG[locale] in member.last_text
        assert CODE_STEP[locale] in member.last_text  # the dialogue keeps its place
        assert any(b.startswith("✖️") for b in member.buttons)
    await member.send(code)  # even the right code waits now
    assert LIMITED[locale] in member.last_text
    assert await family_reminders(app, member) == []
    clock.advance(3600)
    await member.send(code)
    assert FOLLOWING_NOW[locale] in member.last_text


async def test_the_workers_own_code_is_refused(app: App, make_user: UserFactory) -> None:
    worker = await worker_with_plan(app, make_user, "en")
    code = await create_code(worker, "en")
    await worker.send(f"/start plan_{code}")
    assert "This is your own code" in worker.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_family_reminders_in_the_family_members_zone(
    app: App, make_user: UserFactory, clock, session, locale: str
) -> None:
    worker = await worker_with_plan(app, make_user, "en")
    code = await create_code(worker, "en")
    member = await family_member(make_user, locale)  # a family member: Kazakhstan's time
    await member.send(f"/start plan_{code}")
    pending = {r.kind: r for r in await family_reminders(app, member)}
    assert pending["share.window_opens"].fire_at == at(OPENS, 10, ALMATY)
    assert pending["share.flight_eve"].fire_at == at(date(2026, 12, 11), 10, ALMATY)

    clock.set(at(OPENS, 10, ALMATY))
    await app.reminders.run_due()
    assert WINDOW_OPENS[locale] in member.last_text
    assert format_day(CLOSES, locale) in member.last_text
    assert "Relative" not in worker.last_text and WINDOW_OPENS["en"] not in worker.last_text

    clock.set(at(date(2026, 12, 11), 10, ALMATY))
    await app.reminders.run_due()
    assert FLIGHT_TOMORROW[locale].format(date=format_day(FLIGHT, locale)) in member.last_text
    await member.press(OPEN_PLAN[locale])  # the button under the reminder opens the plan
    assert FLIGHT_LINE[locale].format(date=format_day(FLIGHT, locale)) in member.last_text


async def test_a_zone_change_keeps_ten_oclock_in_the_new_zone(
    app: App, make_user: UserFactory
) -> None:
    worker = await worker_with_plan(app, make_user, "en")
    code = await create_code(worker, "en")
    member = await family_member(make_user, "en")
    await member.send(f"/start plan_{code}")
    await member.send("/mydata")
    await member.press("Change time zone")
    await member.press("🇰🇷")
    pending = {r.kind: r for r in await family_reminders(app, member)}
    assert pending["share.flight_eve"].fire_at == at(date(2026, 12, 11), 10, SEOUL)
    assert pending["share.window_opens"].fire_at == at(OPENS, 10, SEOUL)


async def test_reminders_follow_a_flight_change(
    app: App, make_user: UserFactory, clock, session
) -> None:
    worker = await worker_with_plan(app, make_user, "en")
    code = await create_code(worker, "en")
    member = await family_member(make_user, "en")
    await member.send(f"/start plan_{code}")
    before = {r.kind: r for r in await family_reminders(app, member)}

    departure, _family = services(app)
    record = await app.users.get(worker.user_id)
    await departure.set_flight(record, date(2026, 12, 20), None)
    after = {r.kind: r for r in await family_reminders(app, member)}
    assert after["share.flight_eve"].fire_at == at(date(2026, 12, 19), 10, ALMATY)
    assert after["share.window_opens"].fire_at == at(date(2026, 12, 5), 10, ALMATY)
    for reminder in before.values():
        assert (await app.reminders.repo.get(reminder.id)).status is ReminderStatus.CANCELLED

    # Deleting the plan cancels them; the view says the date is not set.
    await departure.delete(record)
    assert await family_reminders(app, member) == []
    await member.send("/follow")
    await member.press("Relative 1")
    assert "Flight date: not set yet" in member.last_text


async def test_a_reminder_made_stale_is_not_sent(app: App, make_user: UserFactory, clock) -> None:
    """Send time re-reads the follow: a reminder whose follow ended is dropped, not sent."""
    worker = await worker_with_plan(app, make_user, "en")
    code = await create_code(worker, "en")
    member = await family_member(make_user, "en")
    await member.send(f"/start plan_{code}")
    reminder = next(iter(await family_reminders(app, member)))
    _departure, family = services(app)
    # The follow goes behind the service's back (as a crash between the two steps would).
    await family.shares.revoke(worker.user_id)
    clock.set(reminder.fire_at)
    sent_before = len(member.bot_messages())
    await app.reminders.run_due()
    assert (await app.reminders.repo.get(reminder.id)).status is ReminderStatus.CANCELLED
    assert len(member.bot_messages()) == sent_before


@pytest.mark.parametrize("locale", LOCALES)
async def test_mydata_lists_both_sides(app: App, make_user: UserFactory, locale: str) -> None:
    worker = await worker_with_plan(app, make_user, locale)
    code = await create_code(worker, locale)
    member = await family_member(make_user, locale)
    await member.send(f"/start plan_{code}")
    await worker.send("/mydata")
    assert MYDATA_SHARE[locale] in worker.last_text
    await member.send("/mydata")
    assert MYDATA_FOLLOW[locale] in member.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_deletemydata_of_the_worker_ends_every_follow(
    app: App, make_user: UserFactory, db, locale: str
) -> None:
    worker = await worker_with_plan(app, make_user, locale)
    code = await create_code(worker, locale)
    member = await family_member(make_user, locale)
    await member.send(f"/start plan_{code}")
    await member.press(SKIP[locale])
    view_message = member.last_message.message_id
    assert len(await family_reminders(app, member)) == 2

    await worker.send("/deletemydata")
    await worker.press(YES[locale])
    assert set((await tables_mentioning(db, worker.user_id)).values()) == {0}
    assert await db.fetch_value("SELECT COUNT(*) FROM plan_follows") == 0
    assert await family_reminders(app, member) == []
    await member.press(STOP_FOLLOWING[locale], message_id=view_message)
    assert NO_LONGER[locale] in member.last_text


@pytest.mark.parametrize("locale", LOCALES)
async def test_deletemydata_of_the_family_member(
    app: App, make_user: UserFactory, db, locale: str
) -> None:
    worker = await worker_with_plan(app, make_user, locale)
    code = await create_code(worker, locale)
    member = await family_member(make_user, locale)
    await member.send(f"/start plan_{code}")
    assert len(app.reminders.store) >= 2

    await member.send("/deletemydata")
    await member.press(YES[locale])
    assert set((await tables_mentioning(db, member.user_id)).values()) == {0}
    assert await family_reminders(app, member) == []
    await open_sharing(worker, locale)
    assert NOBODY[locale] in worker.last_text


async def test_a_track_change_replans_and_hides_the_window(
    app: App, make_user: UserFactory
) -> None:
    worker = await worker_with_plan(app, make_user, "en")
    code = await create_code(worker, "en")
    member = await family_member(make_user, "en")
    await member.send(f"/start plan_{code}")
    assert {r.kind for r in await family_reminders(app, member)} == set(FAMILY_KINDS)

    departure, _family = services(app)
    await departure.set_track(await app.users.get(worker.user_id), Track.LEGAL)
    assert [r.kind for r in await family_reminders(app, member)] == ["share.flight_eve"]
    await member.send("/follow")
    await member.press("Relative 1")
    assert "Departure report" not in member.last_text
    assert FLIGHT_LINE["en"].format(date=format_day(FLIGHT, "en")) in member.last_text
    assert "the day before the flight." in member.last_text
