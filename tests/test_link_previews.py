"""No link preview cards: every screen cites its sources as links, and Telegram would attach a
preview card of the first one to most screens, pushing the screen itself off a phone."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.methods import EditMessageText, SendMessage

from bot.offline.fakeapi import FakeTelegramSession
from tests.conftest import UserFactory, onboard


async def test_no_message_the_bot_sends_shows_a_link_preview(
    make_user: UserFactory, bot: Bot, session: FakeTelegramSession
) -> None:
    user = make_user(language_code="en")
    await onboard(user, "en")
    await user.send("/eps")
    await user.press("What is EPS")
    await user.send("/departure")
    await user.press("My stay has become irregular")  # the track question (issue 15)
    await user.press("Who can use it")
    await user.send("/checklist")
    sent = [c for c in session.calls if isinstance(c, SendMessage | EditMessageText)]
    assert len(sent) >= 6
    with_links = 0
    for call in sent:
        options = call.link_preview_options
        if isinstance(options, Default):
            options = bot.default[options.name]
        assert options is not None and options.is_disabled, call
        with_links += "<a href=" in call.text
    assert with_links >= 3  # the screens that cite sources were among them
