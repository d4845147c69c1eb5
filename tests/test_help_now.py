"""Issue 14 (part): help now. A message that signals danger gets the emergency lines before
anything else, in kk, ru and en; ☎️ Contacts lists the lines from the content facts and says
plainly what is not confirmed."""

from __future__ import annotations

import pytest

from bot.help.emergency import signals_danger
from bot.offline.simuser import plain
from tests.conftest import UserFactory, onboard

LOCALES = ["kk", "ru", "en"]
CARD = {
    "kk": "🆘 Сізге немесе жаныңыздағы адамға қазір қауіп төніп тұрса",
    "ru": "🆘 Если вам или человеку рядом сейчас грозит опасность",
    "en": "🆘 If you or someone near you is in danger now",
}
ASK_A_PERSON = {"kk": "адамнан сұрау", "ru": "спросить человека", "en": "ask a person"}


@pytest.mark.parametrize(
    "text",
    [
        "көмек керек",
        "Көмектесіңіз, жұмыста жарақат алдым",
        "мені полиция ұстады",
        "Помогите пожалуйста",
        "меня избили на работе",
        "Брата задержали, что делать?",
        "I need help",
        "I was hurt at work, bleeding",
        "my friend wants to kill myself... I mean himself",
        "pomogite",
        "komek kerek",
    ],
)
def test_danger_is_recognised(text: str) -> None:
    assert signals_danger(text)


@pytest.mark.parametrize(
    "text",
    ["Қанша күн қалды?", "Қандай құжаттар керек?", "Когда откроется EPS?", "hello", "", None],
)
def test_ordinary_questions_are_not_alarms(text: str | None) -> None:
    assert not signals_danger(text)


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_emergency_card_comes_first(make_user: UserFactory, locale: str) -> None:
    user = make_user(language_code=locale)
    await onboard(user, locale)
    await user.send({"kk": "Көмектесіңіз!", "ru": "Помогите!", "en": "Help!"}[locale])
    card_message, after = user.bot_messages()[-2:]
    text = plain(card_message.text)
    assert text.startswith(CARD[locale])
    labels = [b["text"] for row in after.reply_markup["inline_keyboard"] for b in row]
    assert any(ASK_A_PERSON[locale] in label.casefold() for label in labels)  # then a person
    for number in ("112", "119", "1345"):
        assert number in text
    assert "gov.kz" in text  # the embassy's number is not confirmed: where to check it
    assert text.splitlines()[-1].startswith("🔎")  # with its sources
    assert len(text) <= 1200
    await user.press("☎️", message_id=card_message.message_id)  # edits the card in place
    contacts = plain(user.session.messages[(user.user_id, card_message.message_id)].text)
    assert "1577-0071" in contacts and "ai.moel.go.kr" in contacts
    await user.send({"kk": "сәлем", "ru": "привет", "en": "hello"}[locale])
    assert not user.last_text.startswith(CARD[locale])  # no alarm for a greeting
    assert any(ASK_A_PERSON[locale] in b.casefold() for b in user.buttons)


async def test_a_person_in_danger_gets_the_card_before_choosing_a_language(
    make_user: UserFactory,
) -> None:
    user = make_user(language_code="ru")
    await user.send("Помогите, меня избили")  # a brand-new user
    card, greeting = (plain(m.text) for m in user.bot_messages()[-2:])
    assert card.startswith(CARD["ru"])
    assert greeting.startswith("Здравствуйте!")  # then the usual start: the language choice


@pytest.mark.parametrize("locale", LOCALES)
async def test_contacts_from_the_menu_and_the_command(make_user: UserFactory, locale: str) -> None:
    user = make_user(language_code=locale)
    await onboard(user, locale)
    await user.send("/contacts")
    text = user.last_text
    for number in ("112", "119", "1345", "1350", "1577-0071", "ai.moel.go.kr", "hikorea"):
        assert number in text
    assert {"kk": "расталмаған", "ru": "не подтвержден", "en": "not confirmed"}[locale] in text
    assert len(text) <= 1200
    await user.send("/menu")
    await user.press("☎️")
    assert user.last_text == text


async def test_staff_fill_in_the_missions_and_contacts_show_them(make_user: UserFactory) -> None:
    from tests.conftest import ADMIN_ID

    reader = make_user(language_code="ru")
    await onboard(reader, "ru")
    await reader.send("/contacts")
    assert "не подтверждены" in reader.last_text
    assert "Почётный консул Ко Дон Хён" in reader.last_text  # a reported fact, with its source
    assert "opk.kz" in reader.last_text
    assert len(reader.last_text) <= 1200

    admin = make_user(language_code="en", user_id=ADMIN_ID)
    await onboard(admin, "en")
    await admin.send("/missions")
    assert "not confirmed yet" in admin.last_text
    await admin.press("✏️ Enter phones and addresses")
    await admin.send("+82 2 379 9714")  # the embassy's phone (a test value)
    await admin.send("-")  # its address: not checked yet
    await admin.send("-")
    await admin.send("-")
    await admin.press("Official source")
    await admin.send("not a link")
    assert "does not look like a link" in admin.last_text
    await admin.send("https://www.gov.kz/memleket/entities/mfa-seoul/contacts")
    assert "+82 2 379 9714" in admin.last_text  # the preview, as users will see it
    await admin.press("✅ Confirm and publish")
    assert "Published" in admin.last_text

    await reader.send("/contacts")
    text = reader.last_text
    assert "Посольство Казахстана в Сеуле: +82 2 379 9714" in text
    assert "Генеральное консульство Казахстана в Пусане: пока не подтверждено" in text
    assert "gov.kz" in text and len(text) <= 1200
