"""Facts as data: the seed that fills the content table, and how a fact's provenance is shown.

Every screen that states a fact ends with `source_line(fact)`: the day it was last checked and
where it comes from, so a reader can judge it and staff can see what needs re-checking. A fact
marked L or UNCONFIRMED in the facts sheet is never stated; `unconfirmed_line` says so and
names the official lines instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiogram.utils.i18n import gettext as _

from bot.formatting import format_day
from bot.i18n import current_locale
from storage.content import Confidence, Fact, FactSeed

SEED_PATH = Path(__file__).with_name("facts.json")
SOURCE_URL_LIMIT = 500


def _seed_day(text: str | None) -> date | None:
    """A seed's source date: "YYYY-MM-DD", or "YYYY" when the page shows only a year."""
    return date.fromisoformat(text) if text and len(text) > 4 else None


@cache
def load_seed(path: Path = SEED_PATH) -> tuple[FactSeed, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return parse_seed_items(raw["facts"])


def parse_seed_items(items: Iterable[Mapping[str, Any]]) -> tuple[FactSeed, ...]:
    """Seed items as the JSON files write them (the facts, the FAQ entries)."""
    return tuple(
        FactSeed(
            key=item["key"],
            source_url=item["source_url"],
            source_date=_seed_day(item["source_date"]),
            source_year=int(item["source_date"]) if len(item["source_date"] or "") == 4 else None,
            revision=int(item.get("revision", 1)),
            checked_on=date.fromisoformat(item["checked_on"]),
            confidence=Confidence(item["confidence"]),
            value=item.get("value", {}),
        )
        for item in items
    )


def source_name(url: str) -> str:
    """The site's name as a reader recognises it: 'qazinform.com', not the whole address."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.").removeprefix("m.").removeprefix("www3.")


def parse_source_url(text: str | None) -> str | None:
    """A source link staff typed, cleaned: http(s), a host name with a dot, no spaces or quotes
    (it ends up in an HTML attribute); None when `text` is not one."""
    cleaned = (text or "").strip()
    if not cleaned or len(cleaned) > SOURCE_URL_LIMIT:
        return None
    if any(ch.isspace() for ch in cleaned) or '"' in cleaned:
        return None
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or "." not in (parts.hostname or ""):
        return None
    return cleaned


def _cited(fact: Fact) -> str:
    """'qazinform.com, 22 January 2026', the site linked to the page."""
    locale = current_locale()
    href = escape(fact.source_url, quote=True)
    link = f'<a href="{href}">{escape(source_name(fact.source_url))}</a>'
    if fact.source_date is not None:
        cited = _("{site}, {date}").format(site=link, date=format_day(fact.source_date, locale))
    elif fact.source_year is not None:
        cited = _("{site}, {date}").format(site=link, date=fact.source_year)
    else:
        # Said outright, so a reader does not take a missing date for a recent one.
        cited = _("{site} (the page shows no date)").format(site=link)
    if fact.confidence is Confidence.MEDIUM:
        # Reported, not official: the reader sees the difference from a ministry's word.
        cited += " " + _("(reported, not officially confirmed)")
    return cited


def source_line(fact: Fact) -> str:
    """'🔎 Checked 21 November 2026 · source: qazinform.com, 22 January 2026', linked."""
    return sources_line([fact])


def sources_line(facts: Iterable[Fact]) -> str:
    """The sources of everything a screen states, each page once and one tap away:
    '🔎 Checked … · sources: site, date; site, date'. One line as long as the facts were
    checked on the same day (the usual case); facts re-checked on another day get a line of
    their own, so no fact is claimed to be fresher than it is. Empty with nothing to cite."""
    by_day: dict[date, dict[str, Fact]] = {}
    for fact in facts:
        by_day.setdefault(fact.checked_on, {}).setdefault(fact.source_url, fact)
    lines = []
    for day in sorted(by_day):
        cited = by_day[day]
        checked = format_day(day, current_locale())
        sources = "; ".join(_cited(fact) for fact in cited.values())
        if len(cited) == 1:
            line = _("🔎 Checked {checked} · source: {source}")
            lines.append(line.format(checked=checked, source=sources))
        else:
            line = _("🔎 Checked {checked} · sources: {sources}")
            lines.append(line.format(checked=checked, sources=sources))
    return "\n".join(lines)


def contact(contacts: Fact | None, name: str) -> str:
    """An official line or site from the `contacts` fact, HTML-escaped. Should a stored fact
    lack one (staff edits replace the whole value), the seed's number stands in: an official
    line must never come out blank."""
    value = contacts.value.get(name) if contacts is not None else None
    if not value:
        seeded = next(seed for seed in load_seed() if seed.key == "contacts")
        value = seeded.value[name]
    return escape(str(value))


def unconfirmed_line(contacts: Fact) -> str:
    """What the bot says instead of a fact it could not confirm."""
    return _(
        "❔ This point is not confirmed by an official source. Please ask {immigration} "
        "(immigration, interpreters available) or {hrd} (counselling centre for foreign workers)."
    ).format(immigration=contact(contacts, "immigration"), hrd=contact(contacts, "hrd"))


def localized(value: Mapping[str, Any], field: str) -> str:
    """A per-language text stored in a fact (e.g. a staff note): the user's language, else
    English, else any language there is. Escaped for HTML."""
    texts = value.get(field) or {}
    if not isinstance(texts, Mapping):
        return ""
    text = texts.get(current_locale()) or texts.get("en") or next(iter(texts.values()), "")
    return escape(str(text))
