"""Languages: catalogs compiled from `.po` at start-up, and the choice of a user's locale.

Why compile in memory: a committed or build-time `.mo` can go stale against its `.po`. Reading the
`.po` with Babel and compiling it into a `GNUTranslations` object at start-up takes a few
milliseconds, so the running bot always speaks exactly what the catalogs say. Adding a language is
dropping `locales/<code>/LC_MESSAGES/messages.po` in place (and naming it in SUPPORTED_LOCALES).
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES

# The catalogs are package data of the `locales` package: found the same way in a checkout, an
# editable install, a wheel in site-packages or a container.
LOCALES_DIR = Path(str(resources.files("locales")))
DOMAIN = "messages"

# Names shown on language buttons, each in its own language: a person who cannot read the
# current language can still find theirs.
LANGUAGE_NAMES: dict[str, str] = {"kk": "🇰🇿 Қазақша", "ru": "🇷🇺 Русский", "en": "🇬🇧 English"}


def current_locale() -> str:
    """The locale of the update (or reminder) being handled: what `_()` translates into now."""
    return I18n.get_current().current_locale


def in_locale(locale: str) -> AbstractContextManager[None]:
    """`with in_locale("kk"):` texts in another language within this update (a preview of
    what readers of each language will get)."""
    return I18n.get_current().use_locale(locale)


def _po_files(locales_dir: Path, domain: str) -> dict[str, Path]:
    return {
        po.parent.parent.name: po for po in sorted(locales_dir.glob(f"*/LC_MESSAGES/{domain}.po"))
    }


@lru_cache(maxsize=8)
def _compile(po_path: Path, mtime_ns: int, locale: str) -> bytes:
    """Compile one catalog to `.mo` bytes; cached on the file's mtime so edits are picked up."""
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogs(
    locales_dir: Path = LOCALES_DIR, domain: str = DOMAIN
) -> dict[str, gettext.GNUTranslations]:
    """Every `<locale>/LC_MESSAGES/<domain>.po` under `locales_dir`, compiled in memory."""
    translations: dict[str, gettext.GNUTranslations] = {}
    for locale, po_path in _po_files(locales_dir, domain).items():
        mo_bytes = _compile(po_path, po_path.stat().st_mtime_ns, locale)
        translations[locale] = gettext.GNUTranslations(io.BytesIO(mo_bytes))
    return translations


class CatalogI18n(I18n):
    """aiogram's `I18n`, fed from `.po` files compiled in memory instead of `.mo` files."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return compile_catalogs(self.path, self.domain)

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram keeps one "current instance" variable per class, and `gettext()` reads the
        # one of `I18n`; a subclass must therefore register itself there, not in its own.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)


def build_i18n(default_locale: str, locales_dir: Path = LOCALES_DIR) -> CatalogI18n:
    i18n = CatalogI18n(path=locales_dir, default_locale=default_locale, domain=DOMAIN)
    missing = [code for code in SUPPORTED_LOCALES if code not in i18n.available_locales]
    if missing:
        raise RuntimeError(f"catalogs missing for: {', '.join(missing)}")
    return i18n


def negotiate_locale(
    stored: str | None, telegram_code: str | None, available: tuple[str, ...], default: str
) -> str:
    """Stored choice, else the language Telegram reports (e.g. 'ru-RU' -> 'ru'), else default."""
    if stored in available:
        return stored  # type: ignore[return-value]
    if telegram_code:
        base = telegram_code.replace("_", "-").split("-")[0].lower()
        if base in available:
            return base
    return default


class UserLocaleMiddleware(I18nMiddleware):
    """Picks the locale from the stored user record that `UserMiddleware` put in the data."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        record = data.get("user_record")
        telegram_user: User | None = data.get("event_from_user")
        return negotiate_locale(
            record.language if record else None,
            telegram_user.language_code if telegram_user else None,
            self.i18n.available_locales,
            self.i18n.default_locale,
        )
