"""The collection statistics BM25 needs, and where they come from.

A search over one index takes them from that index (`LocalStatistics`). A search
over shards must score every article as one index holding them all would: each
shard first reports its own figures for the query's words (`RecordedStatistics`),
they are summed (`GlobalStatistics.summed`), and every shard then scores with the
sums. Each figure is a count or a sum of whole numbers, so the sums, and with them
the scores, are exactly those of the single index.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# A word's key: its field and its bytes, or for a pattern or range (scored as one word) its field
# and the query's text.
WordKey = tuple[str, bytes | str]


class Statistics(Protocol):
    """What the scoring asks of the collection."""

    def live_count(self) -> int: ...

    def total_length(self, field: str) -> float: ...

    def document_frequency(self, key: WordKey, here: int) -> int:
        """How many articles hold the word of `key`; `here` is how many in this index do."""


class LocalStatistics:
    """The figures of the index being searched."""

    def __init__(self, postings) -> None:
        self._postings = postings

    def live_count(self) -> int:
        return self._postings.live_count

    def total_length(self, field: str) -> float:
        return self._postings.total_length(field)

    def document_frequency(self, key: WordKey, here: int) -> int:
        return here


class RecordedStatistics(LocalStatistics):
    """The local figures, with each word's document frequency written down as it is asked for."""

    def __init__(self, postings) -> None:
        super().__init__(postings)
        self.frequencies: dict[WordKey, int] = {}

    def document_frequency(self, key: WordKey, here: int) -> int:
        self.frequencies[key] = here
        return here

    def recorded(self, fields: tuple[str, ...]) -> GlobalStatistics:
        return GlobalStatistics(self.live_count(), {name: self.total_length(name) for name in fields},
                                dict(self.frequencies))


@dataclass(frozen=True)
class GlobalStatistics:
    """Figures summed over shards (picklable: they travel to the shards' workers)."""

    articles: int
    lengths: dict[str, float]
    frequencies: dict[WordKey, int] = field(default_factory=dict)

    @classmethod
    def summed(cls, parts: list[GlobalStatistics]) -> GlobalStatistics:
        lengths: dict[str, float] = {}
        frequencies: dict[WordKey, int] = {}
        for part in parts:
            for name, length in part.lengths.items():
                lengths[name] = lengths.get(name, 0.0) + length
            for key, count in part.frequencies.items():
                frequencies[key] = frequencies.get(key, 0) + count
        return cls(sum(part.articles for part in parts), lengths, frequencies)

    def live_count(self) -> int:
        return self.articles

    def total_length(self, field: str) -> float:
        return self.lengths.get(field, 0.0)

    def document_frequency(self, key: WordKey, here: int) -> int:
        return self.frequencies.get(key, here)
