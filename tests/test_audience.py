"""Issue 15: "who are you" changes what each person sees. The menu is ordered for the reader,
a family member gets a section of their own, someone thinking about Korea sees the broker
warning first, and every section stays reachable for anyone who looks for it."""

from __future__ import annotations

import pytest

from tests.conftest import UserFactory, onboard
from tests.test_onboarding import LABELS

LOCALES = ["kk", "ru", "en"]
FAMILY_TITLE = {"kk": "👪 Отбасыларға", "ru": "👪 Для семей", "en": "👪 For families"}
WARNING = {
    "kk": "⚠️ EPS тек мемлекеттер арасында жұмыс істейді",
    "ru": "⚠️ EPS работает только между государствами",
    "en": "⚠️ EPS runs only between governments",
}
HELP_RELATIVE = {
    "kk": "🤝 Туысыңызға қалай көмектесуге болады",
    "ru": "🤝 Как помочь родственнику",
    "en": "🤝 How to help your relative",
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_family_member_starts_with_the_family_section(
    make_user: UserFactory, locale: str
) -> None:
    user = make_user(language_code=locale)
    await onboard(user, locale, "family")
    await user.send("/menu")
    assert user.buttons[0] == LABELS[locale]["family"]
    await user.press(LABELS[locale]["family"])
    text = user.last_text
    assert text.startswith(FAMILY_TITLE[locale]) and len(text) <= 1200
    assert HELP_RELATIVE[locale] in user.buttons
    await user.press(HELP_RELATIVE[locale])
    assert user.last_text.startswith("❓ ")  # an FAQ answer, with its source
    assert user.last_text.splitlines()[-1].startswith("🔎")


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_worker_reaches_the_family_section_by_command(
    make_user: UserFactory, locale: str
) -> None:
    user = make_user(language_code=locale)
    await onboard(user, locale, "work")
    await user.send("/menu")
    assert LABELS[locale]["family"] not in user.buttons
    assert user.buttons[:2] == [LABELS[locale]["eps"], LABELS[locale]["departure"]]
    await user.send("/family")
    assert user.last_text.startswith(FAMILY_TITLE[locale])


@pytest.mark.parametrize("locale", LOCALES)
async def test_someone_thinking_about_korea_sees_the_broker_warning_first(
    make_user: UserFactory, locale: str
) -> None:
    other = make_user(language_code=locale)
    await onboard(other, locale, "other")
    await other.send("/menu")
    assert other.buttons[0] == LABELS[locale]["eps"]
    await other.press(LABELS[locale]["eps"])
    assert other.last_text.startswith(WARNING[locale])
    assert len(other.last_text) <= 1200
    worker = make_user(language_code=locale)
    await onboard(worker, locale, "work")
    await worker.send("/eps")
    assert WARNING[locale] not in worker.last_text


async def test_changing_who_you_are_reorders_the_menu(make_user: UserFactory) -> None:
    user = make_user(language_code="en")
    await onboard(user, "en", "work")
    await user.send("/mydata")
    await user.press("Change who I am")
    await user.press("relative")
    await user.send("/menu")
    assert user.buttons[0] == LABELS["en"]["family"]


FAMILY_DEPARTURE = {
    "kk": "🛫 Туысыңыз Кореядан кеткенде",
    "ru": "🛫 Когда родственник уезжает из Кореи",
    "en": "🛫 When your relative leaves Korea",
}
REPORT_WORDS = {"kk": "өтініш беріңіз", "ru": "подайте заявление", "en": "make the report"}


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_family_member_is_not_given_the_leavers_tasks(
    make_user: UserFactory, locale: str
) -> None:
    user = make_user(language_code=locale)
    await onboard(user, locale, "family")
    for command in ("/departure", "/checklist"):
        await user.send(command)
        text = user.last_text
        assert text.startswith(FAMILY_DEPARTURE[locale]), command
        assert REPORT_WORDS[locale] not in text and len(text) <= 1200
        assert len(user.buttons) == 6  # follow, two guides, families, "I am leaving", menu
    # Their relative's steps are one tap away, read as theirs, with a way back.
    await user.press("📖", message_id=user.last_message.message_id)
    assert user.buttons  # the guide of the end-of-contract track
    await user.send("/menu")
    assert user.buttons[0] == LABELS[locale]["family"]


@pytest.mark.parametrize("locale", LOCALES)
def test_help_fits_a_phone_for_every_reader(app, locale: str) -> None:
    """/help lists the sections a reader sees: a family member who is also staff sees the
    most lines of all, and still one screen."""
    from bot.offline.simuser import plain
    from handlers.menu import help_text
    from storage.users import Audience, Role, UserRecord

    for role in Role:
        for audience in (*Audience, None):
            record = UserRecord(1, locale, None, role, audience, 0, 0, None)
            with app.i18n.context(), app.i18n.use_locale(locale):
                assert len(plain(help_text(record))) <= 1200, (role, audience)
