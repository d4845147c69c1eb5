"""FAQ search benchmark (issue 14): quality on the labelled set, and latency with 200 entries.

What is measured
    Quality: every query of tests/data/faq_queries.json (written apart from the answers, in
    kk/ru/en: paraphrases, typos, Latin transliteration, the wrong keyboard layout, mixed
    languages) goes through `FaqIndex.search` over the seeded entries (bot/faq/seed/). Printed
    per language: top-1 and top-3 hit rates, against the target (top-3 >= 90 % in each), and
    the same for a baseline that does the same job without the fuzzy parts: exact lower-case
    word overlap between the query and the entries' texts, IDF-weighted (what a plain keyword
    search would give). `--misses` lists the queries the search does not place in its top 3.

    Latency: the index is grown to `--entries` (200) by adding synthetic entries made of the
    real ones' words, each word altered by one letter (so the vocabulary grows as a larger FAQ's
    would, instead of repeating the same stems). Every labelled query is searched in rounds; the
    search and the baseline alternate query by query in one run (the machine is shared and
    noisy), and p50/p99/max per search are printed. Correctness check: each timed search must
    return the same result as an untimed one (nothing cached or skipped), and the index must hold
    exactly `--entries` entries.

Targets: top-3 >= 90 % per language; p99 < 20 ms with 200 entries. PASS/MISS is printed; the
exit status is 1 when the quality target is missed (CI's test runs the same evaluation).

    python benchmarks/bench_faq_search.py [--entries 200] [--rounds 5] [--misses]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.faq.evaluate import TARGET_TOP3, evaluate, load_queries  # noqa: E402
from bot.faq.search import Document, FaqIndex  # noqa: E402
from bot.faq.seed import seed_documents  # noqa: E402

QUERIES = ROOT / "tests" / "data" / "faq_queries.json"
_PLAIN_WORD = re.compile(r"\w+")


def _mutate(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    position = rng.randrange(1, len(word) - 1)
    return word[:position] + rng.choice("abdeiklmnorstuаеиклмнорстыі") + word[position + 1 :]


def grown(documents: list[Document], size: int, seed: int = 7) -> list[Document]:
    """`documents` plus synthetic entries up to `size`: real texts, every word altered."""
    rng = random.Random(seed)
    result = list(documents)
    while len(result) < size:
        base = documents[len(result) % len(documents)]
        fields = {
            name: {
                code: " ".join(_mutate(w, rng) for w in text.split())
                for code, text in texts.items()
            }
            for name, texts in base.fields.items()
        }
        result.append(replace(base, key=f"{base.key}.synthetic{len(result)}", fields=fields))
    return result


class ExactWords:
    """The baseline: exact lower-case words, IDF-weighted overlap, no folding or fuzziness."""

    def __init__(self, documents: list[Document]) -> None:
        self.keys = [d.key for d in documents]
        self.words: list[set[str]] = []
        counts: Counter[str] = Counter()
        for document in documents:
            words = {
                w
                for texts in document.fields.values()
                for text in texts.values()
                for w in _PLAIN_WORD.findall(text.lower())
            }
            self.words.append(words)
            counts.update(words)
        self.idf = {w: math.log(1 + len(documents) / n) for w, n in counts.items()}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for number, words in enumerate(self.words):
            for word in words:
                self.postings[word].append(number)

    def search(self, text: str, limit: int = 3) -> list[str]:
        scores: dict[int, float] = defaultdict(float)
        for word in set(_PLAIN_WORD.findall(text.lower())):
            for number in self.postings.get(word, ()):
                scores[number] += self.idf[word]
        ranked = sorted(scores.items(), key=lambda item: -item[1])[:limit]
        return [self.keys[number] for number, _ in ranked]


def _ids(keys: list[str]) -> list[str]:
    return [key.removeprefix("faq.") for key in keys]


def quality(index: FaqIndex, baseline: ExactWords, show_misses: bool) -> bool:
    queries = load_queries(QUERIES)
    ours = evaluate(queries, lambda text: _ids([m.key for m in index.search(text, 3)]))
    plain = evaluate(queries, lambda text: _ids(baseline.search(text, 3)))
    print(f"Quality on {QUERIES.relative_to(ROOT)} ({len(index)} entries):")
    print("  lang  queries   top-1    top-3   | exact-words baseline: top-1    top-3")
    passed = True
    for language in sorted(ours):
        result, base = ours[language], plain[language]
        ok = result.top3_rate >= TARGET_TOP3
        passed &= ok
        print(
            f"  {language:4}  {result.total:7}  {result.top1_rate:6.1%}  {result.top3_rate:6.1%}"
            f"   |                       {base.top1_rate:6.1%}  {base.top3_rate:6.1%}"
            f"   {'PASS' if ok else 'MISS'} (target top-3 >= {TARGET_TOP3:.0%})"
        )
        if show_misses:
            for text, expected, found in result.misses:
                print(f"      miss: {text!r} expected {expected} got {found}")
    return passed


def latency(entries: int, rounds: int) -> None:
    documents = grown(seed_documents(), entries)
    index = FaqIndex.build(documents)
    baseline = ExactWords(documents)
    assert len(index) == entries, "the index must hold every entry"
    texts = [q.text for q in load_queries(QUERIES)]
    expected = {text: index.search(text) for text in texts}  # untimed: the reference result
    ours: list[float] = []
    plain: list[float] = []
    for _ in range(rounds):
        random.shuffle(texts)
        for text in texts:  # interleaved, query by query
            start = time.perf_counter()
            found = index.search(text)
            ours.append(time.perf_counter() - start)
            assert found == expected[text], "a timed search must do the same work"
            start = time.perf_counter()
            baseline.search(text)
            plain.append(time.perf_counter() - start)

    def figures(samples: list[float]) -> str:
        ordered = sorted(samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"p50 {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms, "
            f"max {ordered[-1] * 1000:.2f} ms"
        )

    p99 = sorted(ours)[min(len(ours) - 1, int(len(ours) * 0.99))]
    print(f"Latency, {entries} entries, {len(ours)} searches ({rounds} rounds of {len(texts)}):")
    verdict = "PASS" if p99 < 0.020 else "MISS"
    print(f"  fuzzy search:         {figures(ours)}   {verdict} (p99 < 20 ms)")
    print(f"  exact-words baseline: {figures(plain)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    documents = seed_documents()
    passed = quality(FaqIndex.build(documents), ExactWords(documents), args.misses)
    latency(args.entries, args.rounds)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
