"""Structured logs: one JSON object per line, extra fields kept, the token never written."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import setup_logging

TOKEN = "123456789:AAE_abcdefghijklmnopqrstuvwxyz012345"


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("INFO", secrets=[TOKEN])
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_object_per_line_with_fields(captured: io.StringIO) -> None:
    logging.getLogger("handlers.errors").error(
        "update %s failed", 77, extra={"update_id": 77, "error": "ValueError"}
    )
    [entry] = lines(captured)
    assert entry["level"] == "ERROR" and entry["logger"] == "handlers.errors"
    assert entry["msg"] == "update 77 failed"
    assert entry["update_id"] == 77 and entry["error"] == "ValueError"
    assert entry["ts"].endswith("+00:00")


def test_token_is_scrubbed_from_messages_and_tracebacks(captured: io.StringIO) -> None:
    log = logging.getLogger("aiogram.session")
    log.warning("POST https://api.telegram.org/bot%s/getMe failed", TOKEN)
    try:
        raise RuntimeError(f"bad url /bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("request failed")
    text = captured.getvalue()
    assert TOKEN not in text
    assert text.count("<redacted>") == 2
    assert all(isinstance(entry, dict) for entry in lines(captured))


def test_library_noise_stays_quiet(captured: io.StringIO) -> None:
    logging.getLogger("aiogram.event").info("Update id=1 is handled")
    logging.getLogger("aiosqlite").warning("visible")
    logging.getLogger("aiosqlite").info("executing INSERT ... ('reminder text')")
    assert [entry["msg"] for entry in lines(captured)] == ["visible"]
