"""The groups of copies of a story, as searches use them: a hit's copies, and one hit per group."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .columns import Columns
from .shared_groups import SharedGroups

MAX_COPY_SOURCES = 20  # sources named per hit; `copies` still counts every copy

Story = tuple[str, int]  # a group of copies: who numbered it (a run over shards, or one index), and its number


class CopyGroups:
    """The groups of copies (`search.copies`) of one state of the index: its own, from its columns, or
    those found over all the shards of a sharded index (`shared`). `name` tells this index's own
    groups from any other's."""

    def __init__(self, columns: Columns, shared: SharedGroups | None = None, name: str = "") -> None:
        self._groups = shared.groups if shared is not None else columns.copy_groups()
        self._spread = shared.spread if shared is not None else None
        self.numbered_by = shared.settled if shared is not None else name
        self._sources = columns.facet("source")
        self._by_group: np.ndarray | None = None  # documents ordered by group, made when first needed
        self._ordered_groups: np.ndarray | None = None  # their groups

    def of(self, doc: int) -> np.ndarray:
        """The other live articles here in the group of `doc`, in index order."""
        members = self._members(int(self._groups[doc]))
        return members[members != doc]

    def story(self, doc: int) -> Story:
        return self.numbered_by, int(self._groups[doc])

    def spread(self, doc: int) -> bool:
        """Whether the group of `doc` has articles in other shards too."""
        return self._spread is not None and bool(self._spread[doc])

    def members(self, story: Story) -> np.ndarray:
        """The live articles here in the group `story` (none, for a group numbered elsewhere)."""
        numbered_by, group = story
        return self._members(group) if numbered_by == self.numbered_by else np.zeros(0, dtype=np.int64)

    def _members(self, group: int) -> np.ndarray:
        if group < 0:
            return np.zeros(0, dtype=np.int64)
        if self._by_group is None:
            self._by_group = np.argsort(self._groups, kind="stable")
            self._ordered_groups = self._groups[self._by_group]
        ordered = self._ordered_groups
        return self._by_group[np.searchsorted(ordered, group):np.searchsorted(ordered, group, side="right")]

    def sources(self, docs: np.ndarray) -> list[str]:
        """The sources of `docs`, each once: the MAX_COPY_SOURCES most frequent, ties in name order."""
        return ranked_sources(self.source_counts(docs))

    def source_counts(self, docs: np.ndarray) -> dict[str, int]:
        """How many of `docs` each source has."""
        counts = self._sources.counts(docs)
        return {self._sources.names[value]: int(counts[value]) for value in np.flatnonzero(counts).tolist()}

    def group_count(self, docs: np.ndarray) -> int:
        """How many groups `docs` (live documents) fall into."""
        return int(np.count_nonzero(np.bincount(self._groups[docs]))) if len(docs) else 0

    def group_count_parts(self, docs: np.ndarray) -> tuple[int, list[Story]]:
        """The groups of `docs` (live documents) as shards add them up: how many have no article in
        another shard, and those that have."""
        groups = np.unique(self._groups[docs])
        if self._spread is None:
            return len(groups), []
        spread = np.unique(self._groups[docs[self._spread[docs]]])
        return len(groups) - len(spread), [(self.numbered_by, group) for group in spread.tolist()]

    def first_of_stories(self, first: Callable[[int], tuple[np.ndarray, np.ndarray | None]], count: int,
                         available: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The first `count` documents of an order, one per group: `first(n)` gives the order's first n
        documents (and their scores, or None), of `available`. Reads further into the order until
        enough groups are found, so that an order of many copies costs no more than it must."""
        wanted = count
        while True:
            docs, scores = first(wanted)
            _, firsts = np.unique(self._groups[docs], return_index=True)
            firsts = np.sort(firsts)[:count]
            if len(firsts) == count or wanted >= available:
                return docs[firsts], scores[firsts] if scores is not None else None
            wanted *= 4


def ranked_sources(counts: dict[str, int]) -> list[str]:
    """The MAX_COPY_SOURCES sources with the highest counts, ties in name order."""
    return sorted(counts, key=lambda source: (-counts[source], source))[:MAX_COPY_SOURCES]
