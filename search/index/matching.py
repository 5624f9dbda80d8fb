"""Evaluating a parsed query over whole posting lists: which documents match, and their scores.

Whoosh walks postings one document at a time through a tree of Python matcher
objects (about 2 µs per posting per node). Here each leaf of the query is read
into arrays (`postings`), scored by the formula in `scoring`, and the tree is
combined with set operations (`matches`). The meaning of each kind of query:

- a word in a field: the documents holding it, scored by BM25;
- a prefix (`ship*`), wildcard (`sh?p*`) or range (`[a TO c]`): one word standing
  for every word of the index it covers, as a synonym: its frequency in a document
  is the sum of theirs, its document frequency the number of documents holding any
  of them, so the score is graded and the same however the index is split;
- a phrase: the words at consecutive positions (`"a b"~N`: each word within N
  positions after the one before), scoring the sum of its words;
- AND: documents matching all parts, scoring the sum; OR: any part, the sum of
  those that match; NOT / ANDNOT: left out, scores unchanged (NOT alone: every
  document without it, scoring 0); ANDMAYBE: the left
  side's documents, adding the right side's score where it matches too; REQUIRE:
  documents matching both, scoring the left side;
- `*` (and `field:*`): every document (with that field), scoring 1;
- a boost (`^2`) multiplies the score of what it applies to, alone or compound.
"""
from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Collection
from functools import reduce

import numpy as np
from whoosh import query as wq

from .columns import Columns
from .matches import Matches
from .postings import Postings, PostingReader
from .query import TimedReader
from .scoring import Bm25
from .statistics import LocalStatistics, Statistics, WordKey


class Unsupported(Exception):
    """A kind of query this module does not evaluate."""


class OutOfTime(Exception):
    """The search's deadline passed while matching."""


class QueryMatcher:
    """Evaluates Whoosh query trees over one `PostingReader`."""

    def __init__(self, postings: PostingReader, columns: Columns, bm25: Bm25 | None = None) -> None:
        self.postings = postings
        self.columns = columns
        self.schema = postings.schema
        self._own_bm25 = bm25 or Bm25()
        self.bm25 = self._own_bm25
        self.statistics: Statistics = LocalStatistics(postings)
        self._deadline = math.inf
        self._read: dict[tuple[str, bytes], Postings] = {}  # this search's posting lists, by field and word
        self._with_positions = False

    def begin_search(self, *, with_positions: bool = False, statistics: Statistics | None = None,
                     bm25: Bm25 | None = None) -> None:
        """Forget the last search's posting lists; with `with_positions`, read the text fields'
        positions along with them (when the ranking will look for phrases: one read, not two).
        `statistics` are the collection's figures to score with (see `statistics`; default: this
        index's own), `bm25` the formula's parameters (default: the matcher's)."""
        self._read = {}
        self._with_positions = with_positions
        self.statistics = statistics or LocalStatistics(self.postings)
        self.bm25 = bm25 or self._own_bm25

    def matches(self, query: wq.Query, deadline: float = math.inf) -> Matches:
        """The documents matching `query`, with their scores; raises Unsupported, and OutOfTime once
        `time.monotonic()` passes `deadline` (checked between posting lists)."""
        self._deadline = deadline
        return self._match(query)

    def _check_time(self) -> None:
        if time.monotonic() > self._deadline:
            raise OutOfTime

    def _match(self, query: wq.Query) -> Matches:
        self._check_time()
        kind = type(query)
        if kind is type(wq.NullQuery):
            return Matches.none()
        if kind is wq.Every:
            return Matches.constant(self._every(query.fieldname), query.boost)
        if kind is wq.Term:
            return self._term(query.fieldname, query.text).boosted(query.boost)
        if kind is wq.Phrase:
            return self._phrase(query).boosted(query.boost)
        if kind in (wq.Prefix, wq.Wildcard, wq.TermRange):
            return self._synonyms(query).boosted(query.boost)
        if kind is wq.Not:
            return Matches.constant(self.postings.live_docs(), 0.0) - self._match(query.query)
        if kind is wq.AndNot:
            return self._match(query.a) - self._match(query.b)
        if kind is wq.AndMaybe:
            return self._match(query.a).plus(self._match(query.b)).boosted(query.boost)
        if kind is wq.Require:
            return self._match(query.a).within(self._match(query.b)).boosted(query.boost)
        if kind in (wq.And, wq.Or) and not getattr(query, "scale", None):
            parts = [self._match(sub) for sub in query.subqueries]
            if not parts:
                return Matches.none()
            combined = reduce(Matches.__and__, parts) if kind is wq.And else Matches.union(parts)
            return combined.boosted(query.boost)
        raise Unsupported(f"{kind.__name__} queries")

    def _every(self, field: str | None) -> np.ndarray:
        if not field:
            return self.postings.live_docs()
        if field not in self.schema:
            return np.zeros(0, dtype=np.int64)
        if self.schema[field].scorable:
            holding = np.flatnonzero(self.postings.field_lengths(field))
        elif field in self.columns.facets:
            holding = np.flatnonzero(np.diff(self.columns.facet(field).offsets))
        else:
            return np.zeros(0, dtype=np.int64)
        return np.intersect1d(self.postings.live_docs(), holding, assume_unique=True)

    def _term(self, field: str, text: str | bytes) -> Matches:
        btext = self._bytes(field, text)
        if btext is None:
            return Matches.none()
        return self._scored(field, self._postings(field, btext), (field, btext))

    def _synonyms(self, query: wq.Query) -> Matches:
        """Every word a pattern or range covers, scored as one word."""
        if query.fieldname not in self.schema:
            return Matches.none()
        words = (text for _, text in query.expanded_terms(self._timed_reader()))
        return self._scored(query.fieldname, self._union(query.fieldname, words), (query.fieldname, str(query)))

    def _union(self, field: str, words) -> Postings:
        """The postings of several words as one: documents holding any, their frequencies summed."""
        lists = []
        for word in words:
            self._check_time()
            lists.append(self._postings(field, word))
        if not lists:
            return Postings.empty()
        docs, inverse = np.unique(np.concatenate([p.docs for p in lists]), return_inverse=True)
        frequencies = np.bincount(inverse, weights=np.concatenate([p.frequencies for p in lists]))
        return Postings(docs, frequencies, None)

    def _scored(self, field: str, postings: Postings, key: WordKey) -> Matches:
        if not self.schema[field].scorable:
            return Matches.constant(postings.docs, 1.0) if len(postings.docs) else Matches.none()
        statistics = self.statistics
        found_in = statistics.document_frequency(key, len(postings.docs))  # asked even when 0, for shards
        if not len(postings.docs):
            return Matches.none()
        live = statistics.live_count()
        idf = self.bm25.idf(found_in, live)
        lengths = self.postings.field_lengths(field)[postings.docs]
        average = statistics.total_length(field) / live if live else 0.0
        scores = self.bm25.scores(field, postings.frequencies, lengths, average, idf)
        return Matches(postings.docs, scores)

    def _phrase(self, phrase: wq.Phrase) -> Matches:
        return self.phrase(phrase.fieldname, phrase.words, phrase.slop)

    def phrase(self, field: str, words: list[str], slop: int = 1, among: np.ndarray | None = None) -> Matches:
        """Documents (of `among`, sorted, when given) where the words follow each other (each within
        `slop` positions after the one before), scoring the sum of the words."""
        if field not in self.schema or not self.schema[field].format.supports("positions"):
            raise Unsupported(f"phrases in {field}, which has no positions")
        texts = [self._bytes(field, word) for word in words]
        if not texts or any(text is None for text in texts):
            return Matches.none()
        lists = []
        for text in texts:
            self._check_time()
            lists.append(self._postings(field, text, with_positions=True) if self.postings.has_term(field, text)
                         else Postings.empty(with_positions=True))
        # Scored before the early way out below, so that every word's frequency is asked for (shards sum them).
        word_scores = [self._scored(field, postings, (field, text)) for postings, text in zip(lists, texts)]
        candidates = reduce(np.intersect1d, [postings.docs for postings in lists])
        if among is not None:
            candidates = np.intersect1d(candidates, among, assume_unique=True)
        if not len(candidates):
            return Matches.none()
        found = self._in_sequence(candidates, lists, self.schema[field].format.decode_positions, slop)
        return reduce(Matches.__and__, word_scores).within(Matches.constant(found, 0.0))

    def _in_sequence(self, candidates: np.ndarray, lists: list[Postings], decode: Callable, slop: int) -> np.ndarray:
        """The candidates in which each word occurs 1 to `slop` positions after the one before."""
        reached: dict[int, Collection[int]] = {}  # per document: where the phrase so far can end (slop 1: start)
        for place, postings in enumerate(lists):
            self._check_time()
            for row in np.flatnonzero(np.isin(postings.docs, candidates)).tolist():
                doc = int(postings.docs[row])
                if place and not reached[doc]:
                    continue
                positions = decode(postings.positions[row])
                if slop == 1:  # the usual phrase: positions shifted back to the start, intersected
                    starts = {position - place for position in positions}
                    reached[doc] = starts if place == 0 else reached[doc] & starts
                elif place == 0:
                    reached[doc] = sorted(positions)
                else:
                    before = reached[doc]
                    reached[doc] = [p for p in sorted(positions)
                                    if (i := bisect.bisect_left(before, p)) and p - before[i - 1] <= slop]
        return np.array([doc for doc in candidates.tolist() if reached.get(doc)], dtype=np.int64)

    def _postings(self, field: str, text: bytes, *, with_positions: bool = False) -> Postings:
        known = self._read.get((field, text))
        if known is None or (with_positions and known.positions is None):
            positions = with_positions or (self._with_positions and self.schema[field].format.supports("positions"))
            known = self._read[(field, text)] = self.postings.postings(field, text, with_positions=positions)
        return known

    def _timed_reader(self) -> TimedReader:
        return TimedReader(self.postings.reader, self._check_time)

    def _bytes(self, field: str, text: str | bytes) -> bytes | None:
        if field not in self.schema:
            return None
        try:
            return self.schema[field].to_bytes(text)
        except ValueError:
            return None
