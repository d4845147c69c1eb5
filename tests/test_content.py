"""Facts as data: the content table on a real SQLite file, its seed, staff edits and history."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.content.facts import SEED_PATH, load_seed, source_line, source_name, unconfirmed_line
from bot.faq.seed import load_faq_seed
from storage.content import Confidence, ContentRepository, FactSeed
from storage.db import Database

SEEDS = (
    FactSeed(
        key="programme",
        source_url="https://qazinform.com/news/x",
        source_date=date(2026, 1, 22),
        checked_on=date(2026, 11, 21),
        confidence=Confidence.HIGH,
        value={"end": "2026-02-28"},
    ),
    FactSeed(
        key="rumour",
        source_url="https://example.org/blog",
        checked_on=date(2026, 11, 21),
        confidence=Confidence.UNCONFIRMED,
    ),
)


async def test_seed_inserts_missing_facts_with_a_first_history_entry(db: Database) -> None:
    content = ContentRepository(db)
    assert await content.seed(SEEDS, now=100) == 2
    fact = await content.get("programme")
    assert fact.value == {"end": "2026-02-28"}
    assert fact.source_date == date(2026, 1, 22)
    assert fact.confirmed and not (await content.get("rumour")).confirmed
    (first,) = await content.history("programme")
    assert first.value == {"end": "2026-02-28"} and first.changed_by is None


async def test_seeding_again_never_overwrites_a_staff_edit(db_path: Path) -> None:
    db = await Database.open(db_path)
    content = ContentRepository(db)
    await content.seed(SEEDS, now=100)
    await content.update(
        "programme", value={"end": "2026-05-31"}, by=42, now=200, checked_on=date(2026, 3, 1)
    )
    await db.close()

    # A restart (and a deploy with the same or a newer seed file) keeps the staff's version.
    db = await Database.open(db_path)
    content = ContentRepository(db)
    assert await content.seed(SEEDS, now=300) == 0
    fact = await content.get("programme")
    assert fact.value == {"end": "2026-05-31"}
    assert fact.updated_by == 42 and fact.checked_on == date(2026, 3, 1)
    # The source stays what it was when the edit did not name a new one.
    assert fact.source_url == "https://qazinform.com/news/x"
    assert fact.source_date == date(2026, 1, 22)
    await db.close()


async def test_every_change_is_kept_newest_first(db: Database) -> None:
    content = ContentRepository(db)
    await content.seed(SEEDS, now=100)
    await content.update(
        "programme",
        value={"end": "2026-04-30"},
        by=7,
        now=200,
        checked_on=date(2026, 3, 1),
        source_url="https://www.immigration.go.kr/notice",
        source_date=date(2026, 2, 27),
    )
    await content.update(
        "programme", value={"end": "2026-05-31"}, by=8, now=300, checked_on=date(2026, 5, 1)
    )
    versions = await content.history("programme")
    assert [v.value["end"] for v in versions] == ["2026-05-31", "2026-04-30", "2026-02-28"]
    assert [v.changed_by for v in versions] == [8, 7, None]
    assert versions[0].source_url == "https://www.immigration.go.kr/notice"
    assert versions[0].source_date == date(2026, 2, 27)
    assert await content.history("rumour") != []


async def test_reads_see_a_write_at_once(db: Database) -> None:
    content = ContentRepository(db)
    await content.seed(SEEDS, now=100)
    assert (await content.get("programme")).value["end"] == "2026-02-28"  # now cached
    await content.update(
        "programme", value={"end": "2026-03-31"}, by=1, now=200, checked_on=date(2026, 3, 1)
    )
    assert (await content.get("programme")).value["end"] == "2026-03-31"
    # Another repository on the same file (a restart) reads the same.
    assert (await ContentRepository(db).get("programme")).value["end"] == "2026-03-31"


async def test_an_unknown_key_is_a_bug_not_a_silent_blank(db: Database) -> None:
    content = ContentRepository(db)
    await content.seed(SEEDS, now=100)
    with pytest.raises(KeyError):
        await content.get("no.such.fact")


def test_the_seed_file_cites_a_source_and_a_date_for_every_fact() -> None:
    raw = json.loads(SEED_PATH.read_text(encoding="utf-8"))["facts"]
    keys = [item["key"] for item in raw]
    assert len(keys) == len(set(keys)), "duplicate keys in bot/content/facts.json"
    for seed in load_seed():
        assert seed.source_url.startswith(("http://", "https://")), seed.key
        assert seed.checked_on <= date(2026, 11, 24), seed.key
        assert seed.source_date is None or seed.source_date <= seed.checked_on, seed.key
    confidences = {seed.key: seed.confidence for seed in load_seed()}
    # Points the facts sheet could not confirm must never be seeded as confirmed.
    for key in ("eligibility.irregular_stay", "departure.passport_withheld", "eps.reform"):
        assert not confidences[key].confirmed, key


async def test_the_app_seeds_the_facts_at_start(app, db: Database) -> None:
    keys = {seed.key for seed in (*load_seed(), *load_faq_seed())}
    stored = {row["key"] for row in await db.fetch_all("SELECT key FROM content")}
    assert stored == keys


def test_source_line_names_the_site_and_the_dates(app) -> None:
    fact = next(seed for seed in load_seed() if seed.key == "departure.programme")
    stored = _as_fact(fact)
    with app.i18n.context(), app.i18n.use_locale("ru"):
        line = source_line(stored)
    assert line.startswith("🔎 Проверено 21 ноября 2026\u202fг.")  # Babel puts a narrow space
    assert '<a href="https://qazinform.com/' in line and ">qazinform.com</a>" in line
    assert "22 января 2026\u202fг." in line
    with app.i18n.context(), app.i18n.use_locale("kk"):
        assert "Тексерілген күні" in source_line(stored)
    assert source_name("https://www.eps.go.kr/wem/en/poem/poem_02.jsp") == "eps.go.kr"


def test_unconfirmed_line_points_to_the_official_lines(app) -> None:
    contacts = _as_fact(next(seed for seed in load_seed() if seed.key == "contacts"))
    for locale, words in {
        "kk": "расталмаған",
        "ru": "не подтверждено",
        "en": "not confirmed",
    }.items():
        with app.i18n.context(), app.i18n.use_locale(locale):
            line = unconfirmed_line(contacts)
        assert words in line and "1345" in line and "1577-0071" in line


def _as_fact(seed: FactSeed):
    from storage.content import Fact

    return Fact(
        key=seed.key,
        value=seed.value,
        source_url=seed.source_url,
        source_date=seed.source_date,
        checked_on=seed.checked_on,
        confidence=seed.confidence,
    )


def test_a_source_without_a_date_says_so(app) -> None:
    undated = _as_fact(next(seed for seed in load_seed() if seed.key == "eps.sectors"))
    assert undated.source_date is None
    expected = {
        "kk": "(бетте күні көрсетілмеген)",
        "ru": "(дата на странице не указана)",
        "en": "(the page shows no date)",
    }
    for locale, words in expected.items():
        with app.i18n.context(), app.i18n.use_locale(locale):
            assert source_line(undated).endswith(f">hrdkorea.kr</a> {words}")
