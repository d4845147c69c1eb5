"""Catalogs: complete in every language, no fuzzy entries, placeholders and markup intact.

The source code is extracted afresh here, so a new string without translations fails the suite
even if nobody ran `scripts/i18n.sh extract`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import LOCALES_DIR, build_i18n, compile_catalogs, negotiate_locale

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "__": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z]+>")


def source_messages() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message)
    return found


def load(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=locale)


def as_list(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_source_string_is_translated(locale: str) -> None:
    catalog = load(locale)
    missing = []
    for message in source_messages():
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        if entry is None or not all(as_list(entry.string)):
            missing.append(key)
    assert not missing, f"{locale}: untranslated: {missing}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_fuzzy_or_empty_entries(locale: str) -> None:
    catalog = load(locale)
    bad = [m.id for m in catalog if m.id and (m.fuzzy or not all(as_list(m.string)))]
    assert not bad, f"{locale}: fuzzy or empty: {bad}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_placeholders_and_markup_match(locale: str) -> None:
    catalog = load(locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = as_list(message.id)
        for translated in as_list(message.string):
            if set(PLACEHOLDER.findall(ids[0])) != set(PLACEHOLDER.findall(translated)):
                problems.append(f"placeholders differ: {ids[0]!r}")
            if sorted(TAG.findall(ids[0])) != sorted(TAG.findall(translated)):
                problems.append(f"HTML tags differ: {ids[0]!r}")
            if ids[0].count("/") and re.findall(r"/[a-z]+", ids[0]) != re.findall(
                r"/[a-z]+", translated
            ):
                problems.append(f"commands differ: {ids[0]!r}")
    assert not problems, f"{locale}: " + "; ".join(problems)


def digits(text: str) -> list[str]:
    """Every number written out in a text (phone lines, days, hours, years), placeholders
    left out: a translation must state the same numbers as the source."""
    return sorted(re.findall(r"\d+", PLACEHOLDER.sub("", text)))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_numbers_match(locale: str) -> None:
    """A fact misstated in one language (15 days for 3, a wrong phone line) is the worst kind
    of translation error: nobody reading the other languages sees it."""
    catalog = load(locale)
    problems = [
        f"{as_list(message.id)[0]!r} -> {translated!r}"
        for message in catalog
        if message.id
        for translated in as_list(message.string)
        if digits(as_list(message.id)[0]) != digits(translated)
    ]
    assert not problems, f"{locale}: numbers differ: " + "; ".join(problems)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_entries_have_every_form(locale: str) -> None:
    catalog = load(locale)
    in_code = {m for m in source_messages() if isinstance(m, tuple)}
    assert in_code, "the code has no plural strings: this test would check nothing"
    plural = {message.id[0]: message for message in catalog if message.id and message.pluralizable}
    for singular, *_ in in_code:
        # A plural in the code must be a plural in the catalog, with every form filled.
        assert singular in plural, f"{locale}: {singular!r} is not a plural entry"
        forms = as_list(plural[singular].string)
        assert len(forms) == catalog.num_plurals and all(forms), singular


def test_no_obsolete_entries_linger() -> None:
    wanted = {m if isinstance(m, str) else m[0] for m in source_messages()}
    for locale in SUPPORTED_LOCALES:
        stale = [m.id for m in load(locale) if m.id and as_list(m.id)[0] not in wanted]
        assert not stale, f"{locale}: entries no code uses: {stale}; run scripts/i18n.sh update"


def test_compiled_catalogs_follow_the_po_file(tmp_path: Path) -> None:
    """Catalogs are compiled from .po at start-up: an edited .po is what the bot speaks."""
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    po = locales / "ru" / "LC_MESSAGES" / "messages.po"
    before = compile_catalogs(locales)["ru"].gettext("Saved.")
    assert before == "Сохранено."
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Сохранено."', 'msgstr "Сохранил."'),
        encoding="utf-8",
    )
    assert compile_catalogs(locales)["ru"].gettext("Saved.") == "Сохранил."
    assert not list(locales.rglob("*.mo")), "no .mo files are written or needed"


def test_every_supported_language_loads() -> None:
    i18n = build_i18n("kk")
    assert set(SUPPORTED_LOCALES) <= set(i18n.available_locales)


@pytest.mark.parametrize(
    ("stored", "telegram", "expected"),
    [
        ("en", "ru", "en"),  # the stored choice wins
        (None, "ru-RU", "ru"),
        (None, "kk", "kk"),
        (None, "en-GB", "en"),
        (None, "de", "kk"),  # unsupported: default
        (None, None, "kk"),
        ("xx", None, "kk"),
    ],
)
def test_locale_negotiation(stored: str | None, telegram: str | None, expected: str) -> None:
    assert negotiate_locale(stored, telegram, ("kk", "ru", "en"), "kk") == expected
