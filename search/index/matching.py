"""Matching and BM25F scoring of whole posting lists at once, with numpy.

Whoosh walks postings one document at a time through a tree of Python matcher
objects: about 2 µs per posting per node, so a broad query over 15,000 articles
takes 25 ms to list its matches and as long again to score them. Here each term's
posting list is read block by block into arrays, the query tree is evaluated with
set operations on sorted document numbers, and every match is scored with the
BM25F formula and statistics Whoosh uses, so the documents and scores are the
same as Whoosh's (`tests/test_matching.py` compares the two on many queries).

The query types the parser produces for words, phrases, boolean operators,
prefixes and wildcards are handled; anything else raises `Unsupported` and the
caller uses `whoosh_matches`, the straightforward path.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import reduce

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.collectors import TimeLimitCollector
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from .query import TimedReader

# Field lengths are stored as one byte each; this decodes them. Whoosh scores a
# stored 0 as length 1.
_LENGTH_OF_BYTE = np.array([byte_to_length(byte) if byte else 1 for byte in range(256)], dtype=np.float64)
# Whoosh's `Or` changes strategy at this many documents in a segment (see `_expansion`).
_WHOOSH_SMALL_INDEX = 5000


class Unsupported(Exception):
    """A query this module does not evaluate; use Whoosh's own matchers for it."""


class OutOfTime(Exception):
    """The search's deadline passed while matching."""


@dataclass(frozen=True)
class Matches:
    """Matching documents in increasing order, with their scores."""

    docs: np.ndarray
    scores: np.ndarray

    @classmethod
    def none(cls) -> Matches:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))

    def __or__(self, other: Matches) -> Matches:
        """Documents in either; a document in both scores the sum (as Whoosh's union)."""
        docs = np.union1d(self.docs, other.docs)
        scores = np.zeros(len(docs), dtype=np.float64)
        scores[np.searchsorted(docs, self.docs)] += self.scores
        scores[np.searchsorted(docs, other.docs)] += other.scores
        return Matches(docs, scores)

    def __and__(self, other: Matches) -> Matches:
        """Documents in both, scoring the sum."""
        docs, mine, theirs = np.intersect1d(self.docs, other.docs, assume_unique=True, return_indices=True)
        return Matches(docs, self.scores[mine] + other.scores[theirs])

    def __sub__(self, other: Matches) -> Matches:
        """Documents in this but not the other, keeping this one's scores."""
        keep = ~np.isin(self.docs, other.docs, assume_unique=True)
        return Matches(self.docs[keep], self.scores[keep])

    def between(self, start: int, end: int) -> Matches:
        """The matching documents numbered from `start` up to (not including) `end`."""
        low, high = np.searchsorted(self.docs, [start, end])
        return Matches(self.docs[low:high], self.scores[low:high])

    def boosted(self, boost: float) -> Matches:
        return self if boost == 1.0 else Matches(self.docs, self.scores * boost)

    def scores_of(self, docs: np.ndarray) -> np.ndarray:
        """The scores of some of the matching documents."""
        return self.scores[np.searchsorted(self.docs, docs)]


@dataclass(frozen=True)
class Postings:
    """One term's postings in live documents: document numbers, term frequencies and,
    when asked for, the encoded positions."""

    docs: np.ndarray
    weights: np.ndarray
    values: list[bytes] | None


class PostingReader:
    """Reads a searcher's posting lists into arrays; one per searcher, not thread-safe."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves = list(self.reader.leaf_readers())  # (segment reader, first document number)
        self._live = np.zeros(self.reader.doc_count_all(), dtype=bool)
        self._live[np.fromiter(self.reader.all_doc_ids(), dtype=np.int64)] = True
        self._lengths: dict[str, np.ndarray] = {}

    def live_docs(self) -> np.ndarray:
        return np.flatnonzero(self._live)

    def postings(self, field: str, text: bytes, *, with_values: bool = False) -> Postings:
        docs, weights, values = [], [], []
        for leaf, offset in self.leaves:
            if (field, text) not in leaf:
                continue
            matcher = leaf.postings(field, text)
            if isinstance(matcher, FilterMatcher):  # deletions; filtered below with the live mask
                matcher = matcher.child
            if not isinstance(matcher, W3LeafMatcher):
                raise Unsupported(f"postings stored as {type(matcher).__name__}")
            while matcher.is_active():
                # A block at a time: the matcher's own per-block decoding, without its per-posting steps.
                matcher._read_ids()
                matcher._read_weights()
                docs.append(np.asarray(matcher._ids, dtype=np.int64) + offset)
                weights.append(np.asarray(matcher._weights, dtype=np.float64))
                if with_values:
                    matcher._read_values()
                    values.extend(matcher._values)
                matcher._next_block()
        if not docs:
            return Postings(np.zeros(0, dtype=np.int64), np.zeros(0), [] if with_values else None)
        all_docs = np.concatenate(docs)
        live = self._live[all_docs]
        kept_values = [value for value, keep in zip(values, live) if keep] if with_values else None
        return Postings(all_docs[live], np.concatenate(weights)[live], kept_values)

    def field_lengths(self, field: str) -> np.ndarray:
        """Every document's length in `field`, as Whoosh's scorers see it."""
        if field not in self._lengths:
            parts = []
            for leaf, _ in self.leaves:
                column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                count = leaf.doc_count_all()
                codes = np.fromiter(column, dtype=np.uint8, count=count) if column is not None \
                    else np.zeros(count, dtype=np.uint8)
                parts.append(_LENGTH_OF_BYTE[codes])
            self._lengths[field] = np.concatenate(parts) if parts else np.zeros(0)
        return self._lengths[field]


class QueryMatcher:
    """Evaluates a Whoosh query tree over a `PostingReader`, scoring as Whoosh's BM25F."""

    def __init__(self, postings: PostingReader) -> None:
        self.postings = postings
        self.searcher = postings.searcher
        weighting = self.searcher.weighting
        if type(weighting) is not scoring.BM25F:
            raise Unsupported(f"scoring by {type(weighting).__name__}")
        self.weighting = weighting
        self._deadline = math.inf

    def matches(self, query: wq.Query, deadline: float = math.inf) -> Matches:
        """The documents matching `query`, with Whoosh's scores; raises Unsupported, and OutOfTime
        once `time.monotonic()` passes `deadline` (checked between posting lists)."""
        self._deadline = deadline
        return self._match(query)

    def _check_time(self) -> None:
        if time.monotonic() > self._deadline:
            raise OutOfTime

    def _match(self, query: wq.Query) -> Matches:
        self._check_time()
        if query is wq.NullQuery:
            return Matches.none()
        if isinstance(query, wq.Every) and not query.fieldname:
            docs = self.postings.live_docs()
            return Matches(docs, np.full(len(docs), float(query.boost)))
        if isinstance(query, wq.Term):
            return self._term(query.fieldname, query.text).boosted(query.boost)
        if isinstance(query, wq.Phrase):
            return self._phrase(query).boosted(query.boost)
        if isinstance(query, (wq.Prefix, wq.Wildcard)) and query.text:
            return self._expansion(query)
        if isinstance(query, wq.Not):
            every = self.postings.live_docs()
            inverse = Matches(every, np.ones(len(every))) - self._match(query.query)
            return inverse
        if isinstance(query, wq.AndNot):
            return self._match(query.a) - self._match(query.b)
        if type(query) in (wq.And, wq.Or) and not getattr(query, "scale", None):
            parts = [self._match(sub) for sub in query.subqueries]
            if not parts:
                return Matches.none()
            if len(parts) == 1:  # Whoosh drops the boost of a one-child compound
                return parts[0]
            combine = Matches.__and__ if isinstance(query, wq.And) else Matches.__or__
            return reduce(combine, parts).boosted(query.boost)
        raise Unsupported(repr(query))

    def _expansion(self, query: wq.PatternQuery) -> Matches:
        """A prefix or wildcard: the union of the words it expands to, scored as Whoosh does.

        Whoosh expands the pattern and picks its strategy in each segment on its own: it
        drops the boost of a one-word expansion, and when its `Or` preloads (1,024 words
        or more, or three or more in a segment of up to 5,000 documents) a constant-score
        expansion scores 1 per match instead of BM25F.
        """
        whole: dict[bytes | str, Matches] = {}  # each word's matches in the whole index
        parts = []
        for leaf, offset in self.postings.leaves:
            terms = []
            words = [text for _, text in query.expanded_terms(TimedReader(leaf, self._check_time))]
            for word in words:
                self._check_time()
                if word not in whole:
                    whole[word] = self._term(query.fieldname, word)
                terms.append(whole[word].between(offset, offset + leaf.doc_count_all()))
            if len(terms) == 1:
                parts.append(terms[0])
            elif terms:
                union = reduce(Matches.__or__, terms, Matches.none())
                preloads = len(terms) >= wq.Or.TOO_MANY_CLAUSES or (
                    len(terms) > 2 and leaf.doc_count_all() <= _WHOOSH_SMALL_INDEX)
                if preloads and query.constantscore:
                    parts.append(Matches(union.docs, np.ones(len(union.docs))))
                else:
                    parts.append(union.boosted(query.boost))
        return reduce(Matches.__or__, parts, Matches.none())

    def _term(self, field: str, text: str | bytes, postings: Postings | None = None) -> Matches:
        btext = self._bytes(field, text)
        if btext is None:
            return Matches.none()
        postings = postings or self.postings.postings(field, btext)
        if not len(postings.docs):  # also spares Whoosh's idf a log(0) on an empty index
            return Matches.none()
        return Matches(postings.docs, self._bm25(field, btext, postings))

    def _bm25(self, field: str, btext: bytes, postings: Postings) -> np.ndarray:
        """Whoosh's `scoring.bm25` over arrays, with its global statistics; fields without
        lengths (the facets) score the term frequency, as Whoosh's `WeightScorer`."""
        if not self.searcher.schema[field].scorable:
            return postings.weights
        idf = self.searcher.idf(field, btext)
        average_length = self.searcher.avg_field_length(field) or 1
        b = self.weighting._field_B.get(field, self.weighting.B)
        k1 = self.weighting.K1
        lengths = self.postings.field_lengths(field)[postings.docs]
        tf = postings.weights
        return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / average_length)))

    def _phrase(self, phrase: wq.Phrase) -> Matches:
        """Documents where the words follow each other exactly, scored as the sum of the words."""
        field = phrase.fieldname
        if phrase.slop != 1:
            raise Unsupported("phrase with slop")
        if field not in self.searcher.schema or not self.searcher.schema[field].format.supports("positions"):
            raise Unsupported(f"phrase in {field}, which has no positions")
        words = [self._bytes(field, word) for word in phrase.words]
        if any(word is None or (field, word) not in self.postings.reader for word in words):
            return Matches.none()
        lists = []
        for word in words:
            self._check_time()
            lists.append(self.postings.postings(field, word, with_values=True))
        candidates = reduce(np.intersect1d, (postings.docs for postings in lists))
        decode = self.searcher.schema[field].format.decode_positions
        starts: dict[int, set[int]] = {int(doc): set() for doc in candidates}
        for place, postings in enumerate(lists):
            self._check_time()
            rows = np.flatnonzero(np.isin(postings.docs, candidates))
            for row in rows.tolist():
                doc = int(postings.docs[row])
                positions = {position - place for position in decode(postings.values[row])}
                starts[doc] = positions if place == 0 else starts[doc] & positions
        found = np.array([doc for doc in candidates.tolist() if starts[doc]], dtype=np.int64)
        words_matches = [Matches(postings.docs, self._bm25(field, word, postings))
                         for word, postings in zip(words, lists)]
        return reduce(Matches.__and__, words_matches) & Matches(found, np.zeros(len(found)))

    def _bytes(self, field: str, text: str | bytes) -> bytes | None:
        if field not in self.searcher.schema:
            return None
        try:
            return self.searcher.schema[field].to_bytes(text)
        except ValueError:
            return None


def whoosh_matches(searcher, query: wq.Query, seconds: float | None = None) -> Matches:
    """Every match of `query` with its score, the way Whoosh's collectors find them;
    raises whoosh's TimeLimit after `seconds`."""
    collector = searcher.collector(limit=None)
    if seconds is not None:
        # A timer thread, not SIGALRM: signals reach only the main thread, and servers search in others.
        collector = TimeLimitCollector(collector, timelimit=max(seconds, 0.001), use_alarm=False)
    searcher.search_with_collector(query, collector)
    top = collector.results().top_n  # (score, docnum) pairs
    docs = np.array([doc for _, doc in top], dtype=np.int64)
    scores = np.array([score for score, _ in top], dtype=np.float64)
    order = np.argsort(docs)
    return Matches(docs[order], scores[order])
