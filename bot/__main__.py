"""Command line: `python -m bot [run|console|backup|restore|stats]`.

Wiring only; the work happens elsewhere (operator commands in `bot/ops/backup.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import SUPPORTED_LOCALES, ConfigError, load_settings
from bot.logs import setup_logging


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Jolserik (Жолсерік): Telegram bot for Kazakhstan's citizens in South Korea.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot with long polling (the default)")
    console = commands.add_parser(
        "console", help="chat with the bot offline in this terminal: no token, no network"
    )
    console.add_argument(
        "--lang",
        choices=SUPPORTED_LOCALES,
        default="ru",
        help="language your simulated Telegram app reports (default: ru)",
    )
    console.add_argument(
        "--database",
        type=Path,
        default=Path("data/console.sqlite3"),
        help="SQLite file for the console, kept apart from real users (default: %(default)s)",
    )
    console.add_argument(
        "--staff", action="store_true", help="act as a staff member (admin) in the console"
    )
    console.add_argument(
        "--flood-limit",
        action="store_true",
        help="keep the production flood limit (off in the console: piped input is fast)",
    )
    console.add_argument("--user-id", type=int, default=100_000_001, help=argparse.SUPPRESS)
    # Operator commands live in bot/ops/backup.py; importing it pulls in no aiogram, so they
    # start fast.
    from bot.ops.backup import add_commands

    add_commands(commands)
    args = parser.parse_args(argv)
    args.command = args.command or "run"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
        if args.command == "run":
            settings.require_token()
    except ConfigError as error:
        print(f"jolserik: configuration error: {error}", file=sys.stderr)
        return 2
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    # The console's chat and the operator commands' reports go to stdout; their logs stay
    # quiet unless something is wrong.
    level = settings.log_level if args.command == "run" else "WARNING"
    setup_logging(level, secrets=[token])
    if args.command in ("backup", "restore", "stats"):
        from bot.ops.backup import run_command

        return run_command(args, settings)
    try:
        if args.command == "console":
            from bot.offline.console import run_console

            asyncio.run(
                run_console(
                    settings,
                    database_path=args.database,
                    language_code=args.lang,
                    user_id=args.user_id,
                    staff=args.staff,
                    flood_limit=args.flood_limit,
                )
            )
        else:
            from bot.runner import StartupError, run_bot

            try:
                run_bot(settings)
            except StartupError as error:
                print(f"jolserik: cannot start: {error}", file=sys.stderr)
                return 2
    except KeyboardInterrupt:
        logging.getLogger(__name__).info("interrupted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
