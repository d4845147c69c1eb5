"""The FAQ entries a deploy brings: one JSON file per topic in `seed/`, in the facts' seed
format. Their position in the file is their order on the topic's screen."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from bot.content.facts import parse_seed_items
from bot.faq.model import document
from bot.faq.search import Document
from storage.content import Fact, FactSeed

SEED_DIR = Path(__file__).with_name("seed")


@cache
def load_faq_seed(folder: Path = SEED_DIR) -> tuple[FactSeed, ...]:
    items = []
    for path in sorted(folder.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        for order, item in enumerate(raw["entries"], start=1):
            value = {"order": order, **item["value"]}
            items.append({**item, "value": value})
    return parse_seed_items(items)


def seed_documents() -> list[Document]:
    """What the search index reads of the seeded entries, read exactly as the bot reads stored
    ones: the benchmark and the quality test search what users search."""
    return [
        document(
            Fact(
                key=seed.key,
                value=seed.value,
                source_url=seed.source_url,
                source_date=seed.source_date,
                checked_on=seed.checked_on,
                confidence=seed.confidence,
            )
        )
        for seed in load_faq_seed()
    ]
