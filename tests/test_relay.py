"""✉️ Ask a person: a question becomes a ticket in the staff chat, a staff answer reaches the
person with the ticket's number, and nothing is lost on the way (docs/relay.md).

Everything runs through the real Dispatcher and the fake Bot API: the person in a private
chat (`SimulatedUser`), staff in the staff chat (`GroupMember`), in a plain group (answers are
replies) and in a forum (a topic per ticket)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from aiogram import Bot
from aiogram.methods import (
    CreateForumTopic,
    DeleteForumTopic,
    DeleteMessage,
    SendMessage,
    SendPhoto,
    SetMessageReaction,
    SetMyCommands,
)
from aiogram.types import BotCommandScopeChat

from bot.app import App
from bot.clock import ManualClock
from bot.config import Settings
from bot.offline.fakeapi import FakeTelegramSession, StoredMessage
from bot.offline.simuser import GroupMember, SimulatedUser, plain
from bot.relay.rules import MAX_NEW_PER_DAY, MAX_OPEN_TICKETS, MAX_TEXT_CHARS
from storage.db import Database
from storage.tickets import Delivery, Direction
from tests.conftest import Restart, UserFactory, onboard

STAFF_CHAT = -1001234567890
LOCALES = ["kk", "ru", "en"]
HOUR = 3600
DAY = 24 * HOUR

ANON = {"kk": "🙈 Атымсыз жіберу", "ru": "🙈 Отправить без имени", "en": "🙈 Send without my name"}
NAMED = {"kk": "👤 Атыммен жіберу", "ru": "👤 Отправить с именем", "en": "👤 Send with my name"}
PROMPT = {
    "kk": "✉️ Адамнан сұрау, 2 қадамның 1-қадамы",
    "ru": "✉️ Спросить человека, шаг 1 из 2",
    "en": "✉️ Ask a person, step 1 of 2",
}
PASSPORT_WARNING = {
    "kk": "Паспорттың, жеке куәліктің немесе банк картасының нөмірін ешқашан жібермеңіз",
    "ru": "Никогда не присылайте номера паспорта",
    "en": "Never send passport, ID card or bank card numbers",
}
RECEIVED = {
    "kk": "✅ #{id} сұрақ қабылданды.",
    "ru": "✅ Вопрос #{id} получен.",
    "en": "✅ Question #{id} received.",
}
ANSWER = {
    "kk": "💬 #{id} сұрағыңызға жауап",
    "ru": "💬 Ответ на ваш вопрос #{id}",
    "en": "💬 Answer to your question #{id}",
}
REPLY = {"kk": "↩️ Жауап беру", "ru": "↩️ Ответить", "en": "↩️ Reply"}
CLOSE = {"kk": "✅ Сұрақты жабу", "ru": "✅ Закрыть вопрос", "en": "✅ Close question"}
SENT = {
    "kk": "✅ Қызметкерлерге жіберілді: #{id} сұрақ.",
    "ru": "✅ Отправлено сотрудникам: вопрос #{id}.",
    "en": "✅ Sent to staff: question #{id}.",
}
CLOSED = {
    "kk": "✅ #{id} сұрақ жабылды.",
    "ru": "✅ Вопрос #{id} закрыт.",
    "en": "✅ Question #{id} is closed.",
}
STAFF_CLOSED = {
    "kk": "🔒 Қызметкерлер #{id} сұрағыңызды жапты.",
    "ru": "🔒 Сотрудники закрыли ваш вопрос #{id}.",
    "en": "🔒 Staff closed your question #{id}.",
}
TOO_FEW = {
    "kk": "⏱ Қызметкерлер қаншалықты тез жауап беретінін әзірге айта алмаймын",
    "ru": "⏱ Пока не могу сказать, как скоро ответят сотрудники",
    "en": "⏱ I cannot tell yet how soon staff answer",
}
MEDIAN_3H = {
    "kk": "⏱ Қызметкерлер әдетте шамамен 3 сағат ішінде жауап береді (соңғы 30 күннің медианасы).",
    "ru": "⏱ Обычный срок ответа сотрудников: около 3 часов (медиана за последние 30 дней).",
    "en": "⏱ Staff usually answer within about 3 hours (the median of the last 30 days).",
}
BLOCKED = {
    "kk": "Кешіріңіз: қызметкерлер бұл чаттан сұрақ қабылдауды тоқтатты.",
    "ru": "Простите: сотрудники отключили вопросы из этого чата.",
    "en": "I am sorry: staff have turned off questions from this chat.",
}
TOO_MANY_OPEN = {
    "kk": "Сізде 3 ашық сұрақ бар",
    "ru": "У вас 3 открытых вопроса",
    "en": "You have 3 open questions",
}
TOO_MANY_TODAY = {
    "kk": "Соңғы 24 сағатта 5 жаңа сұрақ қойдыңыз",
    "ru": "За последние 24 часа вы задали 5 новых вопросов",
    "en": "You have asked 5 new questions in the last 24 hours",
}
URGENT = {
    "kk": "🆘 Іс шұғыл болса",
    "ru": "🆘 Если дело срочное",
    "en": "🆘 If it is urgent",
}
CONTACTS = {"kk": "☎️ Байланыстар", "ru": "☎️ Контакты", "en": "☎️ Contacts"}
MY_QUESTIONS = {"kk": "📋 Менің сұрақтарым", "ru": "📋 Мои вопросы", "en": "📋 My questions"}
QUESTION = {
    "kk": "Визаны қалай ұзартамын?",
    "ru": "Как продлить визу?",
    "en": "How do I extend my visa?",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, staff_chat_id=STAFF_CHAT)


@pytest.fixture
def staff(app: App, bot: Bot, session: FakeTelegramSession) -> GroupMember:
    return GroupMember(app.dispatcher, bot, session, chat_id=STAFF_CHAT)


@pytest.fixture
def forum(session: FakeTelegramSession) -> None:
    session.make_forum(STAFF_CHAT)


async def person(make_user: UserFactory, locale: str, audience: str = "work") -> SimulatedUser:
    user = make_user(language_code=locale)
    await onboard(user, locale, audience)
    return user


async def ask(
    user: SimulatedUser, locale: str, text: str | None = None, *, named: bool = False
) -> int:
    """Ask through /ask; the ticket's number."""
    await user.send("/ask")
    await user.send(text or QUESTION[locale])
    await user.press(NAMED[locale] if named else ANON[locale])
    first_line = user.last_text.split("\n")[0]
    return int(first_line.split("#")[1].split()[0].rstrip("."))


def posts(staff: GroupMember, number: int) -> list[StoredMessage]:
    """The bot's ticket posts for ticket `number` in the staff chat."""

    def of_ticket(message: StoredMessage) -> bool:
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        data = [b.get("callback_data", "") for row in rows for b in row]
        return any(d.startswith("tkt:") and d.split(":")[2] == str(number) for d in data)

    return [m for m in staff.bot_messages() if m.text.startswith("🎫") and of_ticket(m)]


def header(staff: GroupMember, number: int) -> StoredMessage:
    found = posts(staff, number)
    assert len(found) == 1, f"{len(found)} posts of #{number}"
    return found[0]


def calls_to_staff(session: FakeTelegramSession, method: type) -> list:
    return [c for c in session.calls_of(method) if getattr(c, "chat_id", None) == STAFF_CHAT]


# -- the round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_round_trip_with_replies(
    make_user: UserFactory, staff: GroupMember, session: FakeTelegramSession, locale: str
) -> None:
    user = await person(make_user, locale)
    await user.send("/ask")
    assert user.last_text.startswith(PROMPT[locale])
    assert PASSPORT_WARNING[locale] in user.last_text
    assert TOO_FEW[locale] in user.last_text  # honest: nothing to estimate from yet
    await user.send(QUESTION[locale])
    await user.press(ANON[locale])
    assert user.last_text.startswith(RECEIVED[locale].format(id=1))

    post = header(staff, 1)  # a plain group: no topic, one post staff reply to
    assert calls_to_staff(session, CreateForumTopic)  # tried once, the chat said "not a forum"
    assert post.thread_id is None
    text = plain(post.text)
    assert QUESTION[locale] in text
    assert {"kk": "🇰🇿 Қазақша", "ru": "🇷🇺 Русский", "en": "🇬🇧 English"}[locale] in text
    assert "Кореяда жұмыс істейді" in text  # who they are; the staff chat speaks DEFAULT_LOCALE
    assert "анонимді" in text and "Aigerim" not in text  # anonymous by default
    assert "🔒" in " ".join(staff.buttons(post.message_id))

    await staff.send("Сәлем! <b>HiKorea</b> арқылы", reply_to=post.message_id)
    assert user.last_text.startswith(ANSWER[locale].format(id=1))
    assert "Сәлем! <b>HiKorea</b> арқылы" in user.last_text  # typed text, not markup
    assert REPLY[locale] in user.buttons and CLOSE[locale] in user.buttons
    reactions = session.calls_of(SetMessageReaction)
    assert reactions and reactions[-1].chat_id == STAFF_CHAT  # 👍: it reached the person

    # A follow-up with "↩️ Reply": posted as a reply to the ticket's post.
    await user.press(REPLY[locale])
    await user.send("Рахмет! Ал төлем қанша?")
    assert user.last_text.startswith(SENT[locale].format(id=1))
    follow_up = staff.last_message
    assert "Рахмет! Ал төлем қанша?" in follow_up.text and follow_up.reply_to == post.message_id

    # A staff reply to that follow-up answers the same ticket; a Telegram reply to the answer
    # continues it.
    await staff.send("200 000 вон.", reply_to=follow_up.message_id)
    answer = user.last_message
    assert answer.text.startswith(f"💬 <b>{ANSWER[locale].format(id=1)[2:]}</b>")
    await user.reply(answer.message_id, "Түсіндім")
    assert user.last_text.startswith(SENT[locale].format(id=1))
    assert "Түсіндім" in staff.last_message.text

    # The person closes it: staff see it under the post, and the post says so.
    await user.press(CLOSE[locale], message_id=answer.message_id)
    assert CLOSED[locale].format(id=1) in user.last_text
    assert "#1: адам сұрақты жапты." in staff.last_text
    assert "🔒 Жабылды." in plain(header(staff, 1).text)
    assert len(posts(staff, 1)) == 1 and len(header(staff, 1).text) < 4096


@pytest.mark.parametrize("locale", LOCALES)
async def test_round_trip_in_a_forum(
    make_user: UserFactory,
    staff: GroupMember,
    session: FakeTelegramSession,
    forum: None,
    locale: str,
) -> None:
    user = await person(make_user, locale, "family")
    number = await ask(user, locale, named=True)
    created = calls_to_staff(session, CreateForumTopic)
    assert len(created) == 1 and created[0].name.startswith(f"#{number} · {locale} · ")
    post = header(staff, number)
    assert post.thread_id is not None and post.thread_id in session.topics[STAFF_CHAT]
    assert "Aigerim" in plain(post.text)  # the person chose to show their name
    assert "Кореядағы жұмысшының туысы" in plain(post.text)

    # Any message in the topic answers: no reply needed.
    await staff.send("Жауап осы жерде.", thread_id=post.thread_id)
    assert user.last_text.startswith(ANSWER[locale].format(id=number))
    await user.press(REPLY[locale])
    await user.send("Тағы бір сұрақ")
    assert staff.last_message.thread_id == post.thread_id  # the follow-up is in the topic

    # /close without a number, in the topic, closes this ticket; the person is told.
    await staff.send("/close", thread_id=post.thread_id)
    assert user.last_text.startswith(STAFF_CLOSED[locale].format(id=number))
    await staff.send("Кешігіп жазылған жауап", thread_id=post.thread_id)
    assert "🔒" in staff.last_text  # closed: not passed on, and staff are told
    assert not user.last_text.startswith(ANSWER[locale].format(id=number))


async def test_a_photo_question_and_a_photo_answer(
    make_user: UserFactory, staff: GroupMember, session: FakeTelegramSession
) -> None:
    user = await person(make_user, "ru")
    await user.send("/ask")
    await user.send_photo()  # no caption: kept, and the words asked for
    assert "Фото у меня" in user.last_text
    await user.send("Что написано в этом письме?")
    assert "📷 С вашим фото." in user.last_text
    await user.press(ANON["ru"])
    post = header(staff, 1)
    photo = staff.last_message
    assert photo.media_kind == "photo" and photo.reply_to == post.message_id
    assert "Что написано в этом письме?" in post.text

    await staff.send_photo("Вот образец", reply_to=post.message_id)
    sent = [c for c in session.calls_of(SendPhoto) if c.chat_id == user.user_id]
    assert len(sent) == 1 and sent[0].photo == "AgACAgIAAxkBAAStaff"
    assert any("Вот образец" in plain(m.text) for m in user.bot_messages())


async def test_ticket_numbers_and_the_list_for_staff(
    make_user: UserFactory, staff: GroupMember, clock: ManualClock
) -> None:
    first = await person(make_user, "kk")
    await ask(first, "kk")
    clock.advance(2 * HOUR)
    second = await person(make_user, "en", "other")
    assert await ask(second, "en") == 2
    await staff.send("/tickets")
    listing = staff.last_text
    assert "Ашық сұрақтар: 2" in listing
    assert "#1 · kk · Кореяда жұмыс істейді · 2 сағат бұрын · ⏳ жауап күтуде" in listing
    assert "#2 · en · басқа · жаңа ғана" in listing
    assert "https://t.me/c/1234567890/" in staff.last_message.text  # linked to the post

    await staff.send("/close 1")
    assert first.last_text.startswith(STAFF_CLOSED["kk"].format(id=1))
    await staff.send("/close 1")
    assert staff.last_text == "#1 әлдеқашан жабылған."
    await staff.send("/close 99")
    assert staff.last_text.startswith("#99 сұрақ жоқ")
    await staff.send("/close abc")
    assert staff.last_text.startswith("/close пәрменін")
    await staff.press("🔒", message_id=header(staff, 2).message_id)
    assert staff.popups == ["🔒 #2 жабылды."]
    assert second.last_text.startswith(STAFF_CLOSED["en"].format(id=2))
    await staff.send("/tickets")
    assert staff.last_text == "🎫 Ашық сұрақтар жоқ."


async def test_staff_answers_that_cannot_be_passed_on(
    make_user: UserFactory, staff: GroupMember
) -> None:
    user = await person(make_user, "ru")
    await ask(user, "ru")
    post = header(staff, 1)
    before = len(user.bot_messages())
    await staff.send_sticker(reply_to=post.message_id)
    assert staff.last_text.startswith("⚠️ Жіберілмеді: мен тек мәтінді")
    await staff.send("x" * (MAX_TEXT_CHARS + 1), reply_to=post.message_id)
    assert staff.last_text.startswith(f"⚠️ Жіберілмеді: {MAX_TEXT_CHARS + 1} таңба")
    await staff.send("Бұл жай әңгіме")  # not a reply to anything of a ticket: not an answer
    assert len(user.bot_messages()) == before


# -- the person's side: bad input, drafts, limits, blocks -----------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_bad_input_keeps_the_place_and_the_draft(
    make_user: UserFactory, staff: GroupMember, locale: str
) -> None:
    user = await person(make_user, locale)
    await user.send("/ask")
    await user.send_sticker()
    assert user.last_text.startswith("⚠️") and PROMPT[locale] in user.last_text
    await user.send("   ")
    assert user.last_text.startswith("⚠️")
    await user.send("x" * (MAX_TEXT_CHARS + 5))
    assert str(MAX_TEXT_CHARS + 5) in user.last_text and str(MAX_TEXT_CHARS) in user.last_text
    assert len(user.last_text) < 400
    await user.send(QUESTION[locale])
    await user.send("something typed at the name step")
    assert user.last_text.startswith("⚠️")  # use the buttons; the draft stays
    await user.press({"kk": "⬅️ Артқа", "ru": "⬅️ Назад", "en": "⬅️ Back"}[locale])
    assert QUESTION[locale] in user.last_text  # the draft, offered again
    await user.send("/help")
    await user.press("↩️")  # "Continue": back at the step, draft and all
    assert QUESTION[locale] in user.last_text
    await user.press(
        {"kk": "✅ Осы мәтінді", "ru": "✅ Отправить этот", "en": "✅ Send this"}[locale]
    )
    await user.press(ANON[locale])
    assert user.last_text.startswith(RECEIVED[locale].format(id=1))
    assert QUESTION[locale] in header(staff, 1).text


async def test_a_question_typed_to_the_faq_is_the_draft(
    make_user: UserFactory, staff: GroupMember
) -> None:
    user = await person(make_user, "en")
    await user.send("my boss did not pay my salary for two months")  # the FAQ's search
    await user.press("ask a person")  # under the FAQ's results
    assert "my boss did not pay my salary" in user.last_text
    await user.press("✅ Send this text")
    await user.press(ANON["en"])
    assert "my boss did not pay my salary" in header(staff, 1).text


async def test_double_press_makes_one_ticket(
    make_user: UserFactory, staff: GroupMember, db: Database
) -> None:
    user = await person(make_user, "en")
    await user.send("/ask")
    await user.send(QUESTION["en"])
    identity = user.last_message.message_id
    await user.press(ANON["en"], message_id=identity)
    await user.press_data("ask:anon:0", message_id=identity)
    assert user.popups == ["This button is out of date."]
    assert await db.fetch_value("SELECT COUNT(*) FROM tickets") == 1


@pytest.mark.parametrize("locale", LOCALES)
async def test_limits_per_person(
    make_user: UserFactory, staff: GroupMember, clock: ManualClock, locale: str
) -> None:
    user = await person(make_user, locale)
    for number in range(1, MAX_OPEN_TICKETS + 1):
        assert await ask(user, locale, f"{QUESTION[locale]} {number}") == number
    await user.send("/ask")
    assert user.last_text.startswith(TOO_MANY_OPEN[locale])
    assert URGENT[locale] in user.last_text
    assert CONTACTS[locale] in user.buttons and MY_QUESTIONS[locale] in user.buttons
    await user.press(CONTACTS[locale])
    assert "112" in user.last_text  # the emergency numbers, one tap away

    # Closing one makes room; five new ones in 24 hours is the other limit.
    await staff.send("/close 1")
    await staff.send("/close 2")
    await staff.send("/close 3")
    clock.advance(HOUR)
    await ask(user, locale)
    await staff.send("/close 4")
    await ask(user, locale)
    await staff.send("/close 5")
    await user.send("/ask")
    assert user.last_text.startswith(TOO_MANY_TODAY[locale])
    again = {
        "kk": "2026 ж. 22 қараша, 19:00",
        "ru": "22 ноября 2026 г., 19:00",
        "en": "22 November 2026, 19:00",
    }[locale]
    # When the first of the five leaves the window, in the person's (Seoul) time.
    assert again in user.last_text.replace("\u202f", " ")
    assert MAX_NEW_PER_DAY == 5
    clock.advance(DAY - HOUR + 1)
    await user.send("/ask")
    assert user.last_text.startswith(PROMPT[locale])


@pytest.mark.parametrize("locale", LOCALES)
async def test_block_and_unblock(make_user: UserFactory, staff: GroupMember, locale: str) -> None:
    user = await person(make_user, locale)
    await ask(user, locale)
    post = header(staff, 1)
    await staff.press("🚫", message_id=post.message_id)
    assert staff.popups == ["🚫 Бұғатталды. Болдырмау: ✅ Бұғаттан шығару."]
    assert "бұғатталған" in plain(header(staff, 1).text)
    assert "✅ Бұғаттан шығару" in staff.buttons(post.message_id)

    await user.send("/ask")
    assert user.last_text.startswith(BLOCKED[locale])
    assert "112" in user.last_text and "1345" in user.last_text  # the contacts screen
    assert len(user.last_text) <= 1200
    await staff.send("Бұл жауап бәрібір жетеді", reply_to=post.message_id)
    answer = user.last_message  # staff may still answer the open ticket
    await user.press(REPLY[locale], message_id=answer.message_id)
    assert user.last_text.startswith(BLOCKED[locale])  # but no follow-ups
    await user.reply(answer.message_id, "spam spam")
    assert user.last_text.startswith(BLOCKED[locale])

    await staff.send("/block 1")
    assert staff.last_text == "#1 авторы әлдеқашан бұғатталған."
    await staff.send("/unblock 1")
    assert "бұғаттан шығарды" in staff.last_text
    await user.send("/ask")
    assert user.last_text.startswith(PROMPT[locale])
    await staff.send("/unblock 1")
    assert staff.last_text == "#1 авторы бұғатталмаған."


# -- nothing is lost ---------------------------------------------------------------------------


async def test_staff_chat_unreachable_then_back_posts_once(
    make_user: UserFactory,
    app: App,
    staff: GroupMember,
    session: FakeTelegramSession,
    clock: ManualClock,
) -> None:
    session.fail(
        None,
        403,
        "Forbidden: bot was kicked from the supergroup chat",
        chat_id=STAFF_CHAT,
        times=1000,
    )
    user = await person(make_user, "ru")
    await ask(user, "ru")
    assert user.last_text.startswith(RECEIVED["ru"].format(id=1))  # told it arrived
    assert posts(staff, 1) == []
    second = await person(make_user, "kk")
    await ask(second, "kk")  # waits behind the backoff: not even tried
    clock.advance(60)
    await app.relay.run_due()
    assert posts(staff, 1) == [] and posts(staff, 2) == []

    session.clear_faults()
    await app.relay.run_due()  # the backoff has not passed: still waiting
    assert posts(staff, 1) == []
    clock.advance(3600)
    await app.relay.run_due()
    assert len(posts(staff, 1)) == 1 and len(posts(staff, 2)) == 1
    clock.advance(3600)
    await app.relay.run_due()
    assert len(posts(staff, 1)) == 1 and len(posts(staff, 2)) == 1  # once, not twice


async def test_the_bot_added_back_posts_at_once(
    make_user: UserFactory, app: App, staff: GroupMember, session: FakeTelegramSession
) -> None:
    session.fail(
        None,
        403,
        "Forbidden: bot was kicked from the supergroup chat",
        chat_id=STAFF_CHAT,
        times=1000,
    )
    user = await person(make_user, "en")
    await ask(user, "en")
    session.clear_faults()
    update = {
        "update_id": session.next_update_id(),
        "my_chat_member": {
            "chat": session.chat_json(STAFF_CHAT),
            "from": {"id": 800_000_009, "is_bot": False, "first_name": "Admin"},
            "date": 0,
            "old_chat_member": {
                "status": "left",
                "user": {"id": 1, "is_bot": True, "first_name": "Jolserik"},
            },
            "new_chat_member": {
                "status": "member",
                "user": {"id": 1, "is_bot": True, "first_name": "Jolserik"},
            },
        },
    }
    await staff.feed(update)
    assert len(posts(staff, 1)) == 1


async def test_unreachable_across_a_restart(
    make_user: UserFactory,
    restart: Restart,
    bot: Bot,
    session: FakeTelegramSession,
) -> None:
    session.fail("sendMessage", 0, chat_id=STAFF_CHAT, times=1000)  # the network
    user = await person(make_user, "kk")
    await ask(user, "kk")
    session.clear_faults()
    again = await restart(downtime=120)
    staff = GroupMember(again.dispatcher, bot, session, chat_id=STAFF_CHAT)
    assert posts(staff, 1) == []
    await again.relay.run_due()  # the new process finds the question in SQLite
    assert len(posts(staff, 1)) == 1
    await again.relay.run_due()
    assert len(posts(staff, 1)) == 1
    await staff.send("Жауап", reply_to=header(staff, 1).message_id)
    after = SimulatedUser(again.dispatcher, bot, session, user_id=user.user_id)
    assert after.last_text.startswith(ANSWER["kk"].format(id=1))


async def test_without_a_staff_chat_the_question_waits(
    make_user: UserFactory, app: App, settings: Settings, db: Database
) -> None:
    app.relay.staff_chat_id = None  # as with STAFF_CHAT_ID unset
    user = await person(make_user, "en")
    await ask(user, "en")
    assert user.last_text.startswith(RECEIVED["en"].format(id=1))
    assert await app.relay.repo.count_pending(Direction.QUESTION) == 1
    await app.relay.run_due()
    assert await app.relay.repo.count_pending(Direction.QUESTION) == 1


async def test_an_undeliverable_answer_is_kept_and_staff_told(
    make_user: UserFactory,
    app: App,
    staff: GroupMember,
    session: FakeTelegramSession,
    db: Database,
) -> None:
    user = await person(make_user, "ru")
    await ask(user, "ru")
    post = header(staff, 1)
    session.fail("sendMessage", 403, chat_id=user.user_id, times=1)  # blocked the bot
    await staff.send("Ответ, который не дойдёт", reply_to=post.message_id)
    assert staff.last_text.startswith("⚠️ #1: жауап жетпеді: адам ботты бұғаттаған.")
    messages = await app.relay.repo.messages(1)
    assert messages[-1].delivery is Delivery.UNDELIVERABLE
    assert await db.fetch_value("SELECT blocked_at FROM users WHERE id = ?", (user.user_id,))
    # They come back: the answer is in 📋 My questions.
    await user.send("/ask")
    await user.press(MY_QUESTIONS["ru"])
    await user.press("#1")
    assert "Ответ, который не дойдёт" in user.last_text


async def test_an_answer_the_network_dropped_is_retried(
    make_user: UserFactory,
    app: App,
    staff: GroupMember,
    session: FakeTelegramSession,
    clock: ManualClock,
) -> None:
    user = await person(make_user, "en")
    await ask(user, "en")
    session.fail("sendMessage", 0, chat_id=user.user_id, times=5)
    await staff.send("Please call 1345.", reply_to=header(staff, 1).message_id)
    assert not user.last_text.startswith(ANSWER["en"].format(id=1))
    clock.advance(120)
    await app.relay.run_due()
    answers = [m for m in user.bot_messages() if "Please call 1345." in m.text]
    assert len(answers) == 1
    await app.relay.run_due()
    assert len([m for m in user.bot_messages() if "Please call 1345." in m.text]) == 1


async def test_a_topic_deleted_by_hand_is_made_again(
    make_user: UserFactory, staff: GroupMember, session: FakeTelegramSession, forum: None
) -> None:
    user = await person(make_user, "en")
    await ask(user, "en")
    old = header(staff, 1)
    session.topics[STAFF_CHAT].pop(old.thread_id)  # staff deleted the topic
    for key in [k for k, m in session.messages.items() if m.thread_id == old.thread_id]:
        del session.messages[key]
    await user.send("/ask")
    await user.press(MY_QUESTIONS["en"])
    await user.press("#1")
    await user.press(REPLY["en"])
    await user.send("Are you there?")
    assert user.last_text.startswith(SENT["en"].format(id=1))
    new = header(staff, 1)
    assert new.thread_id != old.thread_id
    assert staff.last_message.thread_id == new.thread_id
    assert "Are you there?" in staff.last_message.text


# -- the estimate -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_median_first_answer_time_is_shown(
    make_user: UserFactory, staff: GroupMember, clock: ManualClock, locale: str
) -> None:
    for number, hours in enumerate([1, 2, 3, 4, 30], start=1):
        asker = await person(make_user, "kk")
        await ask(asker, "kk")
        clock.advance(hours * HOUR)
        await staff.send("Жауап", reply_to=header(staff, number).message_id)
        await staff.send("Тағы бір жауап", reply_to=header(staff, number).message_id)
    user = await person(make_user, locale)
    await user.send("/ask")
    assert MEDIAN_3H[locale] in user.last_text  # the median, not the mean
    await user.send(QUESTION[locale])
    await user.press(ANON[locale])
    # Asked at 11:00 Seoul time (UTC+9) on 23 November: probably by 14:00.
    by = {
        "kk": "2026 ж. 23 қараша, 14:00",
        "ru": "23 ноября 2026 г., 14:00",
        "en": "23 November 2026, 14:00",
    }[locale]
    assert by in user.last_text.replace("\u202f", " ")
    clock.advance(31 * DAY)  # the waits are of questions asked in the last 30 days
    await user.send("/ask")
    assert TOO_FEW[locale] in user.last_text


# -- privacy: /mydata, /deletemydata, retention -------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_my_data_lists_the_tickets(
    make_user: UserFactory, staff: GroupMember, locale: str
) -> None:
    user = await person(make_user, locale)
    await ask(user, locale)
    await ask(user, locale)
    await staff.send("/close 1")
    await user.send("/mydata")
    line = next(line for line in user.last_text.splitlines() if "#2" in line)
    opened = {"kk": "ашық: #2", "ru": "открытые: #2", "en": "open: #2"}[locale]
    closed = {"kk": "жабық: #1", "ru": "закрытые: #1", "en": "closed: #1"}[locale]
    assert opened in line and closed in line and "30" in line
    assert QUESTION[locale] not in user.last_text  # never more than needed


@pytest.mark.parametrize("forum_mode", [False, True], ids=["replies", "forum"])
async def test_delete_my_data_deletes_the_staff_chat_messages(
    make_user: UserFactory,
    staff: GroupMember,
    session: FakeTelegramSession,
    db: Database,
    forum_mode: bool,
) -> None:
    if forum_mode:
        session.make_forum(STAFF_CHAT)
    user = await person(make_user, "en")
    await ask(user, "en")
    post = header(staff, 1)
    await staff.send("An answer that quotes the question", reply_to=post.message_id)
    bystander = await person(make_user, "en")
    await ask(bystander, "en")
    await user.send("/deletemydata")
    await user.press("Yes")
    assert "Your questions to staff were deleted from the staff chat too." in user.last_text
    texts = [m.text for m in staff.chat()]
    assert not any(QUESTION["en"] in t and "#1" in t for t in texts)
    assert not any("quotes the question" in t for t in texts)  # the staff's answer too
    assert posts(staff, 2)  # someone else's ticket is untouched
    if forum_mode:
        assert calls_to_staff(session, DeleteForumTopic)
    else:
        assert calls_to_staff(session, DeleteMessage)
    assert (
        await db.fetch_value("SELECT COUNT(*) FROM tickets WHERE user_id = ?", (user.user_id,)) == 0
    )
    assert await db.fetch_value("SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = 1") == 0
    assert (
        await db.fetch_value("SELECT COUNT(*) FROM ticket_staff_messages WHERE ticket_id = 1") == 0
    )


@pytest.mark.parametrize("locale", LOCALES)
async def test_delete_my_data_says_what_telegram_no_longer_lets_go(
    make_user: UserFactory, staff: GroupMember, clock: ManualClock, locale: str
) -> None:
    user = await person(make_user, locale)
    await ask(user, locale)
    clock.advance(49 * HOUR)  # older than 48 hours: Telegram refuses to delete it
    await user.send("/deletemydata")
    await user.press({"kk": "Иә", "ru": "Да", "en": "Yes"}[locale])
    said = {
        "kk": "Сұрақтарыңыз туралы 1 хабарлама қызметкерлер чатында қалды",
        "ru": "1 сообщение о ваших вопросах остаётся в чате сотрудников",
        "en": "1 message about your questions stays in the staff chat",
    }[locale]
    assert said in user.last_text
    assert staff.last_text.startswith("🗑 #1 сұрағын қойған адам деректерін өшірді.")
    assert posts(staff, 1)  # still there, for staff to delete by hand


async def test_closed_tickets_are_deleted_after_the_retention_period(
    make_user: UserFactory,
    app: App,
    staff: GroupMember,
    session: FakeTelegramSession,
    clock: ManualClock,
    db: Database,
    forum: None,
) -> None:
    user = await person(make_user, "en")
    await ask(user, "en")
    await ask(user, "en")
    await staff.send("/close 1")
    clock.advance(29 * DAY)
    await app.relay.run_due()
    assert await db.fetch_value("SELECT COUNT(*) FROM tickets") == 2
    clock.advance(2 * DAY)
    await app.relay.run_due()
    assert [row[0] for row in await db.fetch_all("SELECT id FROM tickets")] == [2]  # open: kept
    assert await db.fetch_value("SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = 1") == 0
    assert calls_to_staff(session, DeleteForumTopic)  # its topic went too
    await user.send("/ask")
    await user.press(MY_QUESTIONS["en"])
    assert "#1" not in user.last_text and "#2" in user.last_text


async def test_retention_follows_the_setting(
    make_user: UserFactory,
    app: App,
    staff: GroupMember,
    clock: ManualClock,
    db: Database,
) -> None:
    app.relay.retention_days = 7
    user = await person(make_user, "en")
    await ask(user, "en")
    await staff.send("/close 1")
    clock.advance(8 * DAY)
    await app.relay.run_due()
    assert await db.fetch_value("SELECT COUNT(*) FROM tickets") == 0


# -- the FAQ hook ------------------------------------------------------------------------------


async def test_an_faq_entry_sent_as_the_answer(
    make_user: UserFactory, app: App, staff: GroupMember, session: FakeTelegramSession
) -> None:
    user = await person(make_user, "ru")
    await ask(user, "ru", "Какие документы нужны для выезда по программе?")
    post = header(staff, 1)
    await staff.press("📚", message_id=post.message_id)
    suggestions = staff.buttons(post.message_id)
    assert 1 <= len([b for b in suggestions if b.startswith("📚")]) <= 3
    assert any("құжаттар" in b for b in suggestions)  # titles in the staff chat's language
    await staff.press("құжаттар", message_id=post.message_id)
    assert staff.popups == ["📚 #1 сұраққа жіберілді."]
    answer = user.last_text
    assert answer.startswith(ANSWER["ru"].format(id=1))
    assert "Какие документы нужны для выезда по программе?" in answer  # in the person's language
    assert "🔎" in answer  # with its source line
    stored = (await app.relay.repo.messages(1))[-1]
    assert stored.direction is Direction.ANSWER and stored.faq_key == "faq.vd_documents"
    assert "🔒 Жабу" in " ".join(staff.buttons(post.message_id))  # the post's buttons again
    assert "FAQ-тағы" in staff.last_text


async def test_every_ticket_screen_fits_and_has_a_way_back(
    make_user: UserFactory, staff: GroupMember
) -> None:
    user = await person(make_user, "kk")
    await ask(user, "kk", "Сұрақ " * 500)
    await staff.send("Жауап " * 500, reply_to=header(staff, 1).message_id)
    await user.send("/ask")
    await user.press(MY_QUESTIONS["kk"])
    await user.press("#1")
    assert len(user.last_text) <= 1200
    assert "⬅️ Басты мәзір" in user.buttons
    for call in user.last_calls:
        if isinstance(call, SendMessage):
            assert len(plain(call.text)) <= 1200


async def test_the_staff_chat_lists_its_commands(
    app: App, bot: Bot, session: FakeTelegramSession
) -> None:
    await app.dispatcher.emit_startup(bot=bot, **app.dispatcher.workflow_data)
    lists = [
        call
        for call in session.calls_of(SetMyCommands)
        if isinstance(call.scope, BotCommandScopeChat) and call.scope.chat_id == STAFF_CHAT
    ]
    assert [c.command for c in lists[-1].commands] == ["tickets", "close", "block", "unblock"]
    assert lists[-1].commands[0].description == "Пайдаланушылардың ашық сұрақтары"


async def test_formatting_of_an_answer_reaches_the_person(
    make_user: UserFactory, staff: GroupMember
) -> None:
    user = await person(make_user, "en")
    await ask(user, "en")
    bold = [{"type": "bold", "offset": 4, "length": 7}]
    await staff.send_formatted("Use HiKorea today", bold, reply_to=header(staff, 1).message_id)
    assert "Use <b>HiKorea</b> today" in user.last_message.text


async def test_the_loop_started_with_the_bot_delivers(
    make_user: UserFactory, app: App, staff: GroupMember
) -> None:
    """Production runs the relay's own loop (no `run_due` calls): a question and its answer
    go through it."""
    await app.relay.start(app.reminders.sender, run_timer=True)
    try:
        user = await person(make_user, "en")
        await ask(user, "en")
        for _ in range(100):
            if posts(staff, 1):
                break
            await asyncio.sleep(0.01)
        await staff.send("Loop answer", reply_to=header(staff, 1).message_id)
        for _ in range(100):
            if "Loop answer" in user.last_text:
                break
            await asyncio.sleep(0.01)
        assert user.last_text.startswith(ANSWER["en"].format(id=1))
    finally:
        await app.relay.shutdown()


async def test_a_delivery_cut_short_after_the_post_does_not_post_it_again(
    make_user: UserFactory,
    app: App,
    staff: GroupMember,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The post landed, then the process failed before recording it: the retry finds the
    ticket's post and does not post the question a second time."""
    repo = app.relay.repo
    real = repo.delivered
    failures = iter([RuntimeError("crash")])

    async def crash_once(*args: object, **kwargs: object) -> None:
        for error in failures:
            raise error
        await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repo, "delivered", crash_once)
    user = await person(make_user, "en")
    await ask(user, "en")
    assert len(posts(staff, 1)) == 1
    assert (await repo.messages(1))[0].delivery is Delivery.PENDING  # to be tried again
    clock.advance(3600)
    await app.relay.run_due()
    assert len(posts(staff, 1)) == 1
    assert not [m for m in staff.bot_messages() if QUESTION["en"] in m.text and m.text[0] != "🎫"]
    assert (await repo.messages(1))[0].delivery is Delivery.DELIVERED
