"""Reading a searcher's posting lists and field lengths into numpy arrays.

This is where news-search reaches into Whoosh's codec (the `whoosh3` format),
because Whoosh's public matchers step one posting at a time through Python,
about 2 µs each. The private parts used, and why:

- `W3LeafMatcher._read_ids`, `_read_weights`, `_read_values`, `_next_block` and
  the decoded `_ids`, `_weights`, `_values`: a posting block decoded as a whole,
  which is what makes a broad word cost milliseconds instead of tens of them.
- `SegmentReader._perdoc._cached_reader` with `_lenfield` and `LENGTHS_COLUMN`:
  a segment's one-byte field lengths as one array; the public
  `doc_field_length` asks for one document at a time.
- `FilterMatcher.child`: the unfiltered postings of a segment with deletions,
  which are then filtered with a mask of live documents, all at once.

Everything else (segments, their offsets, term lookup and deletions) goes
through Whoosh's public reader API.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

# Field lengths are stored as one byte each (exact up to 10, then rounded by up to about 9%); this decodes them.
LENGTH_OF_BYTE = np.array([byte_to_length(code) for code in range(256)], dtype=np.float64)


class UnreadablePostings(Exception):
    """Postings stored in a format other than Whoosh 2.7's default codec."""


@dataclass(frozen=True)
class Postings:
    """One term's postings in live documents: document numbers, term frequencies and,
    when asked for, the encoded positions."""

    docs: np.ndarray
    frequencies: np.ndarray
    positions: list[bytes] | None

    @classmethod
    def empty(cls, with_positions: bool = False) -> Postings:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0), [] if with_positions else None)


class PostingReader:
    """Reads the live postings of a Whoosh searcher's index; one per searcher, not thread-safe."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.leaves = list(self.reader.leaf_readers())  # (segment reader, first document number)
        self._live = np.ones(self.reader.doc_count_all(), dtype=bool)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                self._live[np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64) + offset] = False
        self.live_count = int(np.count_nonzero(self._live))
        self._deleted = [leaf.doc_count_all() - leaf.doc_count() for leaf, _ in self.leaves]
        self._lengths: dict[str, np.ndarray] = {}
        self._total_lengths: dict[str, float] = {}
        self._live_frequencies: dict[tuple[str, bytes], int] = {}

    def live_docs(self) -> np.ndarray:
        return np.flatnonzero(self._live)

    def has_term(self, field: str, text: bytes) -> bool:
        return (field, text) in self.reader

    def postings(self, field: str, text: bytes, *, with_positions: bool = False) -> Postings:
        docs, frequencies, positions = [], [], []
        for leaf, offset in self.leaves:
            if (field, text) not in leaf:
                continue
            matcher = leaf.postings(field, text)
            if isinstance(matcher, FilterMatcher):  # deletions; filtered below with the live mask
                matcher = matcher.child
            if not isinstance(matcher, W3LeafMatcher):
                raise UnreadablePostings(f"postings stored as {type(matcher).__name__}")
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                docs.append(np.asarray(matcher._ids, dtype=np.int64) + offset)
                frequencies.append(np.asarray(matcher._weights, dtype=np.float64))
                if with_positions:
                    matcher._read_values()
                    positions.extend(matcher._values)
                matcher._next_block()
        if not docs:
            return Postings.empty(with_positions)
        all_docs = np.concatenate(docs)
        live = self._live[all_docs]
        kept_positions = [value for value, keep in zip(positions, live) if keep] if with_positions else None
        return Postings(all_docs[live], np.concatenate(frequencies)[live], kept_positions)

    def frequency_bounds(self, field: str, text: bytes) -> tuple[int, int]:
        """The fewest and the most live documents that may hold the term: Whoosh counts a segment's
        deleted documents until a merge, so only segments without deletions count exactly."""
        low = high = 0
        for (leaf, _), deleted in zip(self.leaves, self._deleted):
            found = leaf.doc_frequency(field, text)
            low, high = low + max(found - deleted, 0), high + found
        return low, high

    def live_frequency(self, field: str, text: bytes) -> int:
        """How many live documents hold the term (the ids of segments with deletions read and counted)."""
        key = (field, text)
        if key not in self._live_frequencies:
            count = 0
            for (leaf, offset), deleted in zip(self.leaves, self._deleted):
                if not deleted or key not in leaf:
                    count += leaf.doc_frequency(field, text) if key in leaf else 0
                    continue
                matcher = leaf.postings(field, text)
                matcher = matcher.child if isinstance(matcher, FilterMatcher) else matcher
                if not isinstance(matcher, W3LeafMatcher):
                    raise UnreadablePostings(f"postings stored as {type(matcher).__name__}")
                while matcher.is_active():
                    matcher._read_ids()
                    count += int(np.count_nonzero(self._live[np.asarray(matcher._ids, dtype=np.int64) + offset]))
                    matcher._next_block()
            self._live_frequencies[key] = count
        return self._live_frequencies[key]

    def field_lengths(self, field: str) -> np.ndarray:
        """Every document's length in `field` (words, as stored in one byte; 0 when empty)."""
        if field not in self._lengths:
            parts = []
            for leaf, _ in self.leaves:
                count = leaf.doc_count_all()
                if not count:  # an empty index's reader has no per-document files
                    continue
                column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                codes = np.fromiter(column, dtype=np.uint8, count=count) if column is not None \
                    else np.zeros(count, dtype=np.uint8)
                parts.append(LENGTH_OF_BYTE[codes])
            self._lengths[field] = np.concatenate(parts) if parts else np.zeros(0)
        return self._lengths[field]

    def total_length(self, field: str) -> float:
        """The summed length of `field` over the live documents."""
        if field not in self._total_lengths:
            self._total_lengths[field] = float(self.field_lengths(field)[self._live].sum())
        return self._total_lengths[field]
