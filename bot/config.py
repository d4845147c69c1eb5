"""Typed settings read once from the environment and an optional `.env` file.

Why our own small reader instead of pydantic-settings: the bot needs eight flat values, and the
brief demands that a bad value stops start-up with *one line naming the variable*. A forty-line
parser gives exactly that message without a dependency whose errors we would have to re-word.
The real environment always wins over `.env`, so deployments can override a checked-in file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

SUPPORTED_LOCALES: tuple[str, ...] = ("kk", "ru", "en")
# Every variable the bot reads; each is documented in .env.example (a test checks).
SETTING_NAMES: tuple[str, ...] = (
    "BOT_TOKEN",
    "DATABASE_PATH",
    "TELEGRAM_API_URL",
    "ADMIN_IDS",
    "STAFF_CHAT_ID",
    "DEFAULT_LOCALE",
    "LOG_LEVEL",
    "REMINDER_GRACE_MINUTES",
    "QUIET_HOURS",
    "THROTTLE_RATE",
    "THROTTLE_BURST",
    "RECHECK_DAYS",
    "TICKET_RETENTION_DAYS",
    "ACTIVE_USERS_CACHE",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable in one line."""


class SecretStr:
    """Holds a secret so that printing, logging or repr never reveals it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot reads from its environment. See `.env.example` for each variable."""

    bot_token: SecretStr | None
    database_path: Path = Path("data/jolserik.sqlite3")
    telegram_api_url: str | None = None
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    staff_chat_id: int | None = None
    default_locale: str = "kk"
    log_level: str = "INFO"
    reminder_grace_minutes: int = 180
    quiet_hours: tuple[time, time] = (time(22, 0), time(8, 0))
    throttle_rate: float = 1.0
    throttle_burst: int = 8
    recheck_days: int = 90
    ticket_retention_days: int = 30
    # People whose record and dialogue state stay in memory (~0.5 KB each): at least the number
    # active in a few minutes, or every update pays two extra reads (issue 16).
    active_users_cache: int = 60_000

    def require_token(self) -> SecretStr:
        """The token is needed only to talk to Telegram; the offline console runs without it."""
        if self.bot_token is None:
            raise ConfigError("BOT_TOKEN is not set: put the token from @BotFather into .env")
        return self.bot_token


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; `#` starts a comment line; surrounding quotes are removed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Build `Settings`; raise `ConfigError` naming the first bad variable."""
    merged: dict[str, str] = dict(read_env_file(env_file)) if env_file else {}
    merged.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = merged.get(name, "").strip()
        return value or None

    token_raw = get("BOT_TOKEN")
    if token_raw is not None and not _TOKEN_RE.match(token_raw):
        raise ConfigError(
            "BOT_TOKEN is malformed: expected the form 123456789:AAE... given by @BotFather"
        )

    api_url = get("TELEGRAM_API_URL")
    if api_url is not None:
        if not re.match(r"^https?://[^\s/]+", api_url):
            raise ConfigError("TELEGRAM_API_URL is malformed: expected http(s)://host[:port]")
        api_url = api_url.rstrip("/")

    admin_ids: set[int] = set()
    for part in (get("ADMIN_IDS") or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(
                f"ADMIN_IDS is malformed: {part!r} is not a Telegram user id "
                "(expected comma-separated numbers)"
            )
        admin_ids.add(int(part))

    staff_chat_id: int | None = None
    if (raw := get("STAFF_CHAT_ID")) is not None:
        if not re.fullmatch(r"-?\d+", raw):
            raise ConfigError(
                "STAFF_CHAT_ID is malformed: expected a chat id such as -1001234567890"
            )
        staff_chat_id = int(raw)

    default_locale = (get("DEFAULT_LOCALE") or "kk").lower()
    if default_locale not in SUPPORTED_LOCALES:
        raise ConfigError(
            f"DEFAULT_LOCALE is malformed: {default_locale!r} is not one of "
            + ", ".join(SUPPORTED_LOCALES)
        )

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL is malformed: expected one of {', '.join(LOG_LEVELS)}")

    grace_raw = get("REMINDER_GRACE_MINUTES") or "180"
    if not grace_raw.isdigit() or int(grace_raw) > 7 * 24 * 60:
        raise ConfigError(
            "REMINDER_GRACE_MINUTES is malformed: expected whole minutes from 0 to 10080"
        )

    quiet_raw = get("QUIET_HOURS") or "22:00-08:00"
    quiet_match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", quiet_raw)
    if not quiet_match:
        raise ConfigError("QUIET_HOURS is malformed: expected HH:MM-HH:MM, e.g. 22:00-08:00")
    quiet_hours = (
        time(int(quiet_match[1]), int(quiet_match[2])),
        time(int(quiet_match[3]), int(quiet_match[4])),
    )

    rate_raw = get("THROTTLE_RATE") or "1"
    try:
        throttle_rate = float(rate_raw)
    except ValueError:
        throttle_rate = -1.0
    if not 0 < throttle_rate <= 100:
        raise ConfigError("THROTTLE_RATE is malformed: expected updates per second, 0.1 to 100")
    burst_raw = get("THROTTLE_BURST") or "8"
    if not burst_raw.isdigit() or not 1 <= int(burst_raw) <= 1000:
        raise ConfigError("THROTTLE_BURST is malformed: expected a whole number from 1 to 1000")

    recheck_raw = get("RECHECK_DAYS") or "90"
    if not recheck_raw.isdigit() or not 1 <= int(recheck_raw) <= 3650:
        raise ConfigError("RECHECK_DAYS is malformed: expected whole days from 1 to 3650")

    retention_raw = get("TICKET_RETENTION_DAYS") or "30"
    if not retention_raw.isdigit() or not 1 <= int(retention_raw) <= 3650:
        raise ConfigError("TICKET_RETENTION_DAYS is malformed: expected whole days from 1 to 3650")

    cache_raw = get("ACTIVE_USERS_CACHE") or "60000"
    if not cache_raw.isdigit() or not 100 <= int(cache_raw) <= 5_000_000:
        raise ConfigError(
            "ACTIVE_USERS_CACHE is malformed: expected a whole number of people, 100 to 5000000"
        )

    return Settings(
        bot_token=SecretStr(token_raw) if token_raw else None,
        database_path=Path(get("DATABASE_PATH") or "data/jolserik.sqlite3"),
        telegram_api_url=api_url,
        admin_ids=frozenset(admin_ids),
        staff_chat_id=staff_chat_id,
        default_locale=default_locale,
        log_level=log_level,
        reminder_grace_minutes=int(grace_raw),
        quiet_hours=quiet_hours,
        throttle_rate=throttle_rate,
        throttle_burst=int(burst_raw),
        recheck_days=int(recheck_raw),
        ticket_retention_days=int(retention_raw),
        active_users_cache=int(cache_raw),
    )
