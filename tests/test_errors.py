"""A failing handler: the user gets an apology in their language, logs hold no text, and the
bot goes on serving everybody else."""

from __future__ import annotations

import logging

import pytest
from aiogram import F
from aiogram.types import Message

from tests.conftest import UserFactory, onboard

APOLOGY = {
    "kk": "Кешіріңіз, менің тарапымда қате шықты.",
    "ru": "Извините, у меня что-то пошло не так.",
    "en": "Sorry, something went wrong on my side.",
}


@pytest.fixture
def broken_app(app):
    async def explode(message: Message) -> None:
        raise ValueError(f"cannot parse {message.text!r}")

    # Registered on the dispatcher itself, whose own handlers run before any router's.
    app.dispatcher.message.register(explode, F.text.startswith("/boom"))
    return app


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_user_gets_an_apology_in_their_language(
    broken_app, make_user: UserFactory, locale: str
) -> None:
    user = make_user()
    await onboard(user, locale)
    await user.send("/boom my passport is N1234567")
    assert user.last_text.startswith(APOLOGY[locale])


async def test_error_log_has_the_update_id_but_never_the_text(
    broken_app, make_user: UserFactory, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user()
    await onboard(user, "en")
    with caplog.at_level(logging.DEBUG):
        await user.send("/boom my passport is N1234567")
    errors = [r for r in caplog.records if r.name == "handlers.errors"]
    assert len(errors) == 1
    assert "failed with ValueError" in errors[0].getMessage()
    everything = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "N1234567" not in everything


async def test_bot_keeps_serving_after_an_error(broken_app, make_user: UserFactory) -> None:
    unlucky, other = make_user(), make_user()
    await onboard(unlucky, "ru")
    await unlucky.send("/boom")
    await other.send("/start")
    assert other.last_text.startswith("Здравствуйте!")
    await unlucky.send("/menu")
    assert unlucky.last_text.startswith("Главное меню")


async def test_failing_apology_does_not_crash(broken_app, make_user: UserFactory, session) -> None:
    user = make_user()
    await onboard(user, "en")
    session.fail("sendMessage", 403)
    await user.send("/boom")  # the apology itself is refused: still no exception escapes
    await user.send("/menu")
    assert user.last_text.startswith("Main menu")
