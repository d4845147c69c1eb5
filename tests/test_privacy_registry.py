"""One registry of what is kept about a person (bot/privacy/personal.py) drives /privacy, /mydata
and /deletemydata; these tests keep it complete: against the database, the README and the
screens, in every language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.privacy.personal import REGISTRY
from storage.db import Database
from tests.conftest import ADMIN_ID, UserFactory, onboard

ROOT = Path(__file__).resolve().parent.parent
USER_COLUMN = re.compile(r"^(user_id|.+_by)$")


async def test_every_table_with_a_user_column_is_in_the_registry(db: Database) -> None:
    listed = {table for kept in REGISTRY for table in kept.tables}
    for table in await db.table_names():
        if table == "schema_migrations":
            continue
        columns = {row[1] for row in await db.fetch_all(f"PRAGMA table_info({table})")}
        about_people = table == "users" or any(USER_COLUMN.match(c) for c in columns)
        if about_people:
            assert table in listed, f"{table} keeps data about people: add it to REGISTRY"
    assert listed <= set(await db.table_names()), "the registry names a table that does not exist"


def test_the_readme_lists_every_entry_of_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**What is stored**") : readme.index("**Rights:**")]
    for kept in REGISTRY:
        tables = ", ".join(f"`{table}`" for table in kept.tables)
        assert f"`{kept.key}` ({tables})" in section, kept.key


PRIVACY_LINES = {
    "kk": ["Telegram", "тексеру нәтижесі", "кету жоспарыңыз"],
    "ru": ["Telegram", "проверки соответствия", "план выезда"],
    "en": ["Telegram id", "self-check", "departure plan"],
}


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_privacy_and_delete_name_every_kind_of_data(
    make_user: UserFactory, locale: str
) -> None:
    user = make_user()
    await onboard(user, locale)
    await user.send("/privacy")
    notice = user.last_text
    assert notice.count("\n• ") == len([k for k in REGISTRY if not k.staff_only])
    for word in PRIVACY_LINES[locale]:
        assert word in notice, word
    assert len(notice) <= 1200
    await user.send("/deletemydata")
    assert user.last_text.count("\n• ") == len([k for k in REGISTRY if not k.staff_only])

    admin = make_user(language_code=locale, user_id=ADMIN_ID)
    await onboard(admin, locale)
    await admin.send("/privacy")
    assert admin.last_text.count("\n• ") == len(REGISTRY)  # staff also read the audit entry
