"""The web front end under the Reuters index: page and API latency, then 8 clients for 60 s.

    python -m bench.web [--index DIR] [--seconds 60] [--workers 1 --workers 2 ...]

For each worker count (default: 1, then one per core), starts `news-search serve
--workers N` (8 threads each) on a free port on 127.0.0.1, times each of the fixed
queries of bench/queries.py as a page and as an API call (one client, after one
warm-up pass), then runs wrk (Debian's package) with 8 connections cycling through
all of those URLs, and reports its errors and the memory of the serving processes
(their summed RSS, and PSS, which splits pages shared between forked workers; the
inbox writer's apart). A table at the end sets the counts side by side.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from web.server import start_server, stop_server

from .common import DEFAULT_INDEX, ROOT, percentile, serving_memory_mb
from .queries import QUERIES

PARAMETERS = {"query": "q", "sources": "source", "date_from": "from", "date_to": "to", "sort": "sort", "page": "page",
              "per_page": "per_page"}


def query_string(values: dict) -> str:
    pairs = []
    for key, value in values.items():
        for item in value if isinstance(value, tuple) else (value,):
            pairs.append((PARAMETERS[key], str(item)))
    return urlencode(pairs)


def timed_get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    return time.perf_counter() - started


def query_paths() -> list[str]:
    """Each fixed query as an API call and as a page (the page always shows 10 hits)."""
    api = [f"/api/search?{query_string(values)}" for values in QUERIES]
    pages = [f"/search?{query_string({k: v for k, v in values.items() if k != 'per_page'})}" for values in QUERIES]
    return api + pages


def start_wrk(base: str, paths: list[str], seconds: int) -> subprocess.Popen:
    """wrk with 2 threads and 8 connections cycling through `paths`; read its report with `wrk_report`."""
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    return subprocess.Popen([wrk, "-t2", "-c8", f"-d{seconds}s", "--latency", "--timeout", "10s",
                             "-s", str(ROOT / "bench" / "web_load.lua"), base], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "NEWS_SEARCH_PATHS": "\n".join(paths)})


def wrk_report(run: subprocess.Popen) -> tuple[str, int]:
    """wrk's output, and its socket errors plus non-2xx responses."""
    output = run.communicate()[0].strip()
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return output, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, action="append", help="worker processes (repeat to compare)")
    options = parser.parse_args()
    rows = [measure(options.index, workers, options.seconds) for workers in options.workers or
            [1, len(os.sched_getaffinity(0))]]
    columns = {"workers": 7, "requests/s": 10, "p50 ms": 7, "p99 ms": 7, "errors": 6, "RSS MB": 7, "PSS MB": 7}
    print("\n" + "  ".join(f"{name:>{width}}" for name, width in columns.items()))
    for workers, rate, p50, p99, errors, (rss, pss) in rows:
        print(f"{workers:>7}  {rate:>10.1f}  {p50:>7.1f}  {p99:>7.1f}  {errors:>6}  {rss:>7.0f}  {pss:>7.0f}")
    print(f"ratio of requests/s, {rows[-1][0]} workers to {rows[0][0]}: {rows[-1][1] / rows[0][1]:.2f}")


def measure(index: Path, workers: int, seconds: int) -> tuple:
    """One server with `workers` processes: (workers, requests/s, p50 ms, p99 ms, errors, (RSS, PSS) MB)."""
    process, base = start_server(index, workers=workers)
    try:
        print(f"\n== serve --workers {workers}")
        paths = query_paths()
        for _ in range(workers):  # warm-up: every worker's searcher and columns, most likely
            for path in paths:
                timed_get(base + path)
        for name, kind in (("page", "/search?"), ("API", "/api/search?")):
            times = [timed_get(base + path) for path in paths if path.startswith(kind)]
            print(f"{name:<4} p50 {percentile(times, .5) * 1000:6.1f} ms   p95 {percentile(times, .95) * 1000:6.1f} ms"
                  f"   max {max(times) * 1000:6.1f} ms   ({len(times)} queries, one client)")
        output, errors = wrk_report(start_wrk(base, paths, seconds))
        memory, helpers = serving_memory_mb(process.pid)
        print(f"wrk, 8 connections, {seconds} s, cycling through {len(paths)} URLs:")
        print(output)
        print(f"errors (socket errors and non-2xx responses): {errors}")
        print(f"memory of the serving processes: RSS {memory[0]:.0f} MB, PSS {memory[1]:.0f} MB; "
              f"of the inbox writer: RSS {helpers[0]:.0f} MB")
    finally:
        stop_server(process)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return workers, rate, _latency_ms(output, "50%"), _latency_ms(output, "99%"), errors, memory


def _latency_ms(output: str, percent: str) -> float:
    value, unit = re.search(rf"^\s*{percent}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


if __name__ == "__main__":
    main()
