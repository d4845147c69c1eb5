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
NOT_UNDERSTOOD = {
    "kk": "Кешіріңіз",
    "ru": "Извините, я не понял",
    "en": "Sorry, I did not understand that.",
}


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
    text = user.last_text
    assert text.startswith(CARD[locale])
    for number in ("112", "119", "1345"):
        assert number in text
    assert "gov.kz" in text  # the embassy's number is not confirmed: where to check it
    assert text.splitlines()[-1].startswith("🔎")  # with its sources
    assert len(text) <= 1200
    await user.press("☎️")
    assert "1577-0071" in user.last_text and "ai.moel.go.kr" in user.last_text
    await user.send({"kk": "сәлем", "ru": "привет", "en": "hello"}[locale])
    assert user.last_text.startswith(NOT_UNDERSTOOD[locale])  # no alarm for a greeting


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
