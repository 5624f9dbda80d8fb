"""Exports of every article: rows equal to the search's total, time, and peak memory of the process.

    python -m bench.export [--index DIR ...]

Runs `news-search export` in a fresh process for each index and format, writing to a
file, once for everything (empty query) and once for a query of a few matches: that
memory stays flat shows as the same peak for both. Rows are counted by reading the
file back (CSV with a CSV reader, so bodies with line breaks count once).
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import DEFAULT_INDEX

MEASURE = ("import resource, sys; sys.argv = ['news-search'] + sys.argv[1:]; "
           "from cli import cli\n"
           "try:\n    cli()\nexcept SystemExit:\n    pass\n"
           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")


def total(index: str, query: str) -> int:
    found = subprocess.run([sys.executable, "-m", "cli", "--index", index, "search", query, "--json", "--limit", "1"],
                           capture_output=True, text=True, check=True)
    return json.loads(found.stdout)["total"]


def count_rows(path: Path, export_format: str) -> int:
    csv.field_size_limit(sys.maxsize)  # bodies are long fields
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if export_format == "csv":
            return sum(1 for _ in csv.reader(handle)) - 1
        return sum(1 for _ in handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", action="append", default=None)
    options = parser.parse_args()
    print(f"{'index':<28} {'query':<10} {'format':<6} {'body':<5} {'rows':>8} {'total':>8} {'seconds':>8} "
          f"{'peak RSS MB':>12} {'file MB':>8}")
    for index in options.index or [str(DEFAULT_INDEX)]:
        for query in ("", "cocoa"):
            expected = total(index, query)
            for export_format, body in (("jsonl", False), ("csv", False), ("jsonl", True), ("csv", True)):
                with tempfile.TemporaryDirectory() as scratch:
                    out = Path(scratch) / f"export.{export_format}"
                    command = [sys.executable, "-c", MEASURE, "--index", index, "export", query,
                               "--format", export_format, "--output", str(out), "--quiet"]
                    command += ["--body"] if body else []
                    started = time.perf_counter()
                    run = subprocess.run(command, capture_output=True, text=True, check=True)
                    seconds = time.perf_counter() - started
                    peak = int(run.stderr.strip().splitlines()[-1]) / 1024
                    rows = count_rows(out, export_format)
                    print(f"{Path(index).name:<28} {query or '(all)':<10} {export_format:<6} {str(body):<5} "
                          f"{rows:>8} {expected:>8} {seconds:>8.1f} {peak:>12.0f} {out.stat().st_size / 1e6:>8.1f}",
                          flush=True)


if __name__ == "__main__":
    main()
