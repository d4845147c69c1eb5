"""The offline console: numbered buttons, presses by number, edits shown as edits."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli import run_bot

ROOT = Path(__file__).resolve().parent.parent


def run_console(script: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot(
        "console", "--database", str(tmp_path / "c.sqlite3"), *args, cwd=tmp_path, stdin=script
    )


def test_console_walks_through_onboarding_without_a_token(tmp_path: Path) -> None:
    result = run_console("/start\n2\n1\n/help\n7\n:quit\n", tmp_path, "--lang", "en")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Hello! I am Jolserik" in out
    assert "[1] 🇰🇿 Қазақша" in out and "[3] 🇬🇧 English" in out
    assert "── bot edited message #2 ──" in out  # pressing "Русский" edited the greeting
    assert "кто вы?" in out
    assert "Всё готово!" in out
    assert "Что я умею" in out
    assert "There is no button 7" in out
    assert "Traceback" not in result.stderr


def test_console_keeps_its_database(tmp_path: Path) -> None:
    run_console("/start\n3\n1\n", tmp_path)
    again = run_console("/start\n", tmp_path)
    assert "Welcome back!" in again.stdout


def test_console_language_switch(tmp_path: Path) -> None:
    result = run_console(":lang kk\n/start\n:lang de\n", tmp_path)
    assert "Сәлеметсіз бе!" in result.stdout
    assert "Expected one of: kk, ru, en" in result.stdout


def test_a_leading_quote_sends_a_number_as_text(tmp_path: Path) -> None:
    # /start -> English (3) -> worker (1); /selfcheck -> Start (1); then the birth year.
    result = run_console("/start\n3\n1\n/selfcheck\n1\n'1995\n", tmp_path, "--lang", "en")
    out = result.stdout
    assert "start it with '" in out  # the banner says how
    assert "question 1 of 8" in out
    assert "question 2 of 8" in out  # 1995 was taken as the answer, not as button 1995
    assert "There is no button 1995" not in out


def test_piped_input_is_not_throttled_and_no_internal_lines(tmp_path: Path) -> None:
    script = "/start\n3\n1\n" + "/help\n/menu\n" * 10
    result = run_console(script, tmp_path, "--lang", "en")
    assert "sending messages very fast" not in result.stdout
    assert result.stdout.count("What I can do") == 10
    assert "[bot called" not in result.stdout


def test_staff_flag_acts_as_staff(tmp_path: Path) -> None:
    result = run_console("/start\n3\n1\n/stats\n", tmp_path, "--lang", "en", "--staff")
    assert "You act as staff" in result.stdout
    assert "Statistics (counts only)" in result.stdout
    plain = run_console("/stats\n", tmp_path, "--lang", "en")
    assert "This command is for staff only." in plain.stdout
