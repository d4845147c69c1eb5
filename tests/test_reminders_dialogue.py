"""/reminders as the user sees it: the list, cancelling, and the date -> time -> text dialogue,
with every kind of bad input, "back", "cancel" and a restart in the middle."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.offline.simuser import SimulatedUser
from bot.reminders.engine import custom_reminder
from bot.reminders.rules import MAX_PENDING_PER_USER
from bot.telegram.callbacks import RemindersCb
from storage.reminders import ReminderStatus
from tests.conftest import UserFactory, onboard

STEP1 = {"kk": "3 қадамның 1-қадамы", "ru": "шаг 1 из 3", "en": "step 1 of 3"}
STEP2 = {"kk": "3 қадамның 2-қадамы", "ru": "шаг 2 из 3", "en": "step 2 of 3"}
STEP3 = {"kk": "3 қадамның 3-қадамы", "ru": "шаг 3 из 3", "en": "step 3 of 3"}
TOMORROW = {"kk": "Ертең", "ru": "Завтра", "en": "Tomorrow"}
NEW = {"kk": "Жаңа еске салу", "ru": "Новое напоминание", "en": "New reminder"}
DONE = {
    "kk": "✅ Дайын! Еске салу уақыты: 2026\u202fж. 22 қараша, 09:00 (Сеул (UTC+9)):\n«Билет»",
    "ru": "✅ Готово! Напомню 22 ноября 2026\u202fг., 09:00 (Сеул (UTC+9)):\n«Билет»",
    "en": "✅ Done! I will remind you on 22 November 2026, 09:00 (Seoul (UTC+9)):\n«Билет»",
}


async def worker(make_user: UserFactory, locale: str = "ru") -> SimulatedUser:
    user = make_user()
    await onboard(user, locale)
    return user


async def open_new(user: SimulatedUser, locale: str) -> None:
    await user.send("/reminders")
    await user.press(NEW[locale])


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_create_with_buttons_then_see_and_cancel(
    make_user: UserFactory, app, locale: str
) -> None:
    user = await worker(make_user, locale)
    await user.send("/reminders")
    assert {
        "kk": "Алдағы еске салулар жоқ",
        "ru": "Предстоящих напоминаний нет",
        "en": "You have no upcoming reminders",
    }[locale] in user.last_text
    await user.press(NEW[locale])
    assert STEP1[locale] in user.last_text
    await user.press(TOMORROW[locale])
    assert STEP2[locale] in user.last_text
    await user.press("09:00")
    assert STEP3[locale] in user.last_text
    await user.send("Билет")
    assert user.last_text == DONE[locale]

    await user.press("⏰")  # "My reminders" under the confirmation
    assert "Билет" in user.last_text
    assert {"kk": "Уақыт: Сеул (UTC+9)", "ru": "Время: Сеул (UTC+9)", "en": "Times: Seoul (UTC+9)"}[
        locale
    ] in user.last_text
    await user.press("❌")
    assert user.last_text.startswith(
        {
            "kk": "Еске салу өшірілді.",
            "ru": "Напоминание отменено.",
            "en": "Reminder cancelled.",
        }[locale]
    )
    pending = await app.reminders.repo.upcoming_for_user(user.user_id)
    assert pending == []


@pytest.mark.parametrize("typed", ["25.12.2026", "2026-12-25", "25/12", "25.12"])
async def test_typed_dates(make_user: UserFactory, typed: str) -> None:
    user = await worker(make_user, "en")
    await open_new(user, "en")
    await user.send(typed)
    assert "Date: 25 December 2026." in user.last_text


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        (
            "next friday",
            "I could not read that date. Please send it like 25.12.2026, 2026-12-25 or 25/12.",
        ),
        ("31.02.2027", "There is no such date in the calendar."),
        ("20.11.2026", "That date has already passed."),
        ("01.01.2030", "That is too far ahead: I can remind you until 20 November 2028"),
    ],
)
async def test_bad_dates_keep_the_step(make_user: UserFactory, typed: str, answer: str) -> None:
    user = await worker(make_user, "en")
    await open_new(user, "en")
    await user.send(typed)
    assert user.last_text.startswith("⚠️ " + answer)
    assert "step 1 of 3" in user.last_text
    await user.send("25.12.2026")  # the dialogue is still right there
    assert "step 2 of 3" in user.last_text


@pytest.mark.parametrize(
    ("locale", "answer"),
    [
        ("kk", "Бұл уақытты түсінбедім."),
        ("ru", "Не получилось разобрать время."),
        ("en", "I could not read that time."),
    ],
)
async def test_bad_time_keeps_the_date(make_user: UserFactory, locale: str, answer: str) -> None:
    user = await worker(make_user, locale)
    await open_new(user, locale)
    await user.send("25.12.2026")
    await user.send("25:99")
    assert answer in user.last_text and STEP2[locale] in user.last_text
    await user.send("18.30")
    assert STEP3[locale] in user.last_text


async def test_time_already_past_today(make_user: UserFactory, clock) -> None:
    user = await worker(make_user, "en")  # it is 19:00 in Seoul on 21 November
    await open_new(user, "en")
    await user.press("Today")
    assert [b for b in user.buttons if ":" in b] == ["21:00"]  # only presets still ahead
    await user.send("18:00")
    assert "That time has already passed." in user.last_text
    await user.send("20:00")
    assert "When: 21 November 2026, 20:00." in user.last_text


async def test_tomorrow_offers_every_preset_time(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")
    await open_new(user, "en")
    await user.press("Tomorrow")
    assert [b for b in user.buttons if ":" in b] == ["09:00", "12:00", "18:00", "21:00"]


async def test_text_too_long_or_not_text(make_user: UserFactory, app) -> None:
    user = await worker(make_user, "ru")
    await open_new(user, "ru")
    await user.press("Завтра")
    await user.press("12:00")
    await user.send("я" * 201)
    assert "Здесь 201 символ; пожалуйста, уложитесь в 200." in user.last_text
    await user.send("я" * 205)
    assert "Здесь 205 символов;" in user.last_text
    await user.send("я" * 202)
    assert "Здесь 202 символа;" in user.last_text
    await user.send_photo()
    assert "Пожалуйста, отправьте напоминание текстом." in user.last_text
    await user.send("Позвонить маме")
    assert user.last_text.startswith("✅ Готово!")
    assert len(await app.reminders.repo.upcoming_for_user(user.user_id)) == 1


async def test_back_keeps_what_was_entered(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")
    await open_new(user, "en")
    await user.send("25.12.2026")
    await user.press("09:00")
    await user.press("⬅️ Back")
    assert "step 2 of 3" in user.last_text and "25 December 2026" in user.last_text
    await user.press("⬅️ Back")
    assert "step 1 of 3" in user.last_text


async def test_cancel_creates_nothing(make_user: UserFactory, app) -> None:
    user = await worker(make_user, "kk")
    await open_new(user, "kk")
    await user.press("Ертең")
    await user.press("✖️ Болдырмау")
    assert user.last_text.startswith("Жарайды, еске салу жасалмады.")
    assert await app.reminders.repo.upcoming_for_user(user.user_id) == []
    await user.send("09:00")  # the dialogue is over: plain text is not a time any more
    assert user.last_text.startswith("Бұл сұрақтың жауабын өз тізімімнен таппадым.")


async def test_commands_leave_the_dialogue(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")
    await open_new(user, "en")
    await user.send("/menu")
    assert user.last_text.startswith("«New reminder» was left unfinished")
    assert "\n\nMain menu" in user.last_text
    await user.send("25.12.2026")
    assert user.last_text.startswith("I could not find an answer to that among my questions.")


async def test_cancel_works_everywhere(make_user: UserFactory) -> None:
    user = await worker(make_user, "en")
    await user.send("/cancel")
    assert user.last_text.startswith("There is nothing to cancel.")
    await open_new(user, "en")
    await user.send("25.12.2026")
    await user.send("/cancel")
    assert user.last_text.startswith("✖️ Cancelled: «New reminder». Nothing of it was kept.")
    await user.send("10:30")
    assert user.last_text.startswith("I could not find an answer to that among my questions.")


@pytest.mark.parametrize("command", ["/help", "/privacy", "/mydata", "/language"])
async def test_commands_that_only_show_keep_the_dialogue(
    make_user: UserFactory, command: str
) -> None:
    user = await worker(make_user, "en")
    await open_new(user, "en")
    await user.send("25.12.2026")  # at step 2, the time
    await user.send(command)
    assert user.buttons[0] == "↩️ Continue: New reminder"
    await user.press("↩️ Continue")
    assert "step 2 of 3" in user.last_text and "25 December 2026" in user.last_text
    await user.send(command)
    await user.send("10:30")  # typing goes on with the dialogue, even without the button
    assert "step 3 of 3" in user.last_text


async def test_dialogue_survives_a_restart(make_user: UserFactory, restart, bot, session) -> None:
    user = await worker(make_user, "ru")
    await open_new(user, "ru")
    await user.send("25.12.2026")
    again = await restart()  # the bot restarts between two messages
    after = SimulatedUser(again.dispatcher, bot, session, user_id=user.user_id)
    await after.send("10:30")
    assert "шаг 3 из 3" in after.last_text and "25 декабря 2026\u202fг., 10:30" in after.last_text
    await after.send("Рейс Инчхон — Алматы")
    assert after.last_text.startswith("✅ Готово! Напомню 25 декабря 2026\u202fг., 10:30")


async def test_limit_of_upcoming_reminders(make_user: UserFactory, app) -> None:
    user = await worker(make_user, "en")
    record = await app.users.get(user.user_id)
    for day in range(MAX_PENDING_PER_USER):
        await app.reminders.schedule(
            custom_reminder(record, date(2027, 1, 1 + day % 28), time(9, day), f"r{day}")
        )
    await user.send("/reminders")
    assert "…and 20 more." in user.last_text
    await user.press("New reminder")
    assert user.popups == [
        "You already have 30 upcoming reminders, the most I keep. Cancel one to add another."
    ]


async def test_cancel_button_of_a_sent_reminder(make_user: UserFactory, app, clock) -> None:
    user = await worker(make_user, "en")
    await open_new(user, "en")
    await user.press("Tomorrow")
    await user.press("09:00")
    await user.send("Call")
    await user.send("/reminders")
    list_message = user.last_message.message_id
    clock.advance(24 * 3600)
    await app.reminders.run_due()
    await user.press("❌", message_id=list_message)
    assert user.last_text.startswith("This reminder is no longer active.")


async def test_missed_reminders_are_listed(make_user: UserFactory, restart, bot, session) -> None:
    user = await worker(make_user, "en")
    await open_new(user, "en")
    await user.press("Tomorrow")
    await user.press("09:00")
    await user.send("Pay rent")
    again = await restart(downtime=2 * 24 * 3600)  # down for two days
    after = SimulatedUser(again.dispatcher, bot, session, user_id=user.user_id)
    await after.send("/reminders")
    assert "Missed while I was offline" in after.last_text
    assert "22 November 2026, 09:00: Pay rent" in after.last_text
    missed = await again.reminders.repo.recently_missed(user.user_id, since=0)
    assert [r.status for r in missed] == [ReminderStatus.MISSED]


async def test_time_zone_choice_moves_reminders(make_user: UserFactory, app) -> None:
    user = await worker(make_user, "en")
    await open_new(user, "en")
    await user.send("25.12.2026")
    await user.press("09:00")
    await user.send("Flight")
    await user.send("/mydata")
    await user.press("Change time zone")
    assert user.buttons[:2] == ["🇰🇷 Seoul (UTC+9)", "🇰🇿 Almaty (UTC+5)"]
    await user.press("Almaty")
    assert user.last_text.startswith("Saved. Your reminders keep their clock time")
    assert "Time zone: Almaty (UTC+5)" in user.last_text
    await user.send("/reminders")
    assert "25 December 2026, 09:00" in user.last_text and "Almaty (UTC+5)" in user.last_text
    await user.send("/mydata")
    await user.press("Change time zone")
    await user.press("Automatic")
    assert "Time zone: Seoul (UTC+9)" in user.last_text


async def test_an_old_menu_button_keeps_or_leaves_the_dialogue_and_says_which(
    make_user: UserFactory,
) -> None:
    """Found by the property tests: "Help" mid-dialogue kept the state silently, so the next
    text was read as a date. Help now keeps the dialogue openly, with a way back into it;
    a section that is not only shown leaves it, and says so."""
    user = await worker(make_user, "en")
    await user.send("/menu")
    first_menu = user.last_message.message_id
    await user.send("/menu")
    second_menu = user.last_message.message_id
    await open_new(user, "en")
    await user.press("Help", message_id=first_menu)  # edits that old message
    help_screen = user.session.messages[(user.user_id, first_menu)]
    assert user._buttons_of(help_screen)[0].text == "↩️ Continue: New reminder"
    await user.press("EPS", message_id=second_menu)
    assert user.replies[0].startswith("«New reminder» was left unfinished")
    await user.send("25.12.2026")
    assert user.last_text.startswith("I could not find an answer to that among my questions.")


async def test_stale_button_is_answered_once(make_user: UserFactory, session) -> None:
    """Telegram refuses a second answer to one button press; the fake API does too now."""
    user = await worker(make_user, "en")
    await user.press_data("gone:away", message_id=user.last_message.message_id)
    assert user.popups == ["This button is out of date."]
    assert user.last_text.startswith("Main menu")


# -- undo a cancel; snooze a delivered reminder ----------------------------------------------------


async def make_tomorrow_noon(user: SimulatedUser, text: str = "Call the consulate") -> None:
    await open_new(user, "en")
    await user.press("Tomorrow")
    await user.press("12:00")
    await user.send(text)


async def test_a_cancel_can_be_undone_while_its_time_is_ahead(
    make_user: UserFactory, app, clock
) -> None:
    user = await worker(make_user, "en")
    await make_tomorrow_noon(user)
    await user.send("/reminders")
    await user.press("❌ Cancel 1")
    assert user.last_text.startswith("Reminder cancelled.")
    assert user.buttons[0] == "↩️ Undo"
    await user.press("↩️ Undo")
    assert user.last_text.startswith("Reminder restored.")
    assert "Call the consulate" in user.last_text
    (pending,) = await app.reminders.repo.upcoming_for_user(user.user_id)
    assert pending.id in app.reminders.store  # armed again, and delivered when due
    await user.press("❌ Cancel 1")
    clock.advance(2 * 86400)  # too late now
    await user.press("↩️ Undo")
    assert user.last_text.startswith("This reminder cannot be restored")
    assert await app.reminders.repo.upcoming_for_user(user.user_id) == []


async def test_a_delivered_reminder_can_be_snoozed_once(
    make_user: UserFactory, app, clock, session
) -> None:
    user = await worker(make_user, "en")  # Seoul
    await make_tomorrow_noon(user)
    (first,) = await app.reminders.repo.upcoming_for_user(user.user_id)
    clock.set(first.fire_at)
    assert await app.reminders.run_due() == 1
    assert user.last_text == "⏰ Reminder\nCall the consulate"
    assert user.buttons == ["😴 In 1 hour", "📅 Tomorrow", "⏰ My reminders"]
    delivered = user.last_message.message_id
    await user.press("In 1 hour")
    assert user.popups == ["I will remind you again on 22 November 2026, 13:00."]
    assert user.buttons == ["⏰ My reminders"]  # snoozed: the buttons went
    (again,) = await app.reminders.repo.upcoming_for_user(user.user_id)
    assert again.fire_at == first.fire_at + 3600 and again.payload["text"] == "Call the consulate"
    await user.press_data(RemindersCb(action="tomorrow", id=first.id).pack(), message_id=delivered)
    assert user.popups == ["This button is out of date."]  # one follow-up per reminder
    assert len(await app.reminders.repo.upcoming_for_user(user.user_id)) == 1


async def test_tomorrow_keeps_the_time_of_day(make_user: UserFactory, app, clock) -> None:
    user = await worker(make_user, "en")
    await make_tomorrow_noon(user)
    (first,) = await app.reminders.repo.upcoming_for_user(user.user_id)
    clock.set(first.fire_at + 120)  # read two minutes later
    await app.reminders.run_due()
    await user.press("Tomorrow")
    assert user.popups == ["I will remind you again on 23 November 2026, 12:00."]
