"""Optional speed-ups (`pip install 'jolserik[fast]'`): uvloop and orjson, used when installed.

One job: find out which of them can be imported and hand them out. The bot behaves the same
without them; they only make the event loop and JSON coding cheaper (figures in
docs/benchmarks.md, "Optional speed-ups").

- `run(main)` runs a coroutine like `asyncio.run`, on a uvloop loop when uvloop is there.
- `json_codec()` gives `(loads, dumps)` for aiogram's session: orjson's when it is there,
  otherwise the standard library's. `dumps` returns str, as aiogram expects. What orjson refuses
  and the standard library accepts (a non-str dict key or an integer beyond 64 bits to write,
  NaN or a lone surrogate to read) falls back to the standard library. Two differences remain,
  neither reachable from the Bot API: orjson writes a float NaN/Infinity as `null` (the standard
  library writes `NaN`, which is not JSON), and reads an integer literal beyond 64 bits as a
  float (Telegram's ids have at most 52 significant bits).
- `JOLSERIK_SPEEDUPS=off` (real environment first, then `.env`, like every setting) turns both
  off even when installed, for comparisons or to rule them out when chasing a problem.

No aiogram here: importing this module stays cheap.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

SWITCH = "JOLSERIK_SPEEDUPS"
_OFF_VALUES = frozenset({"off", "0", "false", "no"})

JsonLoads = Callable[..., Any]
JsonDumps = Callable[..., str]
T = TypeVar("T")


def enabled(environ: Mapping[str, str] | None = None) -> bool:
    """False when `JOLSERIK_SPEEDUPS` says off. Without `environ`: the real environment, then the
    `.env` file of the working directory (the same precedence as `bot.config.load_settings`)."""
    if environ is None:
        value = os.environ.get(SWITCH)
        if value is None:
            from bot.config import ConfigError, read_env_file

            try:
                value = read_env_file(Path(".env")).get(SWITCH)
            except (ConfigError, OSError, UnicodeDecodeError):
                value = None
    else:
        value = environ.get(SWITCH)
    return (value or "").strip().lower() not in _OFF_VALUES


def _module(name: str, environ: Mapping[str, str] | None) -> ModuleType | None:
    if not enabled(environ):
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def loop_factory(
    environ: Mapping[str, str] | None = None,
) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None for asyncio's default loop."""
    uvloop = _module("uvloop", environ)
    return None if uvloop is None else uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T], *, environ: Mapping[str, str] | None = None) -> T:
    """`asyncio.run(main)`, on uvloop when available and not switched off."""
    with asyncio.Runner(loop_factory=loop_factory(environ)) as runner:
        return runner.run(main)


def json_codec(environ: Mapping[str, str] | None = None) -> tuple[JsonLoads, JsonDumps]:
    """(loads, dumps) for `AiohttpSession(json_loads=..., json_dumps=...)`."""
    orjson = _module("orjson", environ)
    if orjson is None:
        return json.loads, json.dumps
    orjson_loads, orjson_dumps = orjson.loads, orjson.dumps
    decode_error, encode_error = orjson.JSONDecodeError, orjson.JSONEncodeError

    def loads(data: str | bytes) -> Any:
        try:
            return orjson_loads(data)
        except decode_error:
            # Input orjson refuses: let the standard library accept it or raise its own error.
            return json.loads(data)

    def dumps(value: Any) -> str:
        try:
            return orjson_dumps(value).decode()
        except encode_error:
            return json.dumps(value)

    loads.__qualname__ = loads.__name__ = "orjson_loads"
    dumps.__qualname__ = dumps.__name__ = "orjson_dumps"
    return loads, dumps


def describe(environ: Mapping[str, str] | None = None) -> str:
    """One log line naming what is active: "speedups: uvloop on, orjson off (not installed)".
    Inside a running loop, uvloop is "on" only if that loop is uvloop's."""
    if not enabled(environ):
        return f"speedups: off (switched off by {SWITCH})"
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if _module("uvloop", environ) is None:
        uvloop_state = "off (not installed)"
    elif running is not None and not type(running).__module__.startswith("uvloop"):
        uvloop_state = "off (not used by this loop)"
    else:
        uvloop_state = "on"
    orjson_state = "on" if _module("orjson", environ) is not None else "off (not installed)"
    return f"speedups: uvloop {uvloop_state}, orjson {orjson_state}"
