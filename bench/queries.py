"""Faceted search latency on the Reuters index: 40 fixed queries, each with all five facets.

    python -m bench.queries [--index DIR] [--repeat N] [--feedback]

Run bench/build.py first. Each query runs once cold (first time) and then
`repeat` times warm on one long-lived searcher, as the server keeps it; the
figures are p50/p95 over the queries' median warm times, and over their fastest
runs (steadier on a shared machine). `--feedback` runs them all with feedback.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from search import NewsIndex, SearchRequest

from .common import DEFAULT_INDEX, peak_rss_mb, percentile

QUERIES: list[dict] = [
    # single terms
    {"query": "oil"}, {"query": "gold"}, {"query": "coffee"}, {"query": "bank"}, {"query": "dollar"},
    {"query": "tariffs"}, {"query": "wheat"}, {"query": "earnings"}, {"query": "shipping"}, {"query": "strike"},
    # phrases
    {"query": '"interest rates"'}, {"query": '"trade deficit"'}, {"query": '"crude oil"'},
    {"query": '"money supply"'}, {"query": '"stock exchange"'}, {"query": '"net loss"'},
    # boolean, prefix, fields
    {"query": "oil OR gas"}, {"query": "wheat OR corn OR grain"}, {"query": "bank NOT england"},
    {"query": "(gold OR silver) AND mine"}, {"query": "japan AND trade"}, {"query": "export*"},
    {"query": "tax*"}, {"query": "title:oil"}, {"query": "title:dollar AND body:yen"},
    # filtered and sorted
    {"query": "oil", "date_from": "1987-03", "date_to": "1987-03"},
    {"query": "dollar", "sort": "newest"}, {"query": "bank", "sources": ("Reuters",)},
    {"query": '"interest rates"', "sort": "oldest"}, {"query": "grain", "date_from": "1987-04-01"},
    {"query": "profit", "page": 3}, {"query": "shares", "per_page": 50},
    # browsing: no query words
    {"query": ""}, {"query": "", "date_from": "1987-03-15", "date_to": "1987-03-20"},
    {"query": "", "page": 5}, {"query": "", "sort": "oldest"}, {"query": "", "sources": ("Reuters",)},
    # broad and rare
    {"query": "said"}, {"query": "mln dlrs"}, {"query": "zinc"},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--feedback", action="store_true", help="Run every query with feedback re-ranking.")
    options = parser.parse_args()

    started = time.perf_counter()
    index = NewsIndex(options.index)
    searcher = index.searcher()
    opened = time.perf_counter() - started
    cold, warm, fastest, totals = [], [], [], []
    for values in QUERIES:
        request = SearchRequest.from_text(**values, **({"feedback": True} if options.feedback else {}))
        started = time.perf_counter()
        result = searcher.search(request)
        cold.append(time.perf_counter() - started)
        runs = []
        for _ in range(options.repeat):
            started = time.perf_counter()
            searcher.search(request)
            runs.append(time.perf_counter() - started)
        warm.append(statistics.median(runs))
        fastest.append(min(runs))
        totals.append(result.total)
        print(f"{warm[-1] * 1000:8.1f} ms  {result.total:6d} hits  {values}")
    print(f"\n{len(QUERIES)} queries, all five facets each; index opened in {opened * 1000:.0f} ms")
    print(f"warm  p50 {percentile(warm, .5) * 1000:6.1f} ms   p95 {percentile(warm, .95) * 1000:6.1f} ms   "
          f"max {max(warm) * 1000:6.1f} ms")
    print(f"fastest p50 {percentile(fastest, .5) * 1000:4.1f} ms   p95 {percentile(fastest, .95) * 1000:6.1f} ms   "
          f"(each query's fastest run: the least disturbed by other work on the machine)")
    print(f"cold  p50 {percentile(cold, .5) * 1000:6.1f} ms   p95 {percentile(cold, .95) * 1000:6.1f} ms   "
          f"(first run of each query)")
    print(f"peak RSS of this process {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
