"""FAQ entries are content facts ("faq.<id>"): each has a source, a date, a confidence and a
history like every other fact, staff edit them with the shared editor, and a deploy adds new
ones without touching what staff changed (storage/content.py). This module reads an entry's
value; the value's shape is:

    {"topic": "eps", "related": "tracker" | null, "hidden": false,
     "q": {"kk": …, "ru": …, "en": …}, "a": {…}, "keywords": {"kk": [...], …}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.faq.search import Document
from bot.i18n import current_locale
from storage.content import Fact

KEY_PREFIX = "faq."
LANGUAGES = ("kk", "ru", "en")
QUESTION_LIMIT = 120
ANSWER_LIMIT = 700
KEYWORDS_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    label: LazyProxy


TOPICS: tuple[Topic, ...] = (
    Topic("eps", __("🇰🇷 EPS and Kazakhstan")),
    Topic("scams", __("⚠️ Brokers, fees and scams")),
    Topic("departure", __("🛫 Leaving Korea")),
    Topic("work", __("🧰 Rights at work")),
    Topic("money", __("💰 Insurance and money")),
    Topic("family", __("👪 For families at home")),
    Topic("contacts", __("☎️ Calling and contacts")),
)
TOPIC_KEYS = tuple(topic.key for topic in TOPICS)


def topic_label(key: str) -> str:
    return next((str(t.label) for t in TOPICS if t.key == key), key)


def is_faq(key: str) -> bool:
    return key.startswith(KEY_PREFIX)


def _texts(value: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    texts = value.get(name)
    return texts if isinstance(texts, Mapping) else {}


def in_language(value: Mapping[str, Any], name: str, locale: str | None = None) -> str:
    """A per-language text of an entry: the reader's language, else English, else any."""
    texts = _texts(value, name)
    locale = locale or current_locale()
    text = texts.get(locale) or texts.get("en") or next(iter(texts.values()), "")
    if isinstance(text, list):
        return ", ".join(str(item) for item in text)
    return str(text)


def keywords(value: Mapping[str, Any], locale: str) -> list[str]:
    words = _texts(value, "keywords").get(locale) or []
    return [str(word) for word in words] if isinstance(words, list) else []


def topic_of(fact: Fact) -> str:
    return str(fact.value.get("topic") or "")


def related_of(fact: Fact) -> str | None:
    related = fact.value.get("related")
    return str(related) if related else None


def is_hidden(fact: Fact) -> bool:
    return bool(fact.value.get("hidden"))


def document(fact: Fact) -> Document:
    """What the search index reads of an entry: questions, answers and synonyms, every language
    (people write in another language than their settings)."""
    keywords_text = {
        code: " ".join(str(w) for w in words)
        for code, words in _texts(fact.value, "keywords").items()
        if isinstance(words, list)
    }
    return Document(
        key=fact.key,
        fields={
            "q": {code: str(t) for code, t in _texts(fact.value, "q").items()},
            "a": {code: str(t) for code, t in _texts(fact.value, "a").items()},
            "keywords": keywords_text,
        },
    )


def ordered(facts: Iterable[Fact]) -> list[Fact]:
    """Entries in reading order: by topic as the menu lists them, then as the seed lists them
    (a numeric `order`), new staff entries last."""

    def position(fact: Fact) -> tuple[int, int, str]:
        topic = topic_of(fact)
        rank = TOPIC_KEYS.index(topic) if topic in TOPIC_KEYS else len(TOPIC_KEYS)
        return rank, int(fact.value.get("order", 10_000)), fact.key

    return sorted(facts, key=position)
