"""`python -m bot stats`: the operational counts (storage/stats.py) as plain text for a terminal
or a cron mail. Staff see the same figures in the bot (/stats)."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database
from storage.stats import OpsStats, StatsRepository


def format_stats(stats: OpsStats) -> str:
    """Counts as aligned plain text, for a terminal or a cron mail. Never an id or a name."""
    rows: list[tuple[str, int | None]] = [
        ("users", stats.users_total),
        ("  blocked the bot", stats.users_blocked),
        ("users by language", None),
        *((f"  {key}", count) for key, count in stats.users_by_language.items()),
        ("users by audience", None),
        *((f"  {key}", count) for key, count in stats.users_by_audience.items()),
        ("reminders by status", None),
        *((f"  {key}", count) for key, count in stats.reminders_by_status.items()),
        ("active dialogues", stats.active_dialogues),
    ]
    label_width = max(len(label) for label, _ in rows)
    number_width = max(len(str(count)) for _, count in rows if count is not None)
    lines = [
        label if count is None else f"{label.ljust(label_width)}  {count:>{number_width}}"
        for label, count in rows
    ]
    return "\n".join(lines)


async def collect_from_file(database: Path) -> OpsStats:
    db = await Database.open(database)
    try:
        return await StatsRepository(db).collect()
    finally:
        await db.close()
