"""The web front end under the Reuters index: page and API latency, then 8 clients for 60 s.

    python -m bench.web [--index DIR] [--seconds 60]

Starts `news-search serve` (waitress, 8 threads) on a free port on 127.0.0.1,
times each of the fixed queries of bench/queries.py as a page and as an API
call (one client, after one warm-up pass), then runs wrk (Debian's package)
with 8 connections cycling through all of those URLs, and reports its errors.
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

from web.server import running_server

from .common import DEFAULT_INDEX, ROOT, percentile
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
    options = parser.parse_args()
    with running_server(options.index) as base:
        paths = query_paths()
        for path in paths:  # warm-up: every thread's searcher and columns
            timed_get(base + path)
        for name, kind in (("page", "/search?"), ("API", "/api/search?")):
            times = [timed_get(base + path) for path in paths if path.startswith(kind)]
            print(f"{name:<4} p50 {percentile(times, .5) * 1000:6.1f} ms   p95 {percentile(times, .95) * 1000:6.1f} ms"
                  f"   max {max(times) * 1000:6.1f} ms   ({len(times)} queries, one client)")
        output, errors = wrk_report(start_wrk(base, paths, options.seconds))
        print(f"\nwrk, 8 connections, {options.seconds} s, cycling through {len(paths)} URLs:")
        print(output)
        print(f"\nerrors (socket errors and non-2xx responses): {errors}")


if __name__ == "__main__":
    main()
