"""Optional speed-ups (`bot/speedups.py`): with uvloop/orjson present, absent or switched off the
bot behaves the same. Absence is simulated (`sys.modules[name] = None`), so every path runs here
whether or not the `fast` extra is installed; tests that need the real package skip without it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot import runner, speedups
from bot.app import build_bot
from bot.config import SecretStr, Settings
from bot.offline.fakeapi import FAKE_TOKEN

ROOT = Path(__file__).resolve().parent.parent
OFF = {speedups.SWITCH: "off"}
ON: dict[str, str] = {}

# What Telegram answers to a sendMessage with an inline keyboard: Kazakh and Russian text, emoji
# (some outside the BMP, one with a joiner), entities, nested objects, booleans, large ids.
SEND_MESSAGE_ANSWER: dict[str, Any] = {
    "ok": True,
    "result": {
        "message_id": 48213,
        "from": {
            "id": 7_123_456_789,
            "is_bot": True,
            "first_name": "Жолсерік",
            "username": "jolserik_bot",
        },
        "chat": {
            "id": 5_551_234_567,
            "first_name": "Әйгерім",
            "last_name": "Нұрланқызы",
            "type": "private",
        },
        "date": 1_764_000_000,
        "text": (
            "🇰🇿 Сәлеметсіз бе! Кореядағы жұмыс визасы (E-9) туралы ақпарат.\n"
            "Здравствуйте! Срок вашей визы истекает через 30 дней 📅 — "
            "не забудьте продлить. 👨‍👩‍👧 Отбасыңызға сәлем! «Жолсерік» ✅"
        ),
        "entities": [{"offset": 0, "length": 4, "type": "bold"}],
        "reply_markup": {
            "inline_keyboard": [
                [{"text": f"{emoji} {label}", "callback_data": f"menu:{index}"}]
                for index, (emoji, label) in enumerate(
                    [
                        ("📋", "Кетер алдында"),
                        ("⏰", "Еске салғыштар"),
                        ("❓", "Жиі қойылатын сұрақтар"),
                        ("✉️", "Адамға сұрақ"),
                        ("🏥", "Медицина"),
                        ("💸", "Ақша аудару"),
                        ("🌐", "Язык / Тіл / Language"),
                        ("⬅️", "Назад"),
                    ]
                )
            ]
        },
    },
}


def _absent(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make `import name` fail as if the package were not installed."""
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.fixture(params=["absent", "present", "switched-off"])
def codec(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    if request.param == "absent":
        _absent(monkeypatch, "orjson")
        return speedups.json_codec(ON)
    if request.param == "present":
        pytest.importorskip("orjson")
        loads, dumps = speedups.json_codec(ON)
        assert dumps is not json.dumps
        return loads, dumps
    return speedups.json_codec(OFF)


def test_the_codec_round_trips_a_telegram_answer_like_the_standard_library(
    codec: tuple[Any, Any],
) -> None:
    loads, dumps = codec
    text = dumps(SEND_MESSAGE_ANSWER)
    assert isinstance(text, str)
    assert loads(text) == SEND_MESSAGE_ANSWER
    assert json.loads(text) == SEND_MESSAGE_ANSWER
    assert loads(json.dumps(SEND_MESSAGE_ANSWER)) == SEND_MESSAGE_ANSWER
    assert loads(json.dumps(SEND_MESSAGE_ANSWER, ensure_ascii=False)) == SEND_MESSAGE_ANSWER
    # aiogram also dumps single values (chat_id, flags) as JSON text.
    for value in (5_551_234_567, True, "Сәлем 🇰🇿", [1, "ә"], None):
        assert json.loads(dumps(value)) == value
        assert isinstance(dumps(value), str)


def test_what_orjson_refuses_falls_back_to_the_standard_library(
    codec: tuple[Any, Any],
) -> None:
    loads, dumps = codec
    for value in ({1: "int key"}, 2**70, {"id": -(2**65)}):
        assert dumps(value) == json.dumps(value)
    # Every 64-bit integer reads exactly (Telegram's ids have at most 52 significant bits).
    for number in (2**63 - 1, -(2**63), 2**64 - 1, 2**53 + 1):
        assert loads(str(number)) == number
        assert type(loads(str(number))) is int
    assert math.isnan(loads("NaN"))
    assert loads('"\\ud83d"') == json.loads('"\\ud83d"')  # a lone surrogate, escaped
    with pytest.raises(ValueError):
        loads("{not json")
    with pytest.raises(TypeError):
        dumps({"x": object()})


def test_the_switch_forces_the_standard_library_even_when_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for value in ("off", "OFF", " 0 ", "false", "no"):
        environ = {speedups.SWITCH: value}
        assert not speedups.enabled(environ)
        assert speedups.json_codec(environ) == (json.loads, json.dumps)
        assert speedups.loop_factory(environ) is None
        assert speedups.describe(environ).startswith("speedups: off")
    for value in ("", "on", "1", "yes"):
        assert speedups.enabled({speedups.SWITCH: value})
    # Without an explicit mapping: the real environment, then .env, like every setting.
    monkeypatch.delenv(speedups.SWITCH, raising=False)
    assert speedups.enabled()
    (tmp_path / ".env").write_text(f"{speedups.SWITCH}=off\n", encoding="utf-8")
    assert not speedups.enabled()
    assert speedups.json_codec() == (json.loads, json.dumps)
    monkeypatch.setenv(speedups.SWITCH, "on")
    assert speedups.enabled()
    monkeypatch.setenv(speedups.SWITCH, "off")
    (tmp_path / ".env").unlink()
    assert not speedups.enabled()


def test_absent_packages_mean_the_standard_library_and_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _absent(monkeypatch, "orjson", "uvloop")
    assert speedups.json_codec(ON) == (json.loads, json.dumps)
    assert speedups.loop_factory(ON) is None
    assert speedups.describe(ON) == (
        "speedups: uvloop off (not installed), orjson off (not installed)"
    )


def test_present_packages_are_used() -> None:
    pytest.importorskip("orjson")
    uvloop = pytest.importorskip("uvloop")
    assert speedups.loop_factory(ON) is uvloop.new_event_loop
    assert speedups.describe(ON) == "speedups: uvloop on, orjson on"


async def _workload() -> tuple[str, int]:
    """Tasks, a queue, a thread hop (aiosqlite's pattern) and a timer on the running loop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[int] = asyncio.Queue()

    async def produce() -> None:
        for i in range(100):
            await queue.put(i)
            await asyncio.sleep(0)

    producer = asyncio.create_task(produce())
    total = 0
    for _ in range(100):
        total += await queue.get()
    await producer
    total += await asyncio.to_thread(lambda: 50)
    await asyncio.sleep(0.01)
    return type(loop).__module__, total


@pytest.mark.parametrize("variant", ["absent", "present", "switched-off"])
def test_the_runner_runs_a_coroutine(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    environ = OFF if variant == "switched-off" else ON
    if variant == "absent":
        _absent(monkeypatch, "uvloop")
    if variant == "present":
        pytest.importorskip("uvloop")
    module, total = speedups.run(_workload(), environ=environ)
    assert total == sum(range(100)) + 50
    assert module.startswith("uvloop") == (variant == "present")


@pytest.mark.parametrize("variant", ["absent", "present", "switched-off"])
async def test_the_production_session_codes_json_with_the_codec(
    variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if variant == "absent":
        _absent(monkeypatch, "orjson")
    if variant == "present":
        pytest.importorskip("orjson")
    if variant == "switched-off":
        monkeypatch.setenv(speedups.SWITCH, "off")
    else:
        monkeypatch.delenv(speedups.SWITCH, raising=False)
    tg = build_bot(FAKE_TOKEN)
    try:
        session = tg.session
        assert isinstance(session, AiohttpSession)
        assert session.api.base.startswith("https://api.telegram.org/")
        # Answers are read without the keyboard Telegram echoes (bot/telegram/answers.py).
        if variant == "present":
            assert session.json_dumps.__name__ == "orjson_dumps"
            assert session.json_loads.__name__ == "lean_orjson_loads"
        else:
            assert session.json_dumps is json.dumps
            assert session.json_loads.__name__ == "lean_loads"
        # As aiogram uses them: a keyboard out, Telegram's answer in.
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="🇰🇿 Мәзір", callback_data="menu")]]
        )
        out = session.prepare_value(markup, tg, files={})
        assert isinstance(out, str)
        assert json.loads(out) == {
            "inline_keyboard": [[{"text": "🇰🇿 Мәзір", "callback_data": "menu"}]]
        }
        method = SendMessage(chat_id=5_551_234_567, text="x")
        answer = session.check_response(tg, method, 200, json.dumps(SEND_MESSAGE_ANSWER))
        message = answer.result
        assert message.text == SEND_MESSAGE_ANSWER["result"]["text"]
        assert message.reply_markup is None  # echoed keyboard skipped, the rest read
        assert message.chat.first_name == "Әйгерім"
    finally:
        await tg.session.close()


async def test_a_self_hosted_api_url_keeps_the_codec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(speedups.SWITCH, raising=False)
    tg = build_bot(FAKE_TOKEN, api_url="http://127.0.0.1:8081")
    try:
        assert tg.session.api.base.startswith("http://127.0.0.1:8081/")
        loads, dumps = speedups.json_codec()
        assert tg.session.json_dumps.__name__ == dumps.__name__
        assert tg.session.json_loads.__name__ == f"lean_{loads.__name__}"
    finally:
        await tg.session.close()


@pytest.mark.parametrize("variant", ["absent", "present", "switched-off"])
def test_run_bot_logs_the_active_speedups_once_and_runs_on_their_loop(
    variant: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    if variant == "absent":
        _absent(monkeypatch, "uvloop", "orjson")
    if variant == "present":
        pytest.importorskip("uvloop")
        pytest.importorskip("orjson")
    if variant == "switched-off":
        monkeypatch.setenv(speedups.SWITCH, "off")
    else:
        monkeypatch.delenv(speedups.SWITCH, raising=False)
    seen: list[str] = []

    async def fake_run(settings: Settings, token: str) -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    monkeypatch.setattr(runner, "_run", fake_run)
    token = "123456789:AAE_abcdefghijklmnopqrstuvwxyz012345"
    settings = Settings(bot_token=SecretStr(token), database_path=tmp_path / "db.sqlite3")
    with caplog.at_level(logging.INFO, logger="bot.runner"):
        runner.run_bot(settings)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("speedups:")]
    assert lines == [
        {
            "absent": "speedups: uvloop off (not installed), orjson off (not installed)",
            "present": "speedups: uvloop on, orjson on",
            "switched-off": "speedups: off (switched off by JOLSERIK_SPEEDUPS)",
        }[variant]
    ]
    assert token not in caplog.text
    assert len(seen) == 1
    assert seen[0].startswith("uvloop" if variant == "present" else "asyncio")


def test_describe_inside_a_loop_names_the_loop_actually_running() -> None:
    pytest.importorskip("uvloop")

    async def probe() -> str:
        return speedups.describe(ON)

    assert asyncio.run(probe()).startswith("speedups: uvloop off (not used by this loop)")
    assert speedups.run(probe(), environ=ON).startswith("speedups: uvloop on")


def test_speedups_and_operator_commands_import_no_aiogram() -> None:
    probe = (
        "import sys, bot.speedups as s; s.json_codec(); s.describe(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'aiogram'))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "stats", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "aiogram" not in result.stderr


def test_only_a_message_answer_loses_its_keyboard() -> None:
    from bot.telegram.answers import without_echoed_keyboards

    loads = without_echoed_keyboards(json.loads)
    keyboard = {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}
    answer = loads(json.dumps({"ok": True, "result": {"message_id": 5, "reply_markup": keyboard}}))
    assert answer == {"ok": True, "result": {"message_id": 5}}
    pressed = {
        "update_id": 1,
        "callback_query": {"message": {"message_id": 9, "reply_markup": keyboard}},
    }
    updates = loads(json.dumps({"ok": True, "result": [pressed]}))
    assert updates["result"][0]["callback_query"]["message"]["reply_markup"] == keyboard
    assert loads(json.dumps({"ok": True, "result": True})) == {"ok": True, "result": True}
    assert loads("[1, 2]") == [1, 2]
