"""One index against N shards of the same articles: the same answers, and what each costs.

    python -m bench.shards [--corpus bench/out/reuters-x10]... [--shards 4] [--repeat 5] [--reuse]
                           [--cluster tcp://host:8786] [--entities]

Builds (on this machine; without entities unless `--entities`) one index and a sharded one of
the corpus (`python -m bench.scaled` writes the ten copies of Reuters), compares their answers
to the 40 benchmark queries (`bench.queries`), as they are and with one hit per story,
and times each query warm, facets included, `--repeat` times on each. With `--reuse`,
the groups of copies are first found again over the shards (timed). Shards run in threads of this process, as
`news-search` runs them without --cluster, and with `--cluster` also as tasks on
that Dask cluster.
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import time
from pathlib import Path

from search import IndexStore, NewsIndex, SearchRequest, index_paths
from search.cluster import DaskRunner
from search.shard_runs import index_shards, settle_copies
from search.sharded import ShardedIndex, open_index

from .common import ROOT, percentile
from .queries import QUERIES

OUT = ROOT / "bench" / "out"


def timed(index, requests: list[SearchRequest], repeat: int) -> list[float]:
    for request in requests:  # warm: each query once before timing
        index.search(request)
    times = []
    for _ in range(repeat):
        for request in requests:
            started = time.perf_counter()
            index.search(request)
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", help="Repeatable. Default: bench/out/reuters-x10.")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="Use the indexes of an earlier run.")
    parser.add_argument("--cluster", help="Also time the shards on this Dask scheduler's workers.")
    parser.add_argument("--entities", action="store_true", help="Find entities, and count the facet values "
                        "that differ.")
    options = parser.parse_args()
    corpus = options.corpus or [OUT / "reuters-x10"]
    name = "-".join(path.name for path in corpus) + ("-entities" if options.entities else "")
    single_root, sharded_root = OUT / f"shards-bench-{name}-single", OUT / f"shards-bench-{name}-{options.shards}"
    if not options.reuse:
        for root in (single_root, sharded_root):
            shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        index_paths(IndexStore(single_root), corpus, entities=options.entities)
        print(f"build, one index: {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        index_shards(sharded_root, corpus, options.shards, entities=options.entities)
        print(f"build, {options.shards} shards (one after another): {time.perf_counter() - started:.1f} s", flush=True)
    single, sharded = NewsIndex(single_root), open_index(sharded_root)
    if options.reuse:
        started = time.perf_counter()
        settle_copies(sharded.roots)
        print(f"groups of copies found over the shards: {time.perf_counter() - started:.1f} s", flush=True)
    requests = [SearchRequest.from_text(**values) for values in QUERIES]
    same, same_collapsed, facet_values, other_values = 0, 0, 0, 0
    for values, request in zip(QUERIES, requests):
        mine, theirs = sharded.search(request).to_dict(), single.search(request).to_dict()
        same += mine == theirs
        collapsed = dataclasses.replace(request, collapse=True)
        same_collapsed += sharded.search(collapsed).to_dict() == single.search(collapsed).to_dict()
        for facet in ("people", "orgs", "places"):
            shown = {(value["value"], value["count"]) for value in theirs["facets"][facet]}
            facet_values += len(shown)
            other_values += len(shown ^ {(value["value"], value["count"]) for value in mine["facets"][facet]})
        if mine != theirs:
            print("different:", values, "in", ", ".join(key for key in theirs if mine[key] != theirs[key]))
    print(f"{sharded.stats().articles} articles; identical answers (totals, hits with their copies, scores, "
          f"snippets, facets, groups): {same} of {len(requests)} queries; with one hit per story: {same_collapsed}")
    if options.entities:
        print(f"people, orgs and places values shown (top 10 per facet): {facet_values}; values or counts that "
              f"differ between the two (either side): {other_values}")
    for root in sharded.roots:
        figures = NewsIndex(root).stats()
        print(f"  {root.name}: {figures.articles} articles, {figures.index_bytes / 1e6:.0f} MB")
    timings = [("one index", single), (f"{options.shards} shards", sharded)]
    if options.cluster:
        timings.append(("on cluster", ShardedIndex(sharded.layout, DaskRunner(options.cluster))))
    for name, index in timings:
        times = timed(index, requests, options.repeat)
        print(f"{name:>10}: p50 {percentile(times, 0.5):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, "
              f"max {max(times):.1f} ms over {len(times)} searches", flush=True)
    root = sharded.roots[0]
    times = timed(NewsIndex(root), requests, options.repeat)
    print(f"one shard alone ({root.name}): p50 {percentile(times, 0.5):.1f} ms, p95 {percentile(times, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
