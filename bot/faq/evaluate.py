"""Search quality against a labelled set: for each language, the share of queries whose
expected entry is the first result (top-1) and among the first three (top-3). Used by
benchmarks/bench_faq_search.py (which prints it with timings) and by the test that fails CI
below the target, so both read the same numbers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TARGET_TOP3 = 0.90  # in every language


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    language: str
    text: str
    expected: tuple[str, ...]  # entry ids ("eps_when"); any of them counts as a hit


@dataclass(slots=True)
class Quality:
    language: str
    total: int = 0
    top1: int = 0
    top3: int = 0
    misses: list[tuple[str, tuple[str, ...], list[str]]] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total if self.total else 0.0


def load_queries(path: Path) -> list[LabelledQuery]:
    raw: Mapping[str, Sequence[Mapping[str, object]]] = json.loads(path.read_text("utf-8"))
    return [
        LabelledQuery(language, str(item["q"]), tuple(str(e) for e in item["expected"]))  # type: ignore[union-attr]
        for language, items in raw.items()
        for item in items
    ]


def evaluate(
    queries: Sequence[LabelledQuery], search: Callable[[str], list[str]]
) -> dict[str, Quality]:
    """`search` returns entry ids, best first (at least three when it has them)."""
    results: dict[str, Quality] = {}
    for query in queries:
        quality = results.setdefault(query.language, Quality(query.language))
        found = search(query.text)
        quality.total += 1
        if found[:1] and found[0] in query.expected:
            quality.top1 += 1
        if any(key in query.expected for key in found[:3]):
            quality.top3 += 1
        else:
            quality.misses.append((query.text, query.expected, found[:3]))
    return results
