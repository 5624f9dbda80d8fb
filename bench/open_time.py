"""Time opening a searcher, as a new server process does: after the imports, until it can search.

    python -m bench.open_time [--index DIR ...] [--runs N]

Each run is a fresh Python process (the files are in the page cache after the
first); the figure is the median over the runs, with the slowest beside it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from .common import DEFAULT_INDEX, ROOT

ONE_OPEN = """
import time
from search import NewsIndex
started = time.perf_counter()
NewsIndex({root!r}).searcher()
print(time.perf_counter() - started)
"""


def open_seconds(root: Path) -> float:
    finished = subprocess.run([sys.executable, "-c", ONE_OPEN.format(root=str(root))], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
    return float(finished.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, action="append", help=f"Index folder (default {DEFAULT_INDEX}).")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    for root in options.index or [DEFAULT_INDEX]:
        open_seconds(root)  # into the page cache
        times = [open_seconds(root) for _ in range(options.runs)]
        print(f"{str(root):60} median {statistics.median(times) * 1000:6.1f} ms   slowest {max(times) * 1000:6.1f} ms"
              f"   ({options.runs} processes)")


if __name__ == "__main__":
    main()
