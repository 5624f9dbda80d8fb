"""The groups of copies of a story, as searches use them: a hit's copies, and one hit per group."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .columns import Columns

MAX_COPY_SOURCES = 20  # sources named per hit; `copies` still counts every copy


class CopyGroups:
    """The groups of copies (`search.copies`) of one state of the index, from its columns."""

    def __init__(self, columns: Columns) -> None:
        self._groups = columns.copy_groups()
        self._sources = columns.facet("source")
        self._by_group: np.ndarray | None = None  # documents ordered by group, made when first needed
        self._ordered_groups: np.ndarray | None = None  # their groups

    def of(self, doc: int) -> np.ndarray:
        """The other live articles in the group of `doc`, in index order."""
        group = self._groups[doc]
        if group < 0:
            return np.zeros(0, dtype=np.int64)
        if self._by_group is None:
            self._by_group = np.argsort(self._groups, kind="stable")
            self._ordered_groups = self._groups[self._by_group]
        ordered = self._ordered_groups
        members = self._by_group[np.searchsorted(ordered, group):np.searchsorted(ordered, group, side="right")]
        return members[members != doc]

    def sources(self, docs: np.ndarray) -> list[str]:
        """The sources of `docs`, each once: the MAX_COPY_SOURCES most frequent, ties in name order."""
        counts = self._sources.counts(docs)
        listed = np.flatnonzero(counts)
        listed = listed[np.lexsort((listed, -counts[listed]))][:MAX_COPY_SOURCES]
        return [self._sources.names[value] for value in listed.tolist()]

    def group_count(self, docs: np.ndarray) -> int:
        """How many groups `docs` (live documents) fall into."""
        return int(np.count_nonzero(np.bincount(self._groups[docs]))) if len(docs) else 0

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
