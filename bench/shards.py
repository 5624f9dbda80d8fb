"""One index against N shards of the same articles: the same answers, and what each costs.

    python -m bench.shards [--corpus bench/out/reuters-x10] [--shards 4] [--repeat 5] [--reuse]
                           [--cluster tcp://host:8786]

Builds (without entities, on this machine) one index and a sharded one of the corpus
(`python -m bench.scaled` writes the ten copies of Reuters), compares their answers
to the 40 benchmark queries (`bench.queries`), and times each query warm, facets
included, `--repeat` times on each. Shards run in threads of this process, as
`news-search` runs them without --cluster, and with `--cluster` also as tasks on
that Dask cluster.
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from search import IndexStore, NewsIndex, SearchRequest, index_paths
from search.cluster import DaskRunner
from search.sharded import ShardedIndex, index_shards, open_index

from .common import ROOT, percentile
from .queries import QUERIES

OUT = ROOT / "bench" / "out"


def comparable(result) -> tuple[dict, int]:
    """A result without what depends on copies (grouped within a shard), and its count of groups."""
    found = result.to_dict()
    groups = found.pop("groups")
    for hit in found["hits"]:
        del hit["copies"], hit["copy_sources"]
    return found, groups


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
    parser.add_argument("--corpus", type=Path, default=OUT / "reuters-x10")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="Use the indexes of an earlier run.")
    parser.add_argument("--cluster", help="Also time the shards on this Dask scheduler's workers.")
    options = parser.parse_args()
    single_root, sharded_root = OUT / "shards-bench-single", OUT / f"shards-bench-{options.shards}"
    if not options.reuse:
        for root in (single_root, sharded_root):
            shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        index_paths(IndexStore(single_root), [options.corpus], entities=False)
        print(f"build, one index: {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        index_shards(sharded_root, [options.corpus], options.shards, entities=False)
        print(f"build, {options.shards} shards (one after another): {time.perf_counter() - started:.1f} s", flush=True)
    single, sharded = NewsIndex(single_root), open_index(sharded_root)
    requests = [SearchRequest.from_text(**values) for values in QUERIES]
    same, same_groups = 0, 0
    for values, request in zip(QUERIES, requests):
        mine, my_groups = comparable(sharded.search(request))
        theirs, their_groups = comparable(single.search(request))
        same += mine == theirs
        same_groups += my_groups == their_groups
        if mine != theirs:
            print("different:", values)
    print(f"{sharded.stats().articles} articles; identical answers (totals, hits, scores, snippets, facets): "
          f"{same} of {len(requests)} queries; the same count of groups of copies: {same_groups}")
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
