"""Issue 14: ❓ Questions. Entries as data (every language, a source, a date), browsing by
topic, search for what people actually type (typos, transliteration, the wrong layout, another
language), the emergency card before the results, and staff editing through the shared
editor with the change searchable at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.faq.evaluate import TARGET_TOP3, evaluate, load_queries
from bot.faq.model import ANSWER_LIMIT, LANGUAGES, QUESTION_LIMIT, TOPIC_KEYS
from bot.faq.search import FaqIndex, skeleton
from bot.faq.seed import load_faq_seed, seed_documents
from bot.offline.simuser import plain
from tests.conftest import ADMIN_ID, UserFactory, onboard

LOCALES = ["kk", "ru", "en"]
QUERIES = Path(__file__).parent / "data" / "faq_queries.json"
SEED = {seed.key: seed for seed in load_faq_seed()}
RELATED = {None, "tracker", "eps_guide", "selfcheck", "departure", "checklist", "contacts"}
QUESTIONS = {"kk": "❓ Сұрақтар", "ru": "❓ Вопросы", "en": "❓ Questions"}
ASK = {"kk": "✉️ Адамнан сұрау", "ru": "✉️ Спросить человека", "en": "✉️ Ask a person"}
NONE_OF_THESE = {
    "kk": "🙋 Бұлардың ешқайсысы емес: адамнан сұрау",
    "ru": "🙋 Ничего не подошло: спросить человека",
    "en": "🙋 None of these: ask a person",
}
FOUND = {
    "kk": "🔎 Сұрағыңызға мына жауаптар сай келуі мүмкін:",
    "ru": "🔎 Возможно, здесь есть ответ на ваш вопрос:",
    "en": "🔎 This may answer your question:",
}
NOT_FOUND = {
    "kk": "Бұл сұрақтың жауабын өз тізімімнен таппадым.",
    "ru": "Среди моих вопросов ответа на это не нашлось.",
    "en": "I could not find an answer to that among my questions.",
}
CARD = {
    "kk": "🆘 Сізге немесе жаныңыздағы адамға қазір қауіп төніп тұрса",
    "ru": "🆘 Если вам или человеку рядом сейчас грозит опасность",
    "en": "🆘 If you or someone near you is in danger now",
}


def question(key: str, locale: str) -> str:
    return SEED[key].value["q"][locale]


# -- the entries as data ------------------------------------------------------------------------


def test_at_least_forty_entries_in_every_language() -> None:
    for locale in LANGUAGES:
        complete = [
            s for s in SEED.values() if s.value["q"].get(locale) and s.value["a"].get(locale)
        ]
        assert len(complete) >= 40, locale


@pytest.mark.parametrize("key", sorted(SEED))
def test_every_entry_is_complete_sourced_and_fits(key: str) -> None:
    seed = SEED[key]
    value = seed.value
    assert value["topic"] in TOPIC_KEYS
    assert value.get("related") in RELATED
    assert seed.confidence.confirmed  # L and unconfirmed points are said in words, not cited
    assert seed.source_url.startswith(("http://", "https://"))
    for locale in LANGUAGES:
        q, a = value["q"][locale].strip(), value["a"][locale].strip()
        assert q and a and len(q) <= QUESTION_LIMIT and len(a) <= ANSWER_LIMIT, locale
        assert not re.search(r"</?[a-z]", a)  # plain text, no markup: the screen escapes it
        assert isinstance(value.get("keywords", {}).get(locale, []), list)
    # The same numbers in every language: a phone number or a date wrong in one is caught.
    digits = {
        locale: sorted(re.findall(r"\d+", value["a"][locale].replace("-", "")))
        for locale in LANGUAGES
    }
    assert digits["kk"] == digits["ru"] == digits["en"], digits


def test_no_entry_promises_a_way_back() -> None:
    for seed in SEED.values():
        answer = seed.value["a"]["en"].casefold()
        for phrase in ("you can come back", "you will be able to return", "guaranteed visa"):
            assert phrase not in answer, seed.key


# -- search, without Telegram ---------------------------------------------------------------------


def test_folding_brings_spellings_together() -> None:
    assert skeleton("паспортымды") == skeleton("pasportymdy")
    assert skeleton("жалақы") == skeleton("zhalaqy") == skeleton("жалакы")
    assert skeleton("E-9") == skeleton("e9")


def index() -> FaqIndex:
    return FaqIndex.build(seed_documents())


def test_search_quality_meets_the_target_in_every_language() -> None:
    """The labelled set (written apart from the answers) through the real index: top-3 at or
    above the target in kk, ru and en. benchmarks/bench_faq_search.py prints the same figures."""
    built = index()
    results = evaluate(
        load_queries(QUERIES),
        lambda text: [m.key.removeprefix("faq.") for m in built.search(text, 3)],
    )
    for language in LANGUAGES:
        quality = results[language]
        assert quality.total >= 60
        assert quality.top3_rate >= TARGET_TOP3, (language, quality.top3_rate, quality.misses)


def test_noise_finds_nothing() -> None:
    built = index()
    for text in ("asdkjh qwpeoiru", "ыфвлдж", "👍", "?!", "ok"):
        assert built.search(text) == [], text


# -- through the bot ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_browse_a_topic_and_read_an_answer(make_user: UserFactory, locale: str) -> None:
    user = make_user(language_code=locale)
    await onboard(user, locale)
    await user.send("/menu")
    await user.press(QUESTIONS[locale])
    assert plain(user.last_message.text).startswith(QUESTIONS[locale])
    assert ASK[locale] in user.buttons
    await user.press("🧰")  # Rights at work
    listed = user.last_text
    assert question("faq.work_unpaid_wages", locale) in listed
    number = next(
        line.split(".")[0]
        for line in listed.splitlines()
        if question("faq.work_unpaid_wages", locale) in line
    )
    await user.press(number)
    text = user.last_text
    assert text.startswith("❓ " + question("faq.work_unpaid_wages", locale))
    assert text.splitlines()[-1].startswith("🔎")  # its source and the day it was checked
    assert len(text) <= 1200
    assert ASK[locale] in user.buttons
    await user.press("⬅️ 🧰")  # back to the topic
    assert question("faq.work_unpaid_wages", locale) in user.last_text


TYPED = {
    "kk": [
        ("жұмыс беруші паспортымды бермей жатыр", "faq.work_passport_held"),
        ("zhalaqy tolemeidi ne isteu kerek", "faq.work_unpaid_wages"),
        ("ерікті турде кету ушин кандай кужат керек", "faq.vd_documents"),
    ],
    "ru": [
        ("работодатель забрал паспорт", "faq.work_passport_held"),
        ("kogda kazakhstan vstupit v eps", "faq.eps_when"),
        ("pfhgkfne yt gkfnzn", "faq.work_unpaid_wages"),  # «зарплату не платят», wrong layout
    ],
    "en": [
        ("my boss keeps my pasport", "faq.work_passport_held"),
        ("when kazakstan joins EPS", "faq.eps_when"),
        ("what documents for voluntary departure", "faq.vd_documents"),
    ],
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_typed_questions_find_answers(make_user: UserFactory, locale: str) -> None:
    user = make_user(language_code=locale)
    await onboard(user, locale)
    for text, key in TYPED[locale]:
        await user.send(text)
        assert user.last_text.startswith(FOUND[locale]), text
        assert any(question(key, locale) in b for b in user.buttons), (text, user.buttons)
        assert NONE_OF_THESE[locale] in user.buttons
    await user.press("1.")
    assert user.last_text.startswith("❓ ")


async def test_another_language_than_the_settings_is_understood(make_user: UserFactory) -> None:
    user = make_user(language_code="kk")
    await onboard(user, "kk")
    await user.send("работодатель не платит зарплату")  # Russian, from a Kazakh-speaking user
    assert any(question("faq.work_unpaid_wages", "kk") in b for b in user.buttons)


@pytest.mark.parametrize("locale", LOCALES)
async def test_danger_gets_the_card_then_answers(make_user: UserFactory, locale: str) -> None:
    user = make_user(language_code=locale)
    await onboard(user, locale)
    text = {
        "kk": "Көмектесіңіз, жұмыста жарақат алдым",
        "ru": "Помогите, травма на работе",
        "en": "Help, I was injured at work",
    }[locale]
    await user.send(text)
    card, results = (plain(m.text) for m in user.bot_messages()[-2:])
    assert card.startswith(CARD[locale])
    assert results.startswith(FOUND[locale])
    assert any(question("faq.work_accident", locale) in b for b in user.buttons)


@pytest.mark.parametrize("locale", LOCALES)
async def test_nothing_found_leads_to_a_person(make_user: UserFactory, locale: str) -> None:
    user = make_user(language_code=locale)
    await onboard(user, locale)
    await user.send("qwxzv plmokn")
    assert user.last_text.startswith(NOT_FOUND[locale])
    assert ASK[locale] in user.buttons


# -- staff ---------------------------------------------------------------------------------------


async def test_staff_edit_an_answer_and_search_finds_it_at_once(make_user: UserFactory) -> None:
    admin = make_user(language_code="en", user_id=ADMIN_ID)
    await onboard(admin, "en")
    reader = make_user(language_code="ru")
    await onboard(reader, "ru")
    await reader.send("зефирный гиппопотам")  # words no entry has
    assert reader.last_text.startswith(NOT_FOUND["ru"])

    await admin.send("/questions")
    await admin.press("🧰")
    await admin.press("1")
    await admin.press("✏️ Edit this answer (staff)")
    assert "Users see this now" in admin.last_text
    await admin.press("✏️ Edit this entry")
    await admin.press("🧰")  # topic step 1 of 11
    for _ in range(6):  # questions and answers: keep them
        await admin.press("↩️ Keep")
    await admin.send("зефирный гиппопотам, marshmallow hippo")  # synonyms
    await admin.press("👁 Shown")
    await admin.press("Official source")
    await admin.press("↩️ Keep the current source")
    assert admin.last_text.startswith("⚠️") or "Preview" in admin.last_text
    await admin.press("✅ Confirm and publish")
    assert "Search finds it from now on" in admin.last_text

    await reader.send("зефирный гиппопотам")
    assert reader.last_text.startswith(FOUND["ru"])


async def test_staff_add_a_hidden_entry_then_show_it(make_user: UserFactory) -> None:
    admin = make_user(language_code="en", user_id=ADMIN_ID)
    await onboard(admin, "en")
    await admin.send("/faq")
    assert "FAQ entries" in admin.last_text
    await admin.press("➕ New entry")
    await admin.press("✏️ Edit this entry")
    assert "↩️ Keep" not in " ".join(admin.buttons)  # a new entry has nothing to keep
    await admin.press("👪")
    await admin.send("Бауырым хабарласпай жатыр, қорқамын")
    await admin.send("Мой брат пропал со связи, я боюсь")
    await admin.send("My brother stopped answering, I am scared")
    for text in ("Жауап.", "Ответ.", "Answer."):
        await admin.send(text)
    await admin.send("x" * 700)  # too long: asked again, the step keeps its place
    assert "please keep it to" in admin.last_text
    await admin.send("-")
    await admin.press("🙈 Hidden")
    await admin.press("Reported")
    await admin.send("not a link")
    assert "does not look like a link" in admin.last_text
    await admin.send("https://example.org/faq")
    await admin.press("✅ Confirm and publish")
    assert "hidden" in admin.last_text

    reader = make_user(language_code="en")
    await onboard(reader, "en")
    await reader.send("brother stopped answering scared")
    assert "My brother stopped answering" not in " ".join(reader.buttons)

    await admin.send("/faq")
    await admin.press("🙈 My brother stopped answering")
    await admin.press("✏️ Edit this entry")
    await admin.press("👪")
    for _ in range(7):
        await admin.press("↩️ Keep")
    await admin.press("👁 Shown")
    await admin.press("Reported")
    await admin.press("↩️ Keep the current source")
    await admin.press("✅ Confirm and publish")
    await reader.send("brother stopped answering scared")
    assert any("My brother stopped answering" in b for b in reader.buttons)
    await reader.press("My brother stopped answering")
    assert "(reported, not officially confirmed)" in reader.last_text


async def test_the_faq_editor_is_for_staff_only(make_user: UserFactory) -> None:
    user = make_user(language_code="en")
    await onboard(user, "en")
    await user.send("/faq")
    assert user.last_text == "This command is for staff only."
