"""The ranking variants bench/relevance.py scores with `--variants`, round by round, as they were
tried: each a name and a function from query text to scored matches. Each round started from what
half A preferred in the one before; half B was only reported."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from whoosh import query as wq

from search.index.matches import Matches
from search.index.scoring import Bm25


def combined(bench) -> Iterator[tuple[str, object]]:
    """The second round: lower b, then proximity or feedback on top."""
    for k1 in (0.9, 1.2):
        for b in (0.1, 0.2, 0.3, 0.4):
            yield f"BM25 k1={k1} b={b}", bench.ours(Bm25(k1=k1, b=b))
    low_b = Bm25(b=0.3)
    for slop, boost in ((1, 0.5), (1, 1.0), (2, 1.0), (4, 1.0)):
        yield f"b=0.3 + proximity within {slop}, boost {boost}", proximity(bench, slop, boost, low_b)
    for documents, words, mix in ((10, 10, 0.5), (20, 20, 0.5), (20, 20, 0.7), (20, 40, 0.6), (30, 20, 0.6)):
        yield (f"b=0.3 + feedback {documents} docs, {words} words, mix {mix}",
               feedback(bench, documents, words, mix, low_b))


def third_round(bench) -> Iterator[tuple[str, object]]:
    """The third round, from the parameters half A preferred (k1=0.9, b=0.2)."""
    base = Bm25(k1=0.9, b=0.2)
    yield "k1=0.9 b=0.2", bench.ours(base)
    for slop, boost in ((1, 1.0), (2, 1.0), (2, 0.5), (1, 2.0)):
        yield f"k1=0.9 b=0.2 + proximity within {slop}, boost {boost}", proximity(bench, slop, boost, base)
    for documents, words, mix in ((10, 10, 0.5), (10, 20, 0.5), (20, 20, 0.5), (10, 10, 0.7), (10, 10, 0.3)):
        yield (f"k1=0.9 b=0.2 + feedback {documents} docs, {words} words, mix {mix}",
               feedback(bench, documents, words, mix, base))
    near = proximity(bench, 2, 1.0, base)
    for documents, words, mix in ((10, 10, 0.5), (20, 20, 0.5), (10, 10, 0.7)):
        yield (f"k1=0.9 b=0.2 + proximity 2/1.0 + feedback {documents}/{words}/{mix}",
               feedback(bench, documents, words, mix, base, first_pass=near))


def fourth_round(bench) -> Iterator[tuple[str, object]]:
    """The fourth round: title weight again, and feedback that adds documents."""
    for weight in (0.5, 0.7):
        yield f"k1=0.9 b=0.2 title {weight}", bench.ours(Bm25(k1=0.9, b=0.2, field_weights={"title": weight}))
    base = Bm25(k1=0.9, b=0.2)
    near = proximity(bench, 1, 1.0, base)
    for documents, words, mix in ((10, 10, 0.5), (10, 10, 0.7), (10, 20, 0.7)):
        yield (f"k1=0.9 b=0.2 + proximity 1/1.0 + feedback adding documents {documents}/{words}/{mix}",
               feedback(bench, documents, words, mix, base, first_pass=near, adding=True))
    yield ("k1=0.9 b=0.2 + proximity 1/1.0 + feedback 10/10/0.5",
           feedback(bench, 10, 10, 0.5, base, first_pass=near))


# The starting point of the first round: Whoosh's BM25F parameters.
WHOOSH_BM25 = Bm25(k1=1.2, b=0.75)


def variants(bench) -> Iterator[tuple[str, object]]:
    """The first round: each idea alone, from Whoosh's parameters."""
    for k1 in (0.6, 0.9, 1.2, 1.6, 2.0):
        for b in (0.3, 0.5, 0.75, 0.9):
            yield f"BM25 k1={k1} b={b}", bench.ours(Bm25(k1=k1, b=b))
    for weight in (0.5, 1.5, 2.0, 3.0):
        yield f"title weight {weight}", bench.ours(Bm25(k1=1.2, b=0.75, field_weights={"title": weight}))
    for slop, boost in ((1, 0.5), (1, 1.0), (4, 0.5), (4, 1.0), (8, 1.0)):
        yield f"proximity: words within {slop}, boost {boost}", proximity(bench, slop, boost, WHOOSH_BM25)
    for documents, words, mix in ((10, 10, 0.5), (10, 20, 0.5), (10, 20, 0.3), (20, 20, 0.5), (5, 10, 0.5),
                                  (10, 30, 0.5), (20, 40, 0.4)):
        yield (f"feedback: {documents} docs, {words} words, mix {mix}",
               feedback(bench, documents, words, mix, WHOOSH_BM25))
    for boost in (0.5, 1.0, 2.0):
        yield f"entity match boost {boost}", entity(bench, boost, WHOOSH_BM25)


def proximity(bench, slop: int, boost: float, bm25: Bm25):
    matcher = bench.matcher(bm25)
    analyzer = bench.searcher._searcher.schema["body"].analyzer

    def rank(text: str) -> Matches:
        query = bench.parse(text)
        words = [token.text for token in analyzer(text)]
        if len(words) < 2:
            return matcher.matches(query)
        near = wq.Or([wq.Phrase(field, words, slop=slop) for field in ("title", "body")], boost=boost)
        return matcher.matches(wq.AndMaybe(query, near))
    return rank


def entity(bench, boost: float, bm25: Bm25):
    matcher = bench.matcher(bm25)
    spellings = bench.searcher._spellings

    def rank(text: str) -> Matches:
        query = bench.parse(text)
        names = [wq.Term(field, name, boost=boost) for field in ("people", "orgs", "places")
                 for name in spellings.of(field, text)]
        return matcher.matches(wq.AndMaybe(query, wq.Or(names)))
    return rank


def feedback(bench, documents: int, words: int, mix: float, bm25: Bm25, first_pass=None, adding: bool = False):
    """RM3: a word model of the top documents (each word's share of a document, weighted by the
    document's score), its most likely words that are not in over a tenth of the index re-score
    the query's matches."""
    matcher = bench.matcher(bm25)
    searcher = bench.searcher._searcher
    analyzer = searcher.schema["body"].analyzer
    live = matcher.postings.live_count

    def rank(text: str) -> Matches:
        first = first_pass(text) if first_pass else matcher.matches(bench.parse(text))
        if not len(first.docs):
            return first
        top = np.argsort(-first.scores, kind="stable")[:documents]
        weights = first.scores[top] / first.scores[top].sum()
        model: Counter = Counter()
        for doc, weight in zip(first.docs[top].tolist(), weights.tolist()):
            stored = searcher.stored_fields(doc)
            tokens = [t.text for t in analyzer(f"{stored.get('title', '')} {stored.get('body', '')}")]
            for word, count in Counter(tokens).items():
                model[word] += weight * count / len(tokens)
        chosen = [(word, p) for word, p in model.most_common()
                  if not word.isdigit() and searcher.doc_frequency("body", word) < live / 10][:words]
        total = sum(p for _, p in chosen)
        expansion = wq.Or([wq.Term(field, word, boost=p / total) for word, p in chosen for field in ("title", "body")])
        second = matcher.matches(expansion)
        original = first.boosted(mix / first.scores.max())
        second = second.boosted((1 - mix) / max(second.scores.max(), 1e-9))
        return original | second if adding else original.plus(second)
    return rank




@dataclass(frozen=True)
class LuceneIdf(Bm25):
    """BM25 with Lucene's idf, ln(1 + (N − df + 0.5) / (df + 0.5)), which never goes below 0."""

    def idf(self, document_frequency: int, live_count: int) -> float:
        return math.log(1 + (live_count - document_frequency + 0.5) / (document_frequency + 0.5))


@dataclass(frozen=True)
class TitleB(Bm25):
    """BM25 with its own length normalisation for titles."""

    title_b: float = 0.0

    def scores(self, field_name, frequencies, lengths, average_length, idf):
        if field_name != "title":
            return super().scores(field_name, frequencies, lengths, average_length, idf)
        return replace(self, b=self.title_b).scores("body", frequencies, lengths, average_length, idf)


def fifth_round(bench) -> Iterator[tuple[str, object]]:
    """The fifth round: the idf formula, and titles normalised on their own."""
    yield "k1=0.9 b=0.2, Lucene's idf", bench.ours(LuceneIdf(k1=0.9, b=0.2))
    for title_b in (0.0, 0.5, 0.75):
        yield f"k1=0.9 b=0.2, title b={title_b}", bench.ours(TitleB(k1=0.9, b=0.2, title_b=title_b))


ROUNDS = (variants, combined, third_round, fourth_round, fifth_round)
