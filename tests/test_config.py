"""Settings: defaults, every malformed value named in one line, and the CLI's exit behaviour."""

from __future__ import annotations

import subprocess
from datetime import time
from pathlib import Path

import pytest

from bot.config import SETTING_NAMES, ConfigError, SecretStr, load_settings
from tests.cli import clean_env, run_bot

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAE_abcdefghijklmnopqrstuvwxyz012345"


def test_defaults_without_any_setting() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.bot_token is None
    assert settings.database_path == Path("data/jolserik.sqlite3")
    assert settings.telegram_api_url is None
    assert settings.admin_ids == frozenset()
    assert settings.staff_chat_id is None
    assert settings.default_locale == "kk"
    assert settings.log_level == "INFO"
    assert settings.quiet_hours == (time(22, 0), time(8, 0))
    assert settings.ticket_retention_days == 30


def test_the_cache_size_is_read_and_defaults_to_the_active_population() -> None:
    assert load_settings({}, env_file=None).active_users_cache == 60_000
    read = load_settings({"ACTIVE_USERS_CACHE": "250000"}, env_file=None)
    assert read.active_users_cache == 250_000


def test_ticket_retention_is_read() -> None:
    assert load_settings({"TICKET_RETENTION_DAYS": "7"}, env_file=None).ticket_retention_days == 7


def test_every_setting_is_read() -> None:
    settings = load_settings(
        {
            "BOT_TOKEN": TOKEN,
            "DATABASE_PATH": "/srv/jolserik/x.sqlite3",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "ADMIN_IDS": "11, 22,33",
            "STAFF_CHAT_ID": "-1001234567890",
            "DEFAULT_LOCALE": "RU",
            "LOG_LEVEL": "debug",
            "QUIET_HOURS": "23:30-07:00",
        },
        env_file=None,
    )
    assert settings.require_token().get_secret_value() == TOKEN
    assert settings.database_path == Path("/srv/jolserik/x.sqlite3")
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.admin_ids == frozenset({11, 22, 33})
    assert settings.staff_chat_id == -1001234567890
    assert settings.default_locale == "ru"
    assert settings.log_level == "DEBUG"
    assert settings.quiet_hours == (time(23, 30), time(7, 0))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_API_URL", "ftp://example"),
        ("ADMIN_IDS", "12,abc"),
        ("STAFF_CHAT_ID", "staff"),
        ("DEFAULT_LOCALE", "de"),
        ("LOG_LEVEL", "LOUD"),
        ("REMINDER_GRACE_MINUTES", "-5"),
        ("QUIET_HOURS", "22-8"),
        ("QUIET_HOURS", "25:00-08:00"),
        ("TICKET_RETENTION_DAYS", "0"),
        ("TICKET_RETENTION_DAYS", "a month"),
        ("ACTIVE_USERS_CACHE", "10"),
        ("ACTIVE_USERS_CACHE", "lots"),
    ],
)
def test_malformed_setting_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({name: value}, env_file=None)
    message = str(error.value)
    assert message.startswith(name)
    assert "\n" not in message


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport DEFAULT_LOCALE=en\nLOG_LEVEL='WARNING'\nADMIN_IDS=\"5\"\n",
        encoding="utf-8",
    )
    settings = load_settings({"LOG_LEVEL": "ERROR"}, env_file=env_file)
    assert settings.default_locale == "en"
    assert settings.log_level == "ERROR"
    assert settings.admin_ids == frozenset({5})


def test_secret_never_shows_in_repr() -> None:
    secret = SecretStr(TOKEN)
    settings = load_settings({"BOT_TOKEN": TOKEN}, env_file=None)
    assert TOKEN not in repr(secret)
    assert TOKEN not in str(secret)
    assert TOKEN not in repr(settings)


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_bot(*args, cwd=cwd, env=clean_env(**env))


def test_missing_token_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = run_cli(env={}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


def test_malformed_setting_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = run_cli(env={"BOT_TOKEN": TOKEN, "ADMIN_IDS": "12,abc"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "jolserik: configuration error: ADMIN_IDS is malformed: 'abc' is not a Telegram user id "
        "(expected comma-separated numbers)"
    ]
    assert TOKEN not in result.stderr


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run_cli("--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert "run" in result.stdout
    assert "console" in result.stdout


def test_env_example_documents_every_setting() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = {
        line.split("=")[0] for line in example.splitlines() if "=" in line and line[0] != "#"
    }
    assert documented == set(SETTING_NAMES)
    assert load_settings(environ={}, env_file=ROOT / ".env.example").bot_token is None
