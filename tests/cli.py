"""Running `python -m bot ...` as a real process, with none of the developer's settings leaking in.

Shared by the CLI, console and operations tests (not a test module itself).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.config import SETTING_NAMES

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment minus every bot setting, plus `settings` and the repo path."""
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update(settings)
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_bot(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", *args],
        env=env if env is not None else clean_env(),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
