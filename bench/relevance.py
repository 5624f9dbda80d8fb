"""Ranking quality on Reuters TOPICS: MAP@100 and nDCG@10, through Whoosh's matchers and through ours.

    python -m bench.relevance [--index DIR]

Each query is the phrase a reader might type for one TOPICS label; the relevant
articles are those the Reuters editors gave that label. Both rankings order all
matches by score (ties by index order), once with Whoosh's own collectors
(`whoosh_matches`) and once with the array matcher the searches use, so any
change the speed work made to ranking would show here.
"""
from __future__ import annotations

import argparse
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from search import NewsIndex
from search.index.matching import Matches, whoosh_matches
from search.index.query import parse_query

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
}
CUTOFF = 100


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


def ranking(matches: Matches, ids: list[str]) -> list[str]:
    order = np.lexsort((matches.docs, -matches.scores))[:CUTOFF]
    return [ids[doc] for doc in matches.docs[order].tolist()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    options = parser.parse_args()
    searcher = NewsIndex(options.index).searcher()
    whoosh_searcher = searcher._searcher
    reader = whoosh_searcher.reader()
    ids = [""] * reader.doc_count_all()
    labelled: dict[str, set[str]] = defaultdict(set)
    for docnum, stored in reader.iter_docs():
        ids[docnum] = stored["id"]
        for topic in (stored.get("labels") or {}).get("topics", ()):
            labelled[topic].add(stored["id"])

    scores = {"whoosh": [], "ours": []}
    print(f"{'topic':13} {'query':24} {'relevant':>8}   AP@100 whoosh / ours   nDCG@10 whoosh / ours")
    for topic, text in TOPIC_QUERIES.items():
        query = parse_query(searcher._parser, text)
        rankings = {"whoosh": ranking(whoosh_matches(whoosh_searcher, query), ids),
                    "ours": ranking(searcher._matches(query), ids)}
        relevant = labelled[topic]
        row = {name: (average_precision(ranked, relevant), ndcg_at_10(ranked, relevant))
               for name, ranked in rankings.items()}
        for name, figures in row.items():
            scores[name].append(figures)
        print(f"{topic:13} {text:24} {len(relevant):8}   {row['whoosh'][0]:.3f} / {row['ours'][0]:.3f}"
              f"          {row['whoosh'][1]:.3f} / {row['ours'][1]:.3f}")
    for name, figures in scores.items():
        print(f"{name:7} MAP@100 {np.mean([f[0] for f in figures]):.3f}   nDCG@10 {np.mean([f[1] for f in figures]):.3f}"
              f"   ({len(figures)} topic queries)")


if __name__ == "__main__":
    main()
