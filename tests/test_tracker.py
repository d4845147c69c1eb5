"""Issue 4, Kazakhstan's accession tracker: the screen, the subscription, the staff update
dialogue with its history, and the news delivered to subscribers through the reminder engine."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from aiogram import Bot

from bot.app import App
from bot.clock import ManualClock
from bot.content.facts import parse_source_url
from bot.eps.tracker import (
    FACT_KEY,
    JOINED,
    NEWS_KIND,
    TOPIC,
    StageState,
    parse_accession,
    plan_news,
    same_status,
    stage_state,
)
from bot.offline.fakeapi import FakeTelegramSession
from bot.offline.simuser import SimulatedUser, plain
from bot.reminders.rules import QuietHours, plan_fire_time
from bot.telegram.callbacks import StaffCb, TrackerCb
from storage.db import Database
from storage.reminders import ReminderStatus
from storage.subscriptions import Recipient, SubscriptionRepository
from tests.conftest import ADMIN_ID, START, Restart, UserFactory, onboard

LOCALES = ["kk", "ru", "en"]
SHOW = TrackerCb(action="show").pack()

TITLE = {
    "kk": "🇰🇿 Қазақстан және EPS: қосылу жолы",
    "ru": "🇰🇿 Казахстан и EPS: путь к присоединению",
    "en": "🇰🇿 Kazakhstan and EPS: the road to joining",
}
STAGE_LINES = {
    "kk": [
        "✅ 1. Мемлекетішілік келісу: аяқталды",
        "⏳ 2. EPS орталығына арналған нысандарды тексеру: жүріп жатыр",
        "▫️ 3. Корея ведомствоаралық комиссиясының шешімі: әлі басталмаған",
    ],
    "ru": [
        "✅ 1. Внутригосударственное согласование: завершено",
        "⏳ 2. Инспектирование объектов для центра EPS: идёт",
        "▫️ 3. Решение межведомственной комиссии Кореи: ещё не начато",
    ],
    "en": [
        "✅ 1. Domestic approval: done",
        "⏳ 2. Inspection of the facilities for an EPS centre: in progress",
        "▫️ 3. Decision of Korea's inter-ministerial commission: not started yet",
    ],
}
LAST_CHANGE_SEED = {
    "kk": "🗓 Соңғы өзгеріс: 2026\u202fж. 21 қаңтар",
    "ru": "🗓 Последнее изменение: 21 января 2026\u202fг.",
    "en": "🗓 Last change: 21 January 2026",
}
LAST_CHANGE_TODAY = {
    "kk": "🗓 Соңғы өзгеріс: 2026\u202fж. 21 қараша",
    "ru": "🗓 Последнее изменение: 21 ноября 2026\u202fг.",
    "en": "🗓 Last change: 21 November 2026",
}
SEED_NOTE = {
    "kk": "📝 Корея Жұмыспен қамту және еңбек министрлігінің делегациясы 2026 жылғы 21 қаңтарда",
    "ru": "📝 Делегация Министерства занятости и труда Кореи 21 января 2026 года прибыла в Алматы",
    "en": "📝 A delegation of Korea's Ministry of Employment and Labor arrived in Almaty",
}
CANNOT_APPLY = {
    "kk": "3-кезең өтіп, келісімге қол қойылмайынша Қазақстан азаматтары EPS арқылы өтініш "
    "бере алмайды",
    "ru": "Пока не пройден этап 3 и не подписано соглашение, граждане Казахстана не могут подать "
    "заявку через EPS",
    "en": "Until stage 3 is passed and an agreement is signed, citizens of Kazakhstan cannot apply "
    "through EPS",
}
# The stage was last confirmed against its source in January: users see how old it is.
SOURCE = {
    "kk": "🔎 Тексерілген күні: 2026\u202fж. 30 қаңтар · дереккөз: kaz.inform.kz, "
    "2026\u202fж. 30 қаңтар",
    "ru": "🔎 Проверено 30 января 2026\u202fг. · источник: kaz.inform.kz, 30 января 2026\u202fг.",
    "en": "🔎 Checked 30 January 2026 · source: kaz.inform.kz, 30 January 2026",
}
SUBSCRIBE = {
    "kk": "Өзгергенде хабарлаңыз",
    "ru": "Сообщить, когда изменится",
    "en": "Tell me when this changes",
}
STOP = {"kk": "Хабарламаларды өшіру", "ru": "Отключить уведомления", "en": "Stop updates"}
SUBSCRIBED_LINE = {
    "kk": "🔔 Сіз жазылдыңыз: бұл өзгергенде сізге хабар беремін.",
    "ru": "🔔 Вы подписаны: я напишу вам, когда здесь что-то изменится.",
    "en": "🔔 You are subscribed: I will write to you when this changes.",
}
SUBSCRIBED_POPUP = {
    "kk": "🔔 Дайын: жағдай өзгергенде сізге жазамын.",
    "ru": "🔔 Готово: напишу вам, когда статус изменится.",
    "en": "🔔 Done: I will write to you when the status changes.",
}
UNSUBSCRIBED_POPUP = {
    "kk": "🔕 Дайын: бұдан былай бұл жаңартуларды жібермеймін.",
    "ru": "🔕 Готово: больше не буду присылать эти обновления.",
    "en": "🔕 Done: I will not send you these updates any more.",
}
NEWS_TITLE = {
    "kk": "📍 Қазақстан және EPS: жағдай өзгерді",
    "ru": "📍 Казахстан и EPS: статус изменился",
    "en": "📍 Kazakhstan and EPS: the status has changed",
}
UNSUBSCRIBE = {"kk": "🔕 Жазылудан бас тарту", "ru": "🔕 Отписаться", "en": "🔕 Unsubscribe"}
SUBSCRIBE_AGAIN = {
    "kk": "🔔 Қайта жазылу",
    "ru": "🔔 Подписаться снова",
    "en": "🔔 Subscribe again",
}
OPEN = {"kk": "📍 Трекерді ашу", "ru": "📍 Открыть трекер", "en": "📍 Open tracker"}
STAFF_TITLE = {
    "kk": "Қосылу трекері (қызметкерлерге)",
    "ru": "Трекер присоединения (для сотрудников)",
    "en": "Accession tracker (staff)",
}
UPDATE = {"kk": "Кезең мен ескертпені", "ru": "Обновить этап", "en": "Update the stage"}
HISTORY = {"kk": "Өзгерістер тарихы", "ru": "История изменений", "en": "History of changes"}
STEP = {
    n: {"kk": f"5 қадамның {n}-қадамы", "ru": f"шаг {n} из 5", "en": f"step {n} of 5"}
    for n in range(1, 6)
}
KEEP_NOTE = {"kk": "Қазіргі ескертпені", "ru": "Оставить текущую заметку", "en": "Keep the current"}
KEEP_SOURCE = {
    "kk": "Қазіргі дереккөзді",
    "ru": "Оставить текущий",
    "en": "Keep the current source",
}
CONFIRM = {
    "kk": "Растау және хабарлау",
    "ru": "Подтвердить и разослать",
    "en": "Confirm and notify",
}
BACK = {"kk": "⬅️ Артқа", "ru": "⬅️ Назад", "en": "⬅️ Back"}
CANCEL = {"kk": "✖️ Болдырмау", "ru": "✖️ Отмена", "en": "✖️ Cancel"}
CANCELLED = {
    "kk": "✖️ Болдырылмады: ештеңе өзгерген жоқ.",
    "ru": "✖️ Отменено: ничего не изменено.",
    "en": "✖️ Cancelled: nothing was changed.",
}
REFUSAL = {
    "kk": "Бұл пәрмен тек қызметкерлерге арналған.",
    "ru": "Эта команда только для сотрудников.",
    "en": "This command is for staff only.",
}
OUTDATED = {
    "kk": "Бұл батырма ескірген.",
    "ru": "Эта кнопка устарела.",
    "en": "This button is out of date.",
}
NOTES = {
    "kk": "Ведомствоаралық комиссия Қазақстан туралы шешімді қарап жатыр.",
    "ru": "Межведомственная комиссия рассматривает вопрос о Казахстане.",
    "en": "The inter-ministerial commission is considering Kazakhstan.",
}
NEW_SOURCE = "https://www.inform.kz/ru/kazahstan-eps-tretiy-etap"


def saved(count: int) -> dict[str, str]:
    return {
        "kk": f"✅ Сақталды. Жаңалық {count} жазылушыға жіберу кезегіне қойылды.",
        "ru": f"✅ Сохранено. Новость поставлена в очередь для {count} подписч",
        "en": f"✅ Saved. The news is queued for {count} subscriber",
    }


# -- helpers ------------------------------------------------------------------------------------


async def person(make_user: UserFactory, locale: str, audience: str = "work") -> SimulatedUser:
    user = make_user(language_code=locale)
    await onboard(user, locale, audience)
    return user


async def staff(make_user: UserFactory, locale: str = "en") -> SimulatedUser:
    admin = make_user(language_code=locale, user_id=ADMIN_ID)
    await onboard(admin, locale)
    return admin


async def open_tracker(user: SimulatedUser) -> None:
    """As from the EPS section's button: the screen replaces the message it is pressed on."""
    await user.press_data(SHOW, message_id=user.last_message.message_id)


async def subscribe(user: SimulatedUser, locale: str) -> None:
    await open_tracker(user)
    await user.press(SUBSCRIBE[locale])


async def update_to_stage_3(admin: SimulatedUser, locale: str, *, source: str | None) -> None:
    """The whole staff dialogue up to the preview."""
    await admin.send("/tracker")
    await admin.press(UPDATE[locale])
    await admin.press("3. ")
    for lang in LOCALES:
        await admin.send(NOTES[lang])
    if source:
        await admin.send(source)
    else:
        await admin.press(KEEP_SOURCE[locale])


def news_to(session: FakeTelegramSession, user_id: int) -> list[str]:
    """News messages that reached the person's chat (a refused send leaves nothing there)."""
    return [
        stored.text
        for (chat_id, _), stored in sorted(session.messages.items())
        if chat_id == user_id and stored.from_bot and stored.text.startswith("📍")
    ]


async def fsm_state(db: Database, user_id: int) -> Any:
    return await db.fetch_value("SELECT state FROM fsm_states WHERE user_id = ?", (user_id,))


# -- the screen and the subscription ------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_screen_shows_stages_date_note_limit_and_source(
    make_user: UserFactory, locale: str
) -> None:
    user = await person(make_user, locale)
    await open_tracker(user)
    text = user.last_text
    assert text.startswith(TITLE[locale])
    for line in STAGE_LINES[locale]:
        assert line in text
    assert LAST_CHANGE_SEED[locale] in text
    assert SEED_NOTE[locale] in text
    assert CANNOT_APPLY[locale] in text
    assert text.rstrip().endswith(SOURCE[locale])
    assert 'href="https://kaz.inform.kz/news/' in user.last_message.text
    assert user.buttons == [
        "🔔 " + SUBSCRIBE[locale],
        BACK[locale],
        "⬅️ "
        + {
            "kk": "Басты мәзір",
            "ru": "Главное меню",
            "en": "Main menu",
        }[locale],
    ]


@pytest.mark.parametrize("locale", LOCALES)
async def test_subscribe_toggles_to_unsubscribe_and_back(
    make_user: UserFactory, db: Database, locale: str
) -> None:
    user = await person(make_user, locale)
    subscriptions = SubscriptionRepository(db)
    await open_tracker(user)
    await user.press(SUBSCRIBE[locale])
    assert user.popups == [SUBSCRIBED_POPUP[locale]]
    assert SUBSCRIBED_LINE[locale] in user.last_text
    assert user.buttons[0] == "🔕 " + STOP[locale]
    assert await subscriptions.is_subscribed(user.user_id, TOPIC)

    await user.press(STOP[locale])
    assert user.popups == [UNSUBSCRIBED_POPUP[locale]]
    assert SUBSCRIBED_LINE[locale] not in user.last_text
    assert user.buttons[0] == "🔔 " + SUBSCRIBE[locale]
    assert not await subscriptions.is_subscribed(user.user_id, TOPIC)
    await user.press(BACK[locale])  # back to the EPS section, which clears nothing of ours
    assert not await subscriptions.is_subscribed(user.user_id, TOPIC)


# -- staff update -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_staff_update_end_to_end_with_preview_and_history(
    make_user: UserFactory, app: App, locale: str
) -> None:
    reader = await person(make_user, "ru")
    await subscribe(reader, "ru")
    admin = await staff(make_user, locale)

    await admin.send("/tracker")
    assert admin.last_text.startswith(STAFF_TITLE[locale])
    assert {"kk": "1 жазылушыға", "ru": "получит 1 подписчик", "en": "goes to 1 subscriber."}[
        locale
    ] in admin.last_text
    assert STAGE_LINES[locale][1] in admin.last_text  # what users see now
    await admin.press(UPDATE[locale])
    assert STEP[1][locale] in admin.last_text
    await admin.press("3. ")
    assert STEP[2][locale] in admin.last_text and "🇰🇿 Қазақша" in admin.last_text
    await admin.send(NOTES["kk"])
    assert STEP[3][locale] in admin.last_text and "🇷🇺 Русский" in admin.last_text
    await admin.send(NOTES["ru"])
    assert STEP[4][locale] in admin.last_text and "🇬🇧 English" in admin.last_text
    await admin.send(NOTES["en"])
    assert STEP[5][locale] in admin.last_text and "kaz.inform.kz" in admin.last_text
    await admin.send(NEW_SOURCE)

    preview = admin.last_text
    for lang in LOCALES:  # exactly the news each subscriber will get
        assert NEWS_TITLE[lang] in preview
        assert "📝 " + NOTES[lang] in preview
        assert LAST_CHANGE_TODAY[lang] in preview
        assert STAGE_LINES[lang][1].replace("⏳", "✅").split(":")[0] in preview
    assert "inform.kz" in preview
    assert len(admin.last_message.text) <= 4096
    before = await app.content.get(FACT_KEY)
    assert parse_accession(before.value).stage == 2  # nothing is written before confirming

    await admin.press(CONFIRM[locale])
    assert admin.last_text.startswith(saved(1)[locale])
    fact = await app.content.get(FACT_KEY)
    assert fact.value == {
        "stage": 3,
        "changed_on": "2026-11-21",
        "note": {lang: NOTES[lang] for lang in LOCALES},
    }
    assert fact.source_url == NEW_SOURCE and fact.updated_by == ADMIN_ID
    versions = await app.content.history(FACT_KEY)
    assert [v.value["stage"] for v in versions] == [3, 2]

    await admin.press(HISTORY[locale])
    history = admin.last_text
    assert history.index(NOTES[locale]) < history.index(SEED_NOTE[locale][2:40])
    assert str(ADMIN_ID) in history and "inform.kz" in history

    # Users see the new status at once.
    await reader.send("/menu")
    await open_tracker(reader)
    assert "⏳ 3. Решение межведомственной комиссии Кореи: идёт" in reader.last_text
    assert "✅ 2. Инспектирование объектов для центра EPS: завершено" in reader.last_text
    assert "📝 " + NOTES["ru"] in reader.last_text
    assert LAST_CHANGE_TODAY["ru"] in reader.last_text
    assert "🔎 Проверено 21 ноября 2026\u202fг. · источник: inform.kz" in reader.last_text


async def test_staff_notes_are_limited_and_escaped_and_links_checked(
    make_user: UserFactory, app: App
) -> None:
    admin = await staff(make_user, "en")
    await admin.send("/tracker")
    await admin.press(UPDATE["en"])
    await admin.send("stage three")  # a button is expected here
    assert admin.last_text.startswith("⚠️ Please use the buttons below.")
    await admin.press("3. ")
    await admin.send("x" * 301)
    assert admin.last_text.startswith("⚠️ That is 301 characters; please keep it to 300.")
    assert STEP[2]["en"] in admin.last_text
    await admin.send_sticker()
    assert admin.last_text.startswith("⚠️ Please send the note as a text message.")
    await admin.send("<b>Комиссия</b> & co")
    await admin.press(KEEP_NOTE["en"])  # Russian: keep the current note
    assert STEP[4]["en"] in admin.last_text
    await admin.send("y" * 300)  # exactly at the limit is fine
    await admin.send("kaz.inform.kz/news")
    assert admin.last_text.startswith("⚠️ That does not look like a link.")
    await admin.send("javascript:alert(1)")
    assert admin.last_text.startswith("⚠️ That does not look like a link.")
    await admin.press(KEEP_SOURCE["en"])
    assert "&lt;b&gt;Комиссия&lt;/b&gt; &amp; co" in admin.last_message.text  # escaped
    assert "📝 <b>Комиссия</b> & co" in admin.last_text  # so shown literally
    await admin.press(CONFIRM["en"])
    fact = await app.content.get(FACT_KEY)
    assert fact.value["note"]["kk"] == "<b>Комиссия</b> & co"  # stored as typed
    assert fact.value["note"]["ru"].startswith("Делегация Министерства занятости")
    assert fact.source_url.startswith("https://kaz.inform.kz/")


async def test_joined_state_and_back_buttons(make_user: UserFactory, app: App) -> None:
    admin = await staff(make_user, "en")
    await admin.send("/tracker")
    await admin.press(UPDATE["en"])
    await admin.press("All three stages passed")
    await admin.send("kk")
    await admin.press(BACK["en"])  # back to the Kazakh note, which is remembered
    assert STEP[2]["en"] in admin.last_text
    await admin.send("Қазақстан EPS жүйесіне қосылды.")
    await admin.send("Казахстан присоединился к EPS.")
    await admin.send("Kazakhstan has joined EPS.")
    await admin.press(KEEP_SOURCE["en"])
    await admin.press(BACK["en"])
    assert STEP[5]["en"] in admin.last_text
    await admin.press(KEEP_SOURCE["en"])
    assert "🎉 Kazakhstan has passed all three stages." in admin.last_text
    assert "Applications through EPS open only after an official announcement" in admin.last_text
    assert "cannot apply through EPS" not in admin.last_text
    await admin.press(CONFIRM["en"])
    assert parse_accession((await app.content.get(FACT_KEY)).value).stage == JOINED


STEPS_BEFORE_CANCEL = ["stage", "kk", "ru", "en", "source", "preview"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("step", STEPS_BEFORE_CANCEL)
async def test_cancel_at_every_step_changes_nothing(
    make_user: UserFactory, app: App, db: Database, locale: str, step: str
) -> None:
    admin = await staff(make_user, locale)
    await admin.send("/tracker")
    await admin.press(UPDATE[locale])
    if step != "stage":
        await admin.press("1. ")
        for lang in ("kk", "ru", "en"):
            if step == lang:
                break
            await admin.send(NOTES[lang])
        if step == "preview":
            await admin.send(NEW_SOURCE)
    await admin.press(CANCEL[locale])
    assert admin.last_text.startswith(CANCELLED[locale])
    assert STAFF_TITLE[locale] in admin.last_text
    assert await fsm_state(db, ADMIN_ID) is None
    assert len(await app.content.history(FACT_KEY)) == 1
    assert parse_accession((await app.content.get(FACT_KEY)).value).stage == 2


async def test_confirm_without_a_change_saves_and_sends_nothing(
    make_user: UserFactory, app: App, session: FakeTelegramSession
) -> None:
    reader = await person(make_user, "en")
    await subscribe(reader, "en")
    admin = await staff(make_user, "en")
    await admin.send("/tracker")
    await admin.press(UPDATE["en"])
    await admin.press("2. ")
    for _ in range(3):
        await admin.press(KEEP_NOTE["en"])
    await admin.press(KEEP_SOURCE["en"])
    await admin.press(CONFIRM["en"])
    assert admin.last_text.startswith("Nothing has changed, so nothing was saved")
    assert len(await app.content.history(FACT_KEY)) == 1
    await app.reminders.run_due()
    assert news_to(session, reader.user_id) == []


@pytest.mark.parametrize("locale", LOCALES)
async def test_regular_users_cannot_use_the_staff_tracker(
    make_user: UserFactory, app: App, locale: str
) -> None:
    user = await person(make_user, locale)
    await user.send("/tracker")
    assert user.last_text == REFUSAL[locale]
    for action in ("tracker_edit", "tracker_stage_3", "tracker_confirm", "tracker_history"):
        await user.press_data(
            StaffCb(action=action).pack(), message_id=user.last_message.message_id
        )
        assert user.popups == [REFUSAL[locale]]
    await user.send("Stage 3 now!")  # no dialogue was started for them
    assert len(await app.content.history(FACT_KEY)) == 1


async def test_dialogue_buttons_after_the_dialogue_are_out_of_date(
    make_user: UserFactory, app: App, session: FakeTelegramSession
) -> None:
    reader = await person(make_user, "kk")
    await subscribe(reader, "kk")
    admin = await staff(make_user, "kk")
    await update_to_stage_3(admin, "kk", source=None)
    preview_id = admin.last_message.message_id
    confirm = StaffCb(action="tracker_confirm").pack()
    # A double tap: aiogram handles both presses at once; only one may publish.
    await asyncio.gather(
        admin.press_data(confirm, message_id=preview_id),
        admin.press_data(confirm, message_id=preview_id),
    )
    await admin.press_data(confirm, message_id=preview_id)
    assert admin.popups == [OUTDATED["kk"]]
    await admin.press_data(StaffCb(action="tracker_stage_1").pack(), message_id=preview_id)
    assert admin.popups == [OUTDATED["kk"]]
    assert len(await app.content.history(FACT_KEY)) == 2
    await app.reminders.run_due()
    assert len(news_to(session, reader.user_id)) == 1


# -- news to subscribers ------------------------------------------------------------------------


async def test_each_subscriber_gets_the_news_once_in_their_language(
    make_user: UserFactory, app: App, session: FakeTelegramSession, db: Database
) -> None:
    readers = {locale: await person(make_user, locale) for locale in LOCALES}
    for locale, reader in readers.items():
        await subscribe(reader, locale)
    blocked_earlier = await person(make_user, "ru")  # a past message told us they blocked us
    await subscribe(blocked_earlier, "ru")
    await app.users.mark_blocked(blocked_earlier.user_id, now=1)
    blocks_now = await person(make_user, "en")  # blocks the bot before the news goes out
    await subscribe(blocks_now, "en")
    left = await person(make_user, "kk")
    await subscribe(left, "kk")
    await left.press(STOP["kk"])
    bystander = await person(make_user, "en")  # never subscribed

    admin = await staff(make_user, "en")
    await update_to_stage_3(admin, "en", source=NEW_SOURCE)
    assert "It will be sent to 4 subscribers." in admin.last_text
    await admin.press(CONFIRM["en"])
    assert admin.last_text.startswith(saved(4)["en"])

    session.fail("sendMessage", 403, chat_id=blocks_now.user_id)
    assert await app.reminders.run_due() == 4
    for locale, reader in readers.items():
        (news,) = news_to(session, reader.user_id)
        text = plain(news)
        assert text.startswith(NEWS_TITLE[locale])
        assert "📝 " + NOTES[locale] in text
        assert "⏳ 3. " in text and LAST_CHANGE_TODAY[locale] in text
        assert CANNOT_APPLY[locale] in text
        assert "inform.kz" in text
        assert reader.buttons == [UNSUBSCRIBE[locale], OPEN[locale]]
    for other in (blocked_earlier, blocks_now, left, bystander):
        assert news_to(session, other.user_id) == []
    blocked = await app.users.get(blocks_now.user_id)
    assert blocked is not None and blocked.blocked_at is not None
    assert await app.reminders.run_due() == 0  # nothing twice

    # Unsubscribe with one press under the news: the news stays, the button flips.
    ru = readers["ru"]
    await ru.press(UNSUBSCRIBE["ru"])
    assert ru.popups == [UNSUBSCRIBED_POPUP["ru"]]
    assert ru.last_text.startswith(NEWS_TITLE["ru"])
    assert ru.buttons == [SUBSCRIBE_AGAIN["ru"], OPEN["ru"]]
    assert not await SubscriptionRepository(db).is_subscribed(ru.user_id, TOPIC)
    await ru.press(SUBSCRIBE_AGAIN["ru"])
    assert ru.popups == [SUBSCRIBED_POPUP["ru"]]
    assert ru.buttons == [UNSUBSCRIBE["ru"], OPEN["ru"]]
    assert await SubscriptionRepository(db).is_subscribed(ru.user_id, TOPIC)

    # "Open tracker" adds the screen below the news rather than replacing it.
    kk = readers["kk"]
    news_id = kk.last_message.message_id
    await kk.press(OPEN["kk"])
    assert kk.last_message.message_id > news_id
    assert kk.last_text.startswith(TITLE["kk"]) and SUBSCRIBED_LINE["kk"] in kk.last_text
    assert plain(session.messages[(kk.user_id, news_id)].text).startswith(NEWS_TITLE["kk"])
    assert await app.reminders.repo.count_pending_for_user(kk.user_id) == 0
    assert NEWS_KIND not in app.reminders.listed_kinds  # not in /reminders


async def test_news_waits_for_the_morning_and_a_newer_change_replaces_it(
    make_user: UserFactory, app: App, session: FakeTelegramSession, clock: ManualClock
) -> None:
    worker = await person(make_user, "ru", "work")  # Seoul
    family = await person(make_user, "kk", "family")  # Almaty
    for reader, locale in ((worker, "ru"), (family, "kk")):
        await subscribe(reader, locale)
    admin = await staff(make_user, "en")
    clock.advance(4 * 3600)  # 14:00 UTC: 23:00 in Seoul, 19:00 in Almaty
    await update_to_stage_3(admin, "en", source=None)
    await admin.press(CONFIRM["en"])
    assert await app.reminders.run_due() == 1
    assert len(news_to(session, family.user_id)) == 1
    assert news_to(session, worker.user_id) == []  # quiet hours in Seoul

    # A correction the same evening: the worker gets only the corrected news in the morning.
    await admin.send("/tracker")
    await admin.press(UPDATE["en"])
    await admin.press("3. ")
    await admin.send(NOTES["kk"])
    await admin.send("Комиссия рассмотрит вопрос о Казахстане в декабре.")
    await admin.send(NOTES["en"])
    await admin.press(KEEP_SOURCE["en"])
    await admin.press(CONFIRM["en"])
    assert await app.reminders.run_due() == 1  # family again, at once
    clock.advance(9 * 3600)  # 23:00 UTC: 08:00 in Seoul
    assert await app.reminders.run_due() == 1
    (news,) = news_to(session, worker.user_id)
    assert "Комиссия рассмотрит вопрос о Казахстане в декабре." in news
    assert len(news_to(session, family.user_id)) == 2


async def test_unsubscribing_before_the_morning_cancels_queued_news(
    make_user: UserFactory, app: App, session: FakeTelegramSession, clock: ManualClock
) -> None:
    worker = await person(make_user, "en", "work")
    await subscribe(worker, "en")
    admin = await staff(make_user, "en")
    clock.advance(4 * 3600)
    await update_to_stage_3(admin, "en", source=None)
    await admin.press(CONFIRM["en"])
    await worker.send("/menu")
    await open_tracker(worker)
    await worker.press(STOP["en"])
    clock.advance(9 * 3600)
    assert await app.reminders.run_due() == 0
    assert news_to(session, worker.user_id) == []


# -- restarts -----------------------------------------------------------------------------------


async def test_restart_in_the_middle_of_the_staff_dialogue_keeps_its_place(
    make_user: UserFactory,
    restart: Restart,
    bot: Bot,
    session: FakeTelegramSession,
) -> None:
    admin = await staff(make_user, "ru")
    await admin.send("/tracker")
    await admin.press(UPDATE["ru"])
    await admin.press("3. ")
    await admin.send(NOTES["kk"])
    assert STEP[3]["ru"] in admin.last_text

    new_app = await restart(downtime=600)
    again = SimulatedUser(new_app.dispatcher, bot, session, user_id=ADMIN_ID, language_code="ru")
    await again.send(NOTES["ru"])
    assert STEP[4]["ru"] in again.last_text
    await again.send(NOTES["en"])
    await again.press(KEEP_SOURCE["ru"])
    assert "📝 " + NOTES["kk"] in again.last_text  # the note typed before the restart
    await again.press(CONFIRM["ru"])
    fact = await new_app.content.get(FACT_KEY)
    assert fact.value["note"] == NOTES and fact.value["stage"] == 3


async def test_restart_after_confirm_sends_each_news_exactly_once(
    make_user: UserFactory,
    app: App,
    restart: Restart,
    session: FakeTelegramSession,
) -> None:
    first = await person(make_user, "kk")
    second = await person(make_user, "en")
    for reader, locale in ((first, "kk"), (second, "en")):
        await subscribe(reader, locale)
    admin = await staff(make_user, "en")
    await update_to_stage_3(admin, "en", source=None)
    await admin.press(CONFIRM["en"])

    # One goes out, then the bot stops before the other: a restart sends the rest, once.
    armed = sorted((fire_at, rid) for rid, fire_at in app.reminders.store._fire_at.items())
    assert len(armed) == 2
    await app.reminders.deliver(armed[0][1])
    new_app = await restart(downtime=60)
    assert await new_app.reminders.run_due() == 1
    assert len(news_to(session, first.user_id)) == 1
    assert len(news_to(session, second.user_id)) == 1

    newer = await restart(downtime=60)
    assert await newer.reminders.run_due() == 0
    assert len(news_to(session, first.user_id)) + len(news_to(session, second.user_id)) == 2
    counts = await newer.reminders.repo.count_by_status()
    # Each news item sent once; the one pending reminder is the admin's weekly re-check digest.
    assert counts == {ReminderStatus.SENT.value: 2, ReminderStatus.PENDING.value: 1}
    assert len(await newer.reminders.repo.pending_of_kind_prefix(ADMIN_ID, "staff.")) == 1


# -- data rights --------------------------------------------------------------------------------


async def test_deleting_my_data_removes_the_subscription(
    make_user: UserFactory, db: Database
) -> None:
    user = await person(make_user, "en")
    await subscribe(user, "en")
    await user.send("/deletemydata")
    await user.press("Yes")
    count = await db.fetch_value(
        "SELECT COUNT(*) FROM subscriptions WHERE user_id = ?", (user.user_id,)
    )
    assert count == 0


MYDATA_LINE = {
    "kk": "• Қазақстан және EPS туралы жаңалықтарға жазылу",
    "ru": "• Подписка на новости о Казахстане и EPS",
    "en": "• Subscription to news on Kazakhstan and EPS",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_mydata_lists_the_subscription_only_while_it_exists(
    make_user: UserFactory, locale: str
) -> None:
    user = await person(make_user, locale)
    await user.send("/mydata")
    assert MYDATA_LINE[locale] not in user.last_text
    await subscribe(user, locale)
    await user.send("/mydata")
    assert MYDATA_LINE[locale] in user.last_text
    await open_tracker(user)
    await user.press(STOP[locale])
    await user.send("/mydata")
    assert MYDATA_LINE[locale] not in user.last_text


# -- pure rules ---------------------------------------------------------------------------------


def test_stage_states() -> None:
    assert [stage_state(n, 2) for n in (1, 2, 3)] == [
        StageState.DONE,
        StageState.CURRENT,
        StageState.AHEAD,
    ]
    assert [stage_state(n, JOINED) for n in (1, 2, 3)] == [StageState.DONE] * 3
    value = {"stage": 9, "changed_on": "2026-01-21", "note": {"en": "x", "de": "y"}}
    accession = parse_accession(value)
    assert accession.stage == JOINED and accession.joined and dict(accession.note) == {"en": "x"}
    assert accession.changed_on == date(2026, 1, 21)
    assert same_status(value, {**value, "changed_on": "2026-11-21"})
    assert not same_status(value, {**value, "stage": 3})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://kaz.inform.kz/news/x", "https://kaz.inform.kz/news/x"),
        ("  http://hrdkorea.kr/ENG/4/2 ", "http://hrdkorea.kr/ENG/4/2"),
        ("kaz.inform.kz", None),
        ("https://localhost/x", None),
        ("https://a.kz/x y", None),
        ("ftp://a.kz/x", None),
        ("https://a.kz/" + "x" * 600, None),
        (None, None),
    ],
)
def test_source_links(text: str | None, expected: str | None) -> None:
    assert parse_source_url(text) == expected


def test_fan_out_spreads_fire_times_at_the_pace_and_respects_quiet_hours() -> None:
    now = int(START) + 4 * 3600  # 14:00 UTC: 19:00 in Almaty, 23:00 in Seoul

    def plan(due_at: int, zone: str) -> int:
        return plan_fire_time(due_at, zone, urgent=False, quiet=QuietHours())

    recipients = [Recipient(i, None, "family") for i in range(60)]
    recipients.append(Recipient(99, "Asia/Seoul", None))
    payload: dict[str, Any] = {"value": {}}
    rows = plan_news(recipients, payload, now=now, plan=plan, per_second=25)
    assert [r.fire_at - now for r in rows[:60:25]] == [0, 1, 2]
    assert all(r.payload is payload and not r.urgent and r.due_at == now for r in rows)
    assert rows[-1].fire_at == now + 9 * 3600  # 08:00 in Seoul


async def test_a_new_stage_with_the_old_note_asks_for_an_explicit_confirmation(
    make_user: UserFactory, app: App
) -> None:
    admin = await staff(make_user, "en")
    await admin.send("/tracker")
    await admin.press(UPDATE["en"])
    await admin.press("All three stages passed")
    for _ in range(3):
        await admin.press(KEEP_NOTE["en"])  # the January notes, under "all passed"
    await admin.press(KEEP_SOURCE["en"])
    text = admin.last_text
    assert text.startswith("⚠️ The status changed, but you kept the note in 🇰🇿 Қазақша, the note")
    assert "the source as it was" in text
    assert admin.buttons[0] == "✅ Confirm and notify: what I kept is still right"
    await admin.press(BACK["en"])  # back to the source: a new one clears the warning for it
    await admin.send(NEW_SOURCE)
    assert "the source as it was" not in admin.last_text


async def test_history_says_which_clock_its_times_are_in(make_user: UserFactory) -> None:
    admin = await staff(make_user, "ru")
    await admin.send("/tracker")
    await admin.press(HISTORY["ru"])
    assert "Время: Сеул (UTC+9)" in admin.last_text
