"""Logging set-up. Two rules hold at every level: no message texts, no tokens.

Handlers log ids and types, never texts. As a second guard, a filter scrubs the bot token from
every record, in case a library puts a request URL into an error message.
"""

from __future__ import annotations

import logging
import sys


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "<redacted>")
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_text is None:
            formatted = logging.Formatter().formatException(record.exc_info)
            for secret in self._secrets:
                formatted = formatted.replace(secret, "<redacted>")
            record.exc_text = formatted
        return True


def setup_logging(level: str, secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access details are not ours to log, and aiosqlite's debug log echoes SQL
    # parameters, which can hold what a user typed (reminder texts): never below WARNING.
    for noisy in ("aiohttp", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # aiogram writes one INFO line per update ("Update id=... is handled"): ~12 % of throughput
    # (docs/benchmarks.md) for a line that says nothing our own logs do not; DEBUG keeps it.
    if root.level > logging.DEBUG:
        logging.getLogger("aiogram.event").setLevel(logging.WARNING)
