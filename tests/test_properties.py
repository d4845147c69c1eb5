"""Property-based tests: random text, dates, times and callback data thrown at the real
dispatcher through `SimulatedUser`. Whatever arrives, the bot must not crash, must not stay
silent, must only send what Telegram would accept, and must leave SQLite and its caches in a
consistent state.

How Hypothesis and asyncio fit together here
--------------------------------------------
pytest-asyncio (1.x) recognises an ``async def`` test decorated with ``@given`` (its
``AsyncHypothesisTest`` item) and replaces Hypothesis' inner test with a synchronous wrapper
that runs every example as a coroutine on the test's own event loop (``asyncio.Runner``). So the
tests below are plain ``async def`` functions with ``@given``: no nested coroutine, no
``asyncio.run``, and they can ``await`` the dispatcher directly. ``@settings`` and ``@example``
stack with ``@given`` as usual, and pytest fixtures are the parameters ``@given`` leaves alone.
(Checked with pytest-asyncio 1.5 and Hypothesis 6.170.)

Isolation between examples
--------------------------
The async fixtures (`db`, `app`, `clock`, ...) are function-scoped: built once per test
function, on that same loop, and shared by all of its examples. Hypothesis warns about that
(`HealthCheck.function_scoped_fixture`); it is suppressed on purpose because every example
  * starts with a fresh Telegram user (a new user id from this module's `make_user`), so no
    chat, FSM state, cache entry or flood-control bucket leaks in from an earlier example;
  * calls `new_example()`, which resets the manual clock to the same instant and clears the
    error log, so a replayed or shrunk example behaves exactly as it did the first time;
  * (the random walk only) disarms the reminders it scheduled, so a later example's "time
    passes" step cannot deliver them.
Users act at a human pace (`PacedUser`: 1.5 s between updates on the manual clock); the real
flood control would otherwise, rightly, drop a script's 9th update in a row without a reply.

Stability and budget: examples are derandomized (a fixed seed per test), so every run tries
the same inputs and results do not flip between runs; the whole file runs in about 20 s.
`JOLSERIK_PROPERTY_EXPLORE=10` draws fresh random inputs on every run, ten times as many (any
factor works), for bug hunting.
`database=None`: no example database is kept; a failure prints its shrunk example, and the
inputs that found bugs are pinned in `test_forged_data_found_by_the_properties`. (Hypothesis
still creates a `.hypothesis/` cache directory next to the repository; it is not test data.)

"Unhandled error" means a record on the `handlers.errors` logger (the global error handler
swallows the exception after logging "update %s failed with %s", and apologises), any ERROR
record anywhere, or an exception escaping `feed_update`.
"""

from __future__ import annotations

import html
import importlib
import json
import logging
import os
import pkgutil
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.fsm.state import StatesGroup
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.app import App
from bot.clock import ManualClock
from bot.offline.fakeapi import BOT_USERNAME, FakeTelegramSession
from bot.offline.simuser import SimulatedUser, plain
from bot.reminders.engine import custom_reminder
from bot.reminders.rules import MAX_HORIZON_DAYS, MAX_TEXT_LENGTH
from bot.telegram.callbacks import LanguageCb, NewReminderCb, RemindersCb
from handlers.reminders import NewReminder
from handlers.states import Onboarding
from storage.db import Database
from tests.conftest import START, UserFactory, onboard

# -- settings -----------------------------------------------------------------------------------


# Default: a fixed seed per test (`derandomize`), so every run of the suite tries the same
# examples and a result never flips between runs. JOLSERIK_PROPERTY_EXPLORE=10 draws fresh
# random examples on every run, ten times as many (any factor works): for hunting, not for CI.
EXPLORE = float(os.environ.get("JOLSERIK_PROPERTY_EXPLORE") or 0)


def budget(examples: int) -> hsettings:
    return hsettings(
        max_examples=max(1, round(examples * EXPLORE)) if EXPLORE else examples,
        derandomize=not EXPLORE,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


LOCALES = ("kk", "ru", "en")
SEOUL = ZoneInfo("Asia/Seoul")  # `onboard` answers "I work in Korea": Seoul time
WHERE = ("none", "language", "audience", "date", "time", "text")
EXPECTED_STATE: dict[str, str | None] = {
    "none": None,
    "language": Onboarding.language.state,
    "audience": Onboarding.audience.state,
    "date": NewReminder.date.state,
    "time": NewReminder.time.state,
    "text": NewReminder.text.state,
}


def _all_dialogue_states() -> frozenset[str | None]:
    """Every state any feature's dialogue defines: a stored state outside this set is corrupt."""
    import bot
    import handlers

    states: set[str | None] = {None}
    for package in (bot, handlers):
        for module_info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if module_info.name.endswith("__main__"):
                continue
            module = importlib.import_module(module_info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, StatesGroup)
                    and value is not StatesGroup
                ):
                    states |= {state.state for state in value.__all_states__}
    return frozenset(states)


KNOWN_STATES = _all_dialogue_states()
REMINDER_STATUSES = frozenset({"pending", "sending", "sent", "cancelled", "missed", "failed"})
USER_LANGUAGES = frozenset({"kk", "ru", "en", None})
AUDIENCES = frozenset({"worker", "family", "other", None})
WARNING = "⚠️"
DELETE_ALL = "priv:confirm_delete"  # a real button: the one forged press allowed to erase the user


# -- watching the logs ----------------------------------------------------------------------------


class ErrorLog(logging.Handler):
    """Collects what counts as an unhandled error: anything from the global error handler's
    logger, and ERROR records from anywhere."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "handlers.errors" or record.levelno >= logging.ERROR:
            self.records.append(record)

    def clear(self) -> None:
        self.records.clear()

    def assert_empty(self) -> None:
        assert not self.records, "\n\n".join(
            f"{r.name} {r.levelname}: {r.getMessage()}" for r in self.records
        )


def new_example(clock: ManualClock, error_log: ErrorLog) -> None:
    """Each example starts from the same moment with a clean log: the shared fixtures must not
    make an example behave differently when Hypothesis replays or shrinks it."""
    clock.set(START)
    error_log.clear()


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logger = logging.getLogger("handlers.errors")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)
    logger.setLevel(old_level)


# -- what Telegram would accept --------------------------------------------------------------

_TELEGRAM_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)
_HTML_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z-]*)(?:\s[^<>]*)?>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<&]"
)


def html_problem(text: str) -> str | None:
    """Why Telegram would reject `text` with parse_mode=HTML ("can't parse entities", "text is
    empty", "message is too long"), or None. The fake Bot API does not check this."""
    stack: list[str] = []
    for match in _HTML_TOKEN.finditer(text):
        token = match.group(0)
        if token in ("<", "&"):
            return f"unescaped {token!r} at {match.start()}: {text[max(0, match.start() - 20) :]!r}"
        if token.startswith("&"):
            continue
        closing, name = match.group(1), match.group(2).lower()
        if name not in _TELEGRAM_TAGS:
            return f"unsupported tag <{name}>"
        if closing:
            if not stack or stack.pop() != name:
                return f"unbalanced </{name}>"
        else:
            stack.append(name)
    if stack:
        return f"unclosed <{stack[-1]}>"
    visible = plain(text)
    if not visible.strip():
        return "message text is empty"
    if len(visible.encode("utf-16-le")) // 2 > 4096:
        return "message is too long"
    return None


def visible(text: str) -> str:
    """What a person reads in a message sent with parse_mode=HTML: tags gone, every entity
    (&lt; &amp; &quot; &#x27; ...) decoded, as Telegram renders it."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def callback_data_of(markup: Any) -> list[str]:
    if isinstance(markup, InlineKeyboardMarkup):
        return [b.callback_data for row in markup.inline_keyboard for b in row if b.callback_data]
    if isinstance(markup, dict):
        return [
            b["callback_data"]
            for row in markup.get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]
    return []


def assert_calls_acceptable(calls: Iterable[TelegramMethod[Any]]) -> None:
    """Every outgoing call is one real Telegram would accept."""
    for call in calls:
        if isinstance(call, SendMessage | EditMessageText):
            problem = html_problem(call.text)
            assert problem is None, f"{type(call).__name__} Telegram would reject: {problem}"
            for data in callback_data_of(call.reply_markup):
                assert 1 <= len(data.encode()) <= 64, f"callback data too long: {data!r}"
        if isinstance(call, AnswerCallbackQuery) and call.text:
            assert len(call.text) <= 200, f"popup too long: {call.text!r}"


def assert_replied_to_message(user: SimulatedUser) -> None:
    """No silence: a private message gets at least one message sent or edited in its chat."""
    answers = [
        call
        for call in user.last_calls
        if isinstance(call, SendMessage | EditMessageText)
        and int(call.chat_id or 0) == user.user_id
    ]
    assert answers, f"the bot stayed silent; calls: {[type(c).__name__ for c in user.last_calls]}"
    assert_calls_acceptable(user.last_calls)


def assert_answered_query(user: SimulatedUser) -> None:
    """A pressed button always gets its answerCallbackQuery (else the client spins)."""
    answers = [c for c in user.last_calls if isinstance(c, AnswerCallbackQuery)]
    assert answers, f"query not answered; calls: {[type(c).__name__ for c in user.last_calls]}"
    assert_calls_acceptable(user.last_calls)


# -- driving the user ------------------------------------------------------------------------

HUMAN_PAUSE_S = 1.5  # between two actions of one person; flood control allows 1 update/s


class PacedUser(SimulatedUser):
    """A `SimulatedUser` who takes a breath before each action, as people do: the real flood
    control (`bot/telegram/throttling.py`, a token bucket on the same manual clock) would
    otherwise drop the 9th update of a burst silently, which is right for a script and wrong for
    this test."""

    def __init__(self, *args: Any, clock: ManualClock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock

    async def feed(self, update: dict[str, Any]) -> list[TelegramMethod[Any]]:
        self.clock.advance(HUMAN_PAUSE_S)
        return await super().feed(update)


@pytest.fixture
def make_user(app: App, bot: Bot, session: FakeTelegramSession, clock: ManualClock) -> UserFactory:
    """Like conftest's `make_user`, with a fresh id per call and a human pace."""
    counter = iter(range(300_000_001, 400_000_000))

    def factory(language_code: str | None = "ru") -> SimulatedUser:
        return PacedUser(
            app.dispatcher,
            bot,
            session,
            user_id=next(counter),
            language_code=language_code,
            clock=clock,
        )

    return factory


def latest_keyboard(user: SimulatedUser) -> tuple[int, list[str]]:
    for stored in reversed(user.bot_messages()):
        if stored.reply_markup:
            return stored.message_id, callback_data_of(stored.reply_markup)
    raise LookupError("the bot has not shown any buttons")


async def tap(user: SimulatedUser, data: str) -> None:
    """Press a real button (by its callback data) on the newest keyboard."""
    message_id, offered = latest_keyboard(user)
    assert data in offered, f"{data!r} not on offer: {offered}"
    await user.press_data(data, message_id=message_id)


async def user_in(make_user: UserFactory, where: str, locale: str) -> SimulatedUser:
    """A fresh user whose dialogue stands at `where` (see WHERE)."""
    user = make_user(language_code=locale)
    if where in ("language", "audience"):
        await user.send("/start")
        if where == "audience":
            await tap(user, LanguageCb(code=locale).pack())
    else:
        await onboard(user, locale)
        if where in ("date", "time", "text"):
            await user.send("/reminders")
            await tap(user, RemindersCb(action="new").pack())
        if where in ("time", "text"):
            await tap(user, NewReminderCb(step="tomorrow").pack())
        if where == "text":
            await tap(user, NewReminderCb(step="time", value="09.00").pack())
    return user


async def fsm_row(db: Database, user_id: int) -> tuple[str | None, dict[str, Any]]:
    rows = await db.fetch_all("SELECT state, data FROM fsm_states WHERE user_id = ?", (user_id,))
    assert len(rows) <= 1, f"{len(rows)} FSM rows for one private chat"
    if not rows:
        return None, {}
    return rows[0]["state"], json.loads(rows[0]["data"])


async def assert_consistent(
    db: Database,
    app: App,
    bot: Bot,
    user_ids: Iterable[int],
    *,
    maybe_deleted: Iterable[int] = (),
) -> None:
    """No corrupted state: every FSM row holds a known state and a JSON object that fits it,
    every reminder has a valid status and payload, the users exist with a valid language, and
    the caches (FSM storage, user repository) agree with SQLite."""
    for row in await db.fetch_all("SELECT key, user_id, state, data FROM fsm_states"):
        data = json.loads(row["data"])
        assert isinstance(data, dict), f"fsm data is not an object: {row['data']!r}"
        assert row["state"] in KNOWN_STATES, f"unknown state {row['state']!r}"
        if row["state"] in (NewReminder.time.state, NewReminder.text.state):
            date.fromisoformat(data["date"])
        if row["state"] == NewReminder.text.state:
            time.fromisoformat(data["time"])
    for row in await db.fetch_all("SELECT id, status, payload, due_at, fire_at FROM reminders"):
        assert row["status"] in REMINDER_STATUSES, f"reminder {row['id']}: {row['status']!r}"
        assert isinstance(json.loads(row["payload"]), dict)
        assert row["fire_at"] >= row["due_at"]
    deletable = set(maybe_deleted)
    for user_id in user_ids:
        row = await db.fetch_one("SELECT language, audience FROM users WHERE id = ?", (user_id,))
        if row is None:
            assert user_id in deletable, f"user {user_id} vanished from the users table"
            assert await app.users.get(user_id) is None, "a deleted user is still cached"
        else:
            assert row["language"] in USER_LANGUAGES, f"language {row['language']!r}"
            assert row["audience"] in AUDIENCES, f"audience {row['audience']!r}"
            cached = await app.users.get(user_id)
            assert cached is not None
            assert (cached.language, cached.audience) == (row["language"], row["audience"])
        state, data = await fsm_row(db, user_id)
        context = app.dispatcher.fsm.get_context(bot, chat_id=user_id, user_id=user_id)
        assert await context.get_state() == state, "FSM cache and SQLite disagree on the state"
        assert await context.get_data() == data, "FSM cache and SQLite disagree on the data"


# -- strategies ------------------------------------------------------------------------------

SPECIALS = [
    "\x00",
    "\x07",
    "\x1b[31m",
    "\u200b",
    "\u200f",
    "\u202e",
    "\ufeff",
    "e\u0301",
    "مرحبا بك",
    "שלום",
    "😀",
    "👨‍👩‍👧",
    "🇰🇿",
    "Сәлем, қалың қалай?",
    "<b>",
    "</i>",
    "<script>",
    "&amp;",
    "&",
    "<",
    ">",
    "\n",
    "\r\n",
    "\t",
    " ",
    "%s",
    "{}",
    "{date}",
    "{0}",
    "'; DROP TABLE users;--",
    "25.12.2026",
    "09:00",
    "today",
    "завтра",
]
COMMANDS = [
    "start",
    "menu",
    "help",
    "reminders",
    "language",
    "mydata",
    "privacy",
    "deletemydata",
    "stats",
    "START",
    "Start",
    "unknown",
    "",
    "start_",
    "remind",
]
MENTIONS = ["", "", f"@{BOT_USERNAME}", f"@{BOT_USERNAME.upper()}", "@otherbot", "@"]

fragments = st.one_of(st.text(min_size=1, max_size=30), st.sampled_from(SPECIALS))
free_text = st.lists(fragments, min_size=1, max_size=6).map("".join)
long_text = st.builds(
    lambda unit, length: (unit * (length // len(unit) + 1))[:length],
    st.text(min_size=1, max_size=12),
    st.integers(min_value=200, max_value=4096),
)
commands = st.builds(
    lambda name, mention, args: f"/{name}{mention}{args}",
    st.one_of(st.sampled_from(COMMANDS), st.text(max_size=12)),
    st.sampled_from(MENTIONS),
    st.one_of(
        st.sampled_from(["", " extra args", "  ", "\nsecond line", " 25.12.2026"]),
        st.text(max_size=20).map(lambda s: " " + s),
    ),
)
any_text = st.one_of(free_text, long_text, commands, st.text(min_size=1, max_size=300))

date_like = st.from_regex(r"\d{1,4}[./-]\d{1,4}([./-]\d{1,4})?", fullmatch=True)
DATE_FORMATS = [
    "{d:02d}.{m:02d}.{y:04d}",
    "{d}.{m}.{y}",
    "{y:04d}-{m:02d}-{d:02d}",
    "{y}-{m}-{d}",
    "{d:02d}/{m:02d}/{y:04d}",
    "{y:04d}/{m:02d}/{d:02d}",
    "{y:04d}.{m:02d}.{d:02d}",
    "{d:02d}-{m:02d}-{y:04d}",
    " {d:02d}.{m:02d}.{y:04d}. ",
]
time_like = st.from_regex(r"\d{1,2}([:. ]\d{1,2})?", fullmatch=True)
TIME_FORMATS = ["{h:02d}:{mi:02d}", "{h}:{mi:02d}", "{h:02d}.{mi:02d}", "{h} {mi:02d}"]

FORGED_INT = st.one_of(  # ids as Telegram could carry them, SQLite's 64-bit range and beyond
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=2**63, max_value=10**40),
    st.integers(min_value=-(10**40), max_value=-(2**63) - 1),
)
field = st.one_of(st.text(max_size=16), FORGED_INT.map(str))


def prefixed(prefix: str, real: list[str]) -> st.SearchStrategy[str]:
    return st.builds(f"{prefix}:{{}}".format, st.one_of(st.sampled_from(real), field))


forged_data = st.one_of(
    st.builds("rem:cancel:{}".format, st.one_of(FORGED_INT, st.text(max_size=16))),
    st.builds("rem:{}:{}".format, st.one_of(st.sampled_from(["new", "cancel"]), field), field),
    st.builds(
        "nrem:{}:{}".format,
        st.sampled_from(["today", "tomorrow", "time", "back", "cancel"]) | field,
        st.sampled_from(["", "09.00", "9.5", "25.00", "99.99", "12:30", "x"]) | field,
    ),
    st.builds("nrem:time:{}".format, st.one_of(time_like, field)),
    prefixed("lang", ["kk", "ru", "en", "de", ""]),
    prefixed("aud", ["worker", "family", "other", "WORKER", ""]),
    prefixed("tz", ["auto", "Asia/Seoul", "Asia/Almaty", "Europe/London", "Nowhere/City"]),
    prefixed("menu", ["root", "help", "language", "mydata", "reminders", "privacy", "x"]),
    prefixed("priv", ["ask_delete", "confirm_delete", "keep", "change_audience", "time_zone"]),
    prefixed("staff", ["refresh_stats", "prog_confirm", "tracker_confirm", "tracker_stage_3", "x"]),
    prefixed("menu", ["eps", "departure"]),
    st.builds(
        "eps:{}:{}".format,
        st.sampled_from(["root", "what", "sectors", "stay", "steps", "step", "brokers"]) | field,
        st.one_of(st.integers(min_value=-5, max_value=60).map(str), field),
    ),
    st.builds(
        "elig:{}:{}".format,
        st.sampled_from(["start", "begin", "retake", "answer", "keep", "back", "cancel", "delete"])
        | field,
        st.sampled_from(["", "passport.valid", "age.x", "irregular.now", "x.y"]) | field,
    ),
    st.builds("trk:{}:{}".format, st.sampled_from(["show", "sub", "unsub"]) | field, field),
    st.builds(
        "dep:{}:{}".format,
        st.sampled_from(["root", "what", "who", "where", "programme", "card", "card_send"]) | field,
        field,
    ),
    st.builds(
        "chk:{}:{}".format,
        st.sampled_from(
            ["show", "done", "undo", "howto", "summary", "delete", "delete_yes", "date", "notime"]
        )
        | field,
        st.sampled_from(["", "passport", "report", "ticket", "wages", "x"]) | field,
    ),
    st.text(min_size=1, max_size=64),
).filter(lambda data: 1 <= len(data.encode()) <= 64)  # Telegram's limit for callback data


# -- 1. any text, in any state ------------------------------------------------------------------


@budget(100)
@given(where=st.sampled_from(WHERE), locale=st.sampled_from(LOCALES), text=any_text)
@example(where="none", locale="en", text="/start@otherbot")
@example(where="date", locale="ru", text="/reminders extra args")
@example(where="text", locale="kk", text="x" * 4096)
@example(where="language", locale="en", text="\x00\u202e<b>&")
async def test_any_text_in_any_state_is_answered(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    where: str,
    locale: str,
    text: str,
) -> None:
    """Any text (control characters, RTL marks, emoji, HTML, 4096 characters, commands with
    arguments or another bot's name) in any dialogue state: no error, an answer, a known
    state, a consistent database."""
    new_example(clock, error_log)
    user = await user_in(make_user, where, locale)
    assert (await fsm_row(db, user.user_id))[0] == EXPECTED_STATE[where]
    await user.send(text)
    error_log.assert_empty()
    assert_replied_to_message(user)
    await assert_consistent(db, app, bot, [user.user_id])


@budget(30)
@given(
    where=st.sampled_from(WHERE),
    locale=st.sampled_from(LOCALES),
    kind=st.sampled_from(["photo", "sticker"]),
)
async def test_photos_and_stickers_in_any_state_are_answered(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    where: str,
    locale: str,
    kind: str,
) -> None:
    new_example(clock, error_log)
    user = await user_in(make_user, where, locale)
    await (user.send_photo() if kind == "photo" else user.send_sticker())
    error_log.assert_empty()
    assert_replied_to_message(user)
    state, _ = await fsm_row(db, user.user_id)
    assert state == EXPECTED_STATE[where], "a photo or sticker must not move the dialogue"
    await assert_consistent(db, app, bot, [user.user_id])


@budget(40)
@given(
    text=any_text,
    chat_type=st.sampled_from(["group", "supergroup"]),
    chat_id=st.integers(min_value=-(10**13), max_value=-1),
)
@example(text="/start", chat_type="group", chat_id=-100)
@example(text=f"/reminders@{BOT_USERNAME}", chat_type="supergroup", chat_id=-1001234567890)
async def test_the_bot_stays_silent_in_groups(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    text: str,
    chat_type: str,
    chat_id: int,
) -> None:
    """Dialogues are private: whatever is written in a group, the bot says nothing there (or
    anywhere else) and nothing fails."""
    new_example(clock, error_log)
    user = make_user()
    message: dict[str, Any] = {
        "message_id": 1,
        "date": int(clock.now()),
        "chat": {"id": chat_id, "type": chat_type, "title": "Workers in Ansan"},
        "from": {"id": user.user_id, "is_bot": False, "first_name": user.first_name},
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    calls = await user.feed({"update_id": user.session.next_update_id(), "message": message})
    error_log.assert_empty()
    spoken = [c for c in calls if isinstance(c, SendMessage | EditMessageText)]
    assert not spoken, f"the bot spoke in a group: {spoken}"
    state, _ = await fsm_row(db, user.user_id)
    assert state is None


# -- 2. dates and times --------------------------------------------------------------------------


def seoul_today(clock: ManualClock) -> date:
    return datetime.fromtimestamp(clock.now(), SEOUL).date()


async def assert_date_step_outcome(user: SimulatedUser, db: Database, today: date) -> date | None:
    """Either step 2 with a date in [today, horizon], or step 1 again with a ⚠️ problem."""
    state, data = await fsm_row(db, user.user_id)
    if state == NewReminder.time.state:
        accepted = date.fromisoformat(data["date"])
        assert today <= accepted <= today + timedelta(days=MAX_HORIZON_DAYS)
        assert not user.replies[-1].startswith(WARNING)
        return accepted
    assert state == NewReminder.date.state, f"unexpected state {state!r} after a date"
    assert user.replies and user.replies[-1].startswith(WARNING), user.replies
    return None


@budget(60)
@given(locale=st.sampled_from(LOCALES), typed=date_like)
@example(locale="en", typed="29.02")
@example(locale="en", typed="0000-01-01")
@example(locale="ru", typed="٢٥.١٢.٢٠٢٦")
async def test_date_like_text_advances_or_reprompts(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    locale: str,
    typed: str,
) -> None:
    new_example(clock, error_log)
    user = await user_in(make_user, "date", locale)
    await user.send(typed)
    error_log.assert_empty()
    assert_replied_to_message(user)
    await assert_date_step_outcome(user, db, seoul_today(clock))
    await assert_consistent(db, app, bot, [user.user_id])


@budget(60)
@given(
    locale=st.sampled_from(LOCALES),
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2031, 12, 31)),
    fmt=st.sampled_from([*DATE_FORMATS, "{d:02d}.{m:02d}", "{d}/{m}"]),
)
@example(locale="en", day=date(2028, 2, 29), fmt="{d:02d}.{m:02d}")
@example(locale="en", day=date(2026, 11, 21), fmt="{d:02d}.{m:02d}.{y:04d}")
@example(locale="en", day=date(2028, 11, 20), fmt="{y}-{m}-{d}")
@example(locale="en", day=date(2028, 11, 21), fmt="{y}-{m}-{d}")
async def test_calendar_dates_are_read_exactly(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    locale: str,
    day: date,
    fmt: str,
) -> None:
    """A real date typed in a documented format is accepted as exactly that day when it lies
    between today and the horizon, and refused with ⚠️ otherwise; without a year it means the
    next such day."""
    new_example(clock, error_log)
    today = seoul_today(clock)
    user = await user_in(make_user, "date", locale)
    await user.send(fmt.format(d=day.day, m=day.month, y=day.year))
    error_log.assert_empty()
    assert_replied_to_message(user)
    accepted = await assert_date_step_outcome(user, db, today)
    if "{y" in fmt:
        expected = day
    else:  # the next (day, month) on or after today
        expected = next(
            candidate
            for year in range(today.year, today.year + 9)
            for candidate in [_safe_date(year, day.month, day.day)]
            if candidate is not None and candidate >= today
        )
    in_range = today <= expected <= today + timedelta(days=MAX_HORIZON_DAYS)
    assert accepted == (expected if in_range else None)
    await assert_consistent(db, app, bot, [user.user_id])


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@budget(50)
@given(
    locale=st.sampled_from(LOCALES), when=st.sampled_from(["today", "tomorrow"]), typed=time_like
)
@example(locale="en", when="tomorrow", typed="24:00")
@example(locale="en", when="today", typed="19:00")
async def test_time_like_text_advances_or_reprompts(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    locale: str,
    when: str,
    typed: str,
) -> None:
    new_example(clock, error_log)
    user = await user_in(make_user, "date", locale)
    await tap(user, NewReminderCb(step=when).pack())
    await user.send(typed)
    error_log.assert_empty()
    assert_replied_to_message(user)
    state, data = await fsm_row(db, user.user_id)
    if state == NewReminder.text.state:
        time.fromisoformat(data["time"])
    else:
        assert state == NewReminder.time.state, f"unexpected state {state!r} after a time"
        assert user.replies[-1].startswith(WARNING), user.replies
    await assert_consistent(db, app, bot, [user.user_id])


@budget(50)
@given(
    locale=st.sampled_from(LOCALES),
    when=st.sampled_from(["today", "tomorrow"]),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    fmt=st.sampled_from(TIME_FORMATS),
)
async def test_clock_times_are_read_exactly(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    locale: str,
    when: str,
    at: time,
    fmt: str,
) -> None:
    """A valid time is taken as exactly that time if the moment is still ahead, and refused
    with ⚠️ (keeping the date) if it has passed."""
    new_example(clock, error_log)
    user = await user_in(make_user, "date", locale)
    await tap(user, NewReminderCb(step=when).pack())
    await user.send(fmt.format(h=at.hour, mi=at.minute))
    error_log.assert_empty()
    assert_replied_to_message(user)
    day = seoul_today(clock) + timedelta(days=1 if when == "tomorrow" else 0)
    ahead = datetime.combine(day, at, SEOUL).timestamp() > clock.now()
    state, data = await fsm_row(db, user.user_id)
    if ahead:
        assert state == NewReminder.text.state
        assert data["time"] == at.strftime("%H:%M")
        assert data["date"] == day.isoformat()
    else:
        assert state == NewReminder.time.state
        assert data["date"] == day.isoformat()
        assert user.replies[-1].startswith(WARNING)
    await assert_consistent(db, app, bot, [user.user_id])


@budget(60)
@given(locale=st.sampled_from(LOCALES), typed=any_text)
@example(locale="en", typed="<b>bold</b> & \"quotes\" 'single' &amp; &lt;")
@example(locale="kk", typed="  \u202eRTL\x00 ✈️ 👨‍👩‍👧  ")
@example(locale="ru", typed="x" * (MAX_TEXT_LENGTH + 1))
async def test_reminder_text_round_trips(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    locale: str,
    typed: str,
) -> None:
    """At step 3 any text is either refused with ⚠️ (empty or too long: the step stays) or
    stored trimmed, and the person then reads exactly what they typed, HTML and all, in the
    confirmation, in /reminders and in the reminder itself."""
    new_example(clock, error_log)
    user = await user_in(make_user, "text", locale)
    await user.send(typed)
    error_log.assert_empty()
    assert_replied_to_message(user)
    expected = typed.strip()
    state, _ = await fsm_row(db, user.user_id)
    if typed.startswith("/"):
        return  # a command, not a reminder text: covered by the text-in-any-state property
    if not expected or len(expected) > MAX_TEXT_LENGTH:
        assert state == NewReminder.text.state
        assert user.replies[-1].startswith(WARNING), user.replies
        return
    assert state is None, f"still in {state!r} after a valid text"
    (reminder,) = await app.reminders.repo.upcoming_for_user(user.user_id)
    assert reminder.payload["text"] == expected
    confirmation = user.last_calls[-1]
    assert isinstance(confirmation, SendMessage)
    assert f"«{expected}»" in visible(confirmation.text)
    await user.send("/reminders")
    assert expected in visible(user.last_message.text)
    before = len(user.session.calls)
    clock.set(reminder.fire_at)
    await app.reminders.deliver(reminder.id)
    delivered = [
        c
        for c in user.session.calls[before:]
        if isinstance(c, SendMessage) and int(c.chat_id) == user.user_id
    ]
    assert len(delivered) == 1
    assert_calls_acceptable(delivered)
    assert expected in visible(delivered[0].text)
    error_log.assert_empty()
    await assert_consistent(db, app, bot, [user.user_id])


# -- 3. forged callback data -------------------------------------------------------------------


async def press_inaccessible(user: SimulatedUser, data: str, message_id: int) -> None:
    """A press on a message the bot can no longer see (Telegram sends `date: 0` and no
    content, e.g. for messages older than 48 hours): aiogram makes it an InaccessibleMessage."""
    chat = {"id": user.user_id, "type": "private", "first_name": user.first_name}
    query = {
        "id": str(user.session.next_update_id()),
        "from": {"id": user.user_id, "is_bot": False, "first_name": user.first_name},
        "chat_instance": str(user.user_id),
        "data": data,
        "message": {"chat": chat, "message_id": message_id, "date": 0},
    }
    await user.feed({"update_id": user.session.next_update_id(), "callback_query": query})


def mutated(real: list[str]) -> st.SearchStrategy[str]:
    """A real button's data with one field replaced, dropped or added: what an old release, a
    modified client or a bit flip would send, and what the handler's filter lets through."""

    def mutate(data: str) -> st.SearchStrategy[str]:
        parts = data.split(":")
        at = st.sampled_from(range(len(parts) - 1, 0, -1) or [1])  # the values field first
        replaced = st.builds(
            lambda i, value: ":".join([*parts[:i], value, *parts[i + 1 :]]), at, field
        )
        dropped = st.just(":".join(parts[:-1]))
        added = field.map(lambda value: f"{data}:{value}")
        return st.one_of(replaced, replaced, dropped, added)

    return st.sampled_from(real).flatmap(mutate)


@budget(100)
@given(where=st.sampled_from(WHERE), locale=st.sampled_from(LOCALES), draws=st.data())
async def test_forged_callback_data_is_harmless(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    where: str,
    locale: str,
    draws: st.DataObject,
) -> None:
    """Up to 5 presses of forged callback data (well-formed forgeries of every prefix, real
    buttons of the current screen with a field changed, or noise), on the newest keyboard or
    on a message the bot can no longer see: each is answered, never an error, and the state
    stays consistent."""
    new_example(clock, error_log)
    user = await user_in(make_user, where, locale)
    for _ in range(draws.draw(st.integers(min_value=1, max_value=5), label="presses")):
        try:
            message_id, real = latest_keyboard(user)
        except LookupError:  # e.g. after "delete all my data": forge on the last message
            message_id, real = user.last_message.message_id, []
        # Mutations first: Hypothesis starts from (and shrinks towards) the first branch.
        forgeries = (st.one_of(mutated(real), forged_data) if real else forged_data).filter(
            lambda data: 1 <= len(data.encode()) <= 64
        )
        data = draws.draw(forgeries, label="data")
        inaccessible = draws.draw(st.booleans(), label="inaccessible")
        if inaccessible:
            await press_inaccessible(user, data, message_id)
        else:
            await user.press_data(data, message_id=message_id)
        error_log.assert_empty()
        assert_answered_query(user)
        deleted = [user.user_id] if data == DELETE_ALL else []
        await assert_consistent(db, app, bot, [user.user_id], maybe_deleted=deleted)


@pytest.mark.parametrize(
    ("where", "data"),
    [
        # A reminder id beyond SQLite's 64-bit INTEGER: OverflowError binding the parameter.
        ("none", f"rem:cancel:{2**63}"),
        ("none", f"rem:cancel:{-(2**63) - 1}"),
        ("date", "rem:cancel:99999999999999999999"),
        # A time button whose value does not parse: InputError escapes `time_chosen`.
        ("time", "nrem:time:99.99"),
        ("time", "nrem:time:"),
        ("time", "nrem:time:noon"),
    ],
)
async def test_forged_data_found_by_the_properties(
    app: App,
    db: Database,
    bot: Bot,
    make_user: UserFactory,
    error_log: ErrorLog,
    where: str,
    data: str,
) -> None:
    """Falsifying examples the properties above found, pinned as plain cases so they are
    checked on every run whatever Hypothesis draws: a cancel button with an id outside
    SQLite's INTEGER range crashed `cancel_reminder` (OverflowError from the sqlite3 binding),
    and a time button whose value `parse_time` refuses crashed `time_chosen` (InputError).
    Each must be answered like any outdated button, with no apology for an error."""
    user = await user_in(make_user, where, "en")
    message_id, _ = latest_keyboard(user)
    await user.press_data(data, message_id=message_id)
    error_log.assert_empty()
    assert_answered_query(user)
    assert all(not reply.startswith("Sorry, something went wrong") for reply in user.replies)
    await assert_consistent(db, app, bot, [user.user_id])


@budget(40)
@given(
    where=st.sampled_from(WHERE),
    locale=st.sampled_from(LOCALES),
    spelling=st.sampled_from(["{}", "+{}", "0{}", "00{}", " {}", "{} ", "{}\n"]),
    data_first=st.booleans(),
)
@example(where="none", locale="ru", spelling="{}", data_first=True)
async def test_a_forged_cancel_never_touches_another_users_reminder(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    where: str,
    locale: str,
    spelling: str,
    data_first: bool,
) -> None:
    """User B forges "cancel" with user A's reminder id (in any spelling that parses as that
    id): A's reminder stays pending and armed, and B never sees its text."""
    new_example(clock, error_log)
    owner = make_user(language_code="en")
    await onboard(owner, "en")
    record = await app.users.get(owner.user_id)
    assert record is not None
    secret = f"owner-secret-{owner.user_id}"
    reminder = await app.reminders.schedule(
        custom_reminder(record, date(2026, 11, 23), time(9, 0), secret)
    )
    intruder = await user_in(make_user, where, locale)
    if data_first:  # forge on the intruder's own reminder list, where cancel buttons live
        await intruder.send("/reminders")
    message_id, _ = latest_keyboard(intruder)
    await intruder.press_data("rem:cancel:" + spelling.format(reminder.id), message_id=message_id)
    error_log.assert_empty()
    assert_answered_query(intruder)
    assert await db.fetch_value("SELECT status FROM reminders WHERE id = ?", (reminder.id,)) == (
        "pending"
    )
    assert reminder.id in app.reminders.store, "the owner's reminder was disarmed"
    seen = "\n".join(m.text for m in intruder.bot_messages())
    assert secret not in seen, "another user's reminder text was shown"
    await assert_consistent(db, app, bot, [owner.user_id, intruder.user_id])


# -- 4. a random walk through the real screens ---------------------------------------------------

REALISTIC = [
    "22.11.2026",
    "25.12",
    "2027-01-15",
    "tomorrow",
    "завтра",
    "ертең",
    "09:00",
    "18:30",
    "23.59",
    "Билет",
    "Call mom",
    "/reminders",
    "/start",
    "/menu",
    "/mydata",
    "/language",
    "/help",
]
walk_text = st.one_of(
    st.sampled_from(REALISTIC), st.sampled_from(REALISTIC), date_like, time_like, any_text
)
STEP_KINDS = [
    *["button"] * 5,
    *["text"] * 3,
    "old_button",
    "forge",
    "photo",
    "wait",
]


WAIT = st.one_of(
    st.integers(min_value=0, max_value=600), st.integers(min_value=600, max_value=36 * 3600)
)


async def take_step(
    app: App, clock: ManualClock, user: SimulatedUser, steps: st.DataObject
) -> bool | None:
    """One random action of the walk. Returns whether the user's row must exist afterwards:
    True after any update from the user (it registers them), False right after "delete all my
    data", None when the step sent nothing (time passing changes no one's registration)."""
    kind = steps.draw(st.sampled_from(STEP_KINDS), label="kind")
    keyboards = [m for m in user.bot_messages() if callback_data_of(m.reply_markup)]
    if kind in ("button", "old_button", "forge") and not keyboards:
        kind = "text"
    if kind == "text":
        await user.send(steps.draw(walk_text, label="text"))
        assert_replied_to_message(user)
    elif kind == "photo":
        await user.send_photo()
        assert_replied_to_message(user)
    elif kind == "wait":
        upcoming = await app.reminders.repo.upcoming_for_user(user.user_id, limit=1)
        if upcoming and steps.draw(st.booleans(), label="until due"):
            clock.set(upcoming[0].fire_at)  # exactly when the reminder falls due
        clock.advance(steps.draw(WAIT, label="wait"))
        await app.reminders.run_due()
        return None
    else:
        if kind == "old_button":
            stored = steps.draw(st.sampled_from(keyboards), label="message")
        else:
            stored = keyboards[-1]
        if kind == "forge":
            forgeries = st.one_of(mutated(callback_data_of(stored.reply_markup)), forged_data)
            data = steps.draw(forgeries.filter(lambda d: len(d.encode()) <= 64), label="forged")
        else:
            offered = callback_data_of(stored.reply_markup)
            data = steps.draw(st.sampled_from(offered), label="button")
        await user.press_data(data, message_id=stored.message_id)
        assert_answered_query(user)
        return data != DELETE_ALL
    return True


@budget(60)
@given(start=st.sampled_from(["fresh", "with_reminder", *WHERE]), steps=st.data())
async def test_random_walk_keeps_every_invariant(
    app: App,
    db: Database,
    bot: Bot,
    clock: ManualClock,
    make_user: UserFactory,
    error_log: ErrorLog,
    start: str,
    steps: st.DataObject,
) -> None:
    """Up to 10 random actions from any starting point: typing, pressing the newest or an old
    button, forging data, sending a photo, letting time pass (and delivering what fell due).
    After every action: no error, calls Telegram would accept, a consistent database."""
    new_example(clock, error_log)
    locale = steps.draw(st.sampled_from(LOCALES), label="locale")
    if start == "fresh":
        user = make_user(language_code=locale)
        await user.send(steps.draw(walk_text, label="first text"))
    elif start == "with_reminder":
        user = await user_in(make_user, "text", locale)
        await user.send("Билет")
        await user.send("/reminders")
    else:
        user = await user_in(make_user, start, locale)
    registered = True
    try:
        for _ in range(steps.draw(st.integers(min_value=1, max_value=10), label="steps")):
            before = len(user.session.calls)
            outcome = await take_step(app, clock, user, steps)
            registered = registered if outcome is None else outcome
            assert_calls_acceptable(user.session.calls[before:])
            error_log.assert_empty()
            deleted = [] if registered else [user.user_id]
            await assert_consistent(db, app, bot, [user.user_id], maybe_deleted=deleted)
            event(f"reached {(await fsm_row(db, user.user_id))[0]}")  # --hypothesis-show-statistics
    finally:
        # Disarm what this example scheduled: a later example must not deliver it, or its
        # outcome would depend on the examples before it.
        rows = await db.fetch_all("SELECT status FROM reminders WHERE user_id = ?", (user.user_id,))
        await app.reminders.cancel_all(user.user_id)
    event(f"reminders: {sorted({row['status'] for row in rows})}")
