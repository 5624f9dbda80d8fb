"""Ranking quality on Reuters TOPICS: MAP@100 and nDCG@10 for Whoosh's own ranking, ours, and variants.

    python -m bench.relevance [--index DIR] [--variants]

Each query is the phrase a reader might type for one TOPICS label; the relevant
articles are those the Reuters editors gave that label. The 40 topics are split
in two halves by their place in the list: half A (even places) is the one ranking
changes were tuned on, half B (odd places) was not looked at while tuning.
`--variants` also scores every variant tried (BM25 parameters, title weight,
word proximity, pseudo-relevance feedback, entity matches).
"""
from __future__ import annotations

import argparse
import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from whoosh import query as wq

from search import NewsIndex, SearchRequest
from search.index.matches import Matches
from search.index.matching import QueryMatcher
from search.index.postings import PostingReader
from search.index.query import parse_query
from search.index.ranking import best
from search.index.scoring import Bm25

from .common import DEFAULT_INDEX

TOPIC_QUERIES = {
    "earn": "quarterly earnings", "acq": "acquisition", "money-fx": "currency markets", "crude": "crude oil",
    "grain": "grain", "trade": "trade deficit", "interest": "interest rates", "ship": "shipping",
    "wheat": "wheat", "corn": "corn", "sugar": "sugar", "coffee": "coffee", "gold": "gold",
    "money-supply": "money supply", "gnp": "gross national product", "cpi": "consumer prices",
    "cocoa": "cocoa", "alum": "aluminium", "copper": "copper", "jobs": "unemployment",
    "reserves": "foreign reserves", "rubber": "rubber", "ipi": "industrial production", "iron-steel": "steel",
    "veg-oil": "vegetable oil", "livestock": "cattle", "nat-gas": "natural gas", "oilseed": "soybeans",
    "bop": "current account", "tin": "tin", "cotton": "cotton", "dlr": "dollar",
    "carcass": "meat", "yen": "yen", "rice": "rice", "gas": "gasoline", "barley": "barley", "zinc": "zinc",
    "palm-oil": "palm oil", "silver": "silver",
}
CUTOFF = 100
HALVES = {"A": list(TOPIC_QUERIES)[0::2], "B": list(TOPIC_QUERIES)[1::2]}


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    """Average precision over the first CUTOFF results (normalised by what could be found there)."""
    found, total = 0, 0.0
    for rank, doc in enumerate(ranked[:CUTOFF], start=1):
        if doc in relevant:
            found += 1
            total += found / rank
    return total / min(len(relevant), CUTOFF) if relevant else 0.0


def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    gain = sum(1 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:10], start=1) if doc in relevant)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), 10) + 1))
    return gain / ideal if ideal else 0.0


def whoosh_matches(searcher, query: wq.Query) -> Matches:
    """Every match of `query` with its score, from Whoosh's own matchers and BM25F."""
    collector = searcher.collector(limit=None)
    searcher.search_with_collector(query, collector)
    top = collector.results().top_n  # (score, docnum) pairs
    docs = np.array([doc for _, doc in top], dtype=np.int64)
    scores = np.array([score for score, _ in top], dtype=np.float64)
    order = np.argsort(docs)
    return Matches(docs[order], scores[order])


Ranker = Callable[[str], Matches]


class Bench:
    def __init__(self, index: Path) -> None:
        self.searcher = NewsIndex(index).searcher()
        reader = self.searcher._searcher.reader()
        self.ids = [""] * reader.doc_count_all()
        self.docnums: dict[str, int] = {}
        self.labelled: dict[str, set[str]] = defaultdict(set)
        for docnum, stored in reader.iter_docs():
            self.ids[docnum] = stored["id"]
            self.docnums[stored["id"]] = docnum
            for topic in (stored.get("labels") or {}).get("topics", ()):
                self.labelled[topic].add(stored["id"])

    def parse(self, text: str) -> wq.Query:
        return parse_query(self.searcher._parser, text)

    def matcher(self, bm25: Bm25 | None = None) -> QueryMatcher:
        return QueryMatcher(PostingReader(self.searcher._searcher), self.searcher.columns, bm25)

    def ours(self, bm25: Bm25 | None = None) -> Ranker:
        matcher = self.matcher(bm25)
        return lambda text: matcher.matches(self.parse(text))

    def searches(self, **options) -> Callable[[str], list[int]]:
        """The document numbers of the first CUTOFF hits of a real search."""
        def ranked(text: str) -> list[int]:
            hits = self.searcher.search(SearchRequest(query=text, per_page=CUTOFF, **options)).hits
            return [self.docnums[hit.id] for hit in hits]
        return ranked

    def whoosh(self) -> Ranker:
        return lambda text: whoosh_matches(self.searcher._searcher, self.parse(text))

    def figures(self, ranker, *, ours: bool = True, hits: bool = False) -> dict[str, tuple[float, float, list]]:
        """MAP@100 and nDCG@10 of each half, and the per-topic figures. `ranker` gives matches (ranked
        by our rule when `ours`, else by Whoosh's), or with `hits` the ranked documents themselves."""
        rows = {}
        for topic, text in TOPIC_QUERIES.items():
            if hits:
                ranked = ranker(text)
            elif ours:
                matches = ranker(text)
                ranked = best(matches.docs, matches.scores, CUTOFF, self.searcher.columns)[0].tolist()
            else:  # Whoosh's order: equal scores by document number
                matches = ranker(text)
                ranked = matches.docs[np.lexsort((matches.docs, -matches.scores))[:CUTOFF]].tolist()
            names = [self.ids[doc] for doc in ranked]
            rows[topic] = (average_precision(names, self.labelled[topic]), ndcg_at_10(names, self.labelled[topic]))
        return {half: (float(np.mean([rows[t][0] for t in topics])), float(np.mean([rows[t][1] for t in topics])),
                       [rows[t] for t in topics]) for half, topics in HALVES.items()}


def line(name: str, figures: dict) -> str:
    cells = "   ".join(f"{half} {figures[half][0]:.3f} / {figures[half][1]:.3f}" for half in HALVES)
    return f"{name:44} {cells}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--variants", action="store_true", help="Also score every variant tried, in four rounds.")
    options = parser.parse_args()
    bench = Bench(options.index)
    print(f"{'ranking':44} MAP@100 / nDCG@10 on half A (tuned) and half B (held out), {len(TOPIC_QUERIES)} topics")
    print(line("Whoosh 2.7.4 (BM25F, its own matchers)", bench.figures(bench.whoosh(), ours=False)))
    print(line("news-search", bench.figures(bench.searches(), hits=True)))
    print(line("news-search with feedback", bench.figures(bench.searches(feedback=True), hits=True)))
    if options.variants:
        from .ranking_variants import ROUNDS
        for number, round_of in enumerate(ROUNDS, start=1):
            print(f"round {number}: {round_of.__doc__.strip()}")
            for name, ranker in round_of(bench):
                print(line(name, bench.figures(ranker)), flush=True)


if __name__ == "__main__":
    main()
