"""Every screen a user can reach by buttons fits a phone and has a way back, in every language.

The walker plays one person per language: it opens each section by its command, then presses
every button it has not pressed yet on the screens it reaches, breadth first, and records what
each press showed. Buttons are typed data, so a button's data names what it opens; pressing
each distinct one once covers every screen (a dialogue's later steps, reached by typing, have
their own tests). It reports the longest screen of each language; a screen over SCREEN_LIMIT
characters, or one with no button at all, fails with the buttons that lead to it.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

import pytest
from aiogram.methods import EditMessageText, SendMessage

from bot.app import App
from bot.offline.simuser import SimulatedUser, plain
from tests.conftest import ADMIN_ID, UserFactory, onboard

SCREEN_LIMIT = 1200

# Buttons the walker leaves alone: they erase everything, publish to users, or switch the
# language (each has its own tests; switching would only walk the same screens again).
NOT_PRESSED_DATA = ("priv:confirm_delete", "staff:tracker_confirm", "staff:prog_confirm", "lang:")
# Messages that are meant to have no buttons: a summary to forward, a card for the officer.
NO_BUTTONS_OK = ("📋", "안녕하세요")

# Buttons that lead back without a "⬅️": a menu section, the checklist, "No, keep it".
WAY_BACK_DATA = ("menu:", "go", "chk:show", "priv:keep")

COMMANDS = (
    "/menu",
    "/help",
    "/eps",
    "/departure",
    "/checklist",
    "/reminders",
    "/selfcheck",
    "/mydata",
    "/privacy",
    "/language",
    "/deletemydata",
    "/ask",
)
STAFF_COMMANDS = ("/stats", "/tracker", "/programme")


@dataclass(frozen=True)
class Seen:
    path: tuple[str, ...]
    text: str
    buttons: tuple[tuple[str, str | None], ...]  # (label, callback data)

    @property
    def has_a_way_back(self) -> bool:
        """A button back (⬅️), out (✖️ Cancel, ↩️ Keep, "No, keep it") or to a section."""
        return any(
            label.startswith(("⬅️", "✖️", "↩️")) or (data or "").startswith(WAY_BACK_DATA)
            for label, data in self.buttons
        )


def shown(user: SimulatedUser) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """What the last action put on screen: each sent or edited message and its buttons."""
    screens = []
    for call in user.last_calls:
        if isinstance(call, SendMessage | EditMessageText):
            rows = call.reply_markup.inline_keyboard if call.reply_markup else []
            buttons = [(b.text, b.callback_data) for row in rows for b in row]
            screens.append((plain(call.text), buttons))
    return screens


async def walk(user: SimulatedUser, commands: tuple[str, ...]) -> list[Seen]:
    seen: list[Seen] = []
    pressed: set[str] = set()
    queue: deque[tuple[tuple[str, ...], str | None]] = deque(((c,), None) for c in commands)
    while queue:
        path, data = queue.popleft()
        if data is None:
            await user.send(path[-1])
        else:
            await user.press_data(data, message_id=user.last_message.message_id)
        for text, buttons in shown(user):
            seen.append(Seen(path, text, tuple(buttons)))
            for label, next_data in buttons:
                if next_data is None or next_data in pressed:
                    continue
                if next_data.startswith(NOT_PRESSED_DATA):
                    continue
                pressed.add(next_data)
                queue.append(((*path, label), next_data))
    return seen


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
@pytest.mark.parametrize("staff", [False, True], ids=["user", "staff"])
async def test_every_screen_fits_a_phone_and_has_a_way_back(
    make_user: UserFactory, app: App, locale: str, staff: bool
) -> None:
    user = make_user(language_code=locale, user_id=ADMIN_ID if staff else None)
    await onboard(user, locale)
    screens = await walk(user, STAFF_COMMANDS if staff else COMMANDS)
    assert len(screens) >= (10 if staff else 40)  # the walk really went through the bot
    longest = max(screens, key=lambda s: len(s.text))
    print(
        f"\n{locale}/{'staff' if staff else 'user'}: {len(screens)} screens, longest "
        f"{len(longest.text)} characters, reached by {' → '.join(longest.path)}"
    )
    too_long = [(len(s.text), s.path) for s in screens if len(s.text) > SCREEN_LIMIT]
    assert not too_long, f"over {SCREEN_LIMIT} characters: {sorted(too_long, reverse=True)}"
    stranded = sorted(
        {
            (s.path[-1], s.text[:50])
            for s in screens
            if not s.has_a_way_back and not s.text.startswith(NO_BUTTONS_OK)
        }
    )
    assert not stranded, f"screens without a way back: {stranded}"
    # A date ending in "г." or "ж." followed by the sentence's own full stop reads "г..".
    doubled = sorted({s.path[-1] for s in screens if re.search(r"[^.]\.\.(?!\.)", s.text)})
    assert not doubled, f"doubled full stops on: {doubled}"


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_a_wrong_answer_gets_a_short_reply_and_keeps_the_place(
    make_user: UserFactory, locale: str
) -> None:
    """The problem and an example, under the step's heading, with the step's buttons; the
    whole question (here the self-check's birth date, ~400 characters) is not sent again
    after each wrong answer."""
    user = make_user(language_code=locale)
    await onboard(user, locale)
    await user.send("/selfcheck")
    await user.press("▶️")
    question = user.last_text
    assert len(question) > 300
    for wrong in ("next week", "32.13.1995", "3000"):
        await user.send(wrong)
        reply = user.last_text
        assert reply.startswith("⚠️") and len(reply) < 250
        assert question.split("\n")[0] in reply  # the step's heading: where the user is
        assert len(user.buttons) == 2  # Back and Cancel stay at hand
    await user.send("25.03.1995")
    assert "2" in user.last_text.split("\n")[0]  # taken: question 2
