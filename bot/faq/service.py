"""The FAQ as the handlers (and the relay's staff chat) use it: the published entries, one
entry, and search. The search index is rebuilt when an entry changes, so an entry staff add
or edit is found at once; between changes every search reuses it (building takes a few
milliseconds for 200 entries, a search well under one)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.faq.model import document, is_faq, is_hidden, ordered, topic_of
from bot.faq.search import FaqIndex
from storage.content import ContentRepository, Fact


class FaqService:
    def __init__(self, content: ContentRepository) -> None:
        self._content = content
        self._signature: tuple[tuple[str, int, str], ...] | None = None
        self._index = FaqIndex()
        self._by_key: dict[str, Fact] = {}
        self._seen: Mapping[str, Fact] | None = None  # the facts the entries were derived from
        self._entries: list[Fact] = []
        self._indexed: Mapping[str, Fact] | None = None  # the facts the index was checked against

    async def entries(self) -> list[Fact]:
        """The published entries (hidden ones are for staff only), in reading order.

        Derived again only when the facts changed (the repository hands out the same snapshot
        until a write): filtering and ordering them on every search cost half of a search."""
        facts = await self._content.snapshot()
        if facts is not self._seen:
            self._entries = ordered(f for f in facts.values() if is_faq(f.key) and not is_hidden(f))
            self._seen = facts
        return list(self._entries)

    async def all_entries(self) -> list[Fact]:
        """Every entry, hidden ones included: what staff manage."""
        return ordered(f for f in await self._content.all() if is_faq(f.key))

    async def in_topic(self, topic: str) -> list[Fact]:
        return [f for f in await self.entries() if topic_of(f) == topic]

    async def get(self, key: str) -> Fact | None:
        """A published entry, or None (unknown, not an FAQ key, or hidden)."""
        found = await self._content.find(key) if is_faq(key) else None
        return found if found is not None and not is_hidden(found) else None

    async def index(self) -> FaqIndex:
        facts = await self._content.snapshot()
        if facts is self._indexed:
            return self._index  # no fact changed since the last look
        entries = await self.entries()
        signature = tuple((f.key, f.updated_at, f.checked_on.isoformat()) for f in entries)
        if signature != self._signature:
            self._index = FaqIndex.build(document(f) for f in entries)
            self._by_key = {f.key: f for f in entries}
            self._signature = signature
        self._indexed = facts
        return self._index

    async def search(self, text: str, limit: int = 3) -> list[Fact]:
        """The entries that best answer `text`, best first (none when nothing is close)."""
        index = await self.index()
        return [self._by_key[m.key] for m in index.search(text, limit)]
