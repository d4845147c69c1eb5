"""The FAQ entries a deploy brings: one JSON file per topic in `seed/`, in the facts' seed
format. Their position in the file is their order on the topic's screen."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from bot.content.facts import parse_seed_items
from storage.content import FactSeed

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
