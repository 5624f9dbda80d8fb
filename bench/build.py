"""Time building the Reuters-21578 index with the real CLI: full build, no-change reindex, one changed file.

    python -m bench.build [--index DIR] [--jobs N] [--no-entities]

Prints docs/s, index size and peak memory of each run. The index is left in
place for bench/queries.py.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import DEFAULT_INDEX, ROOT, peak_rss_mb, reuters_files

NEWS_SEARCH = [sys.executable, str(ROOT / "cli.py")]


def run_index(index: Path, paths: list[Path], *extra: str) -> tuple[float, dict]:
    started = time.perf_counter()
    finished = subprocess.run([*NEWS_SEARCH, "--index", str(index), "index", *map(str, paths), "--json", *extra],
                              capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if finished.returncode not in (0, 3):
        raise SystemExit(f"index failed ({finished.returncode}): {finished.stderr}")
    return elapsed, json.loads(finished.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--jobs", type=int, default=None, help="Entity processes (default: the CLI's choice).")
    parser.add_argument("--no-entities", action="store_true", help="Index without entities (all runs).")
    options = parser.parse_args()
    files = reuters_files()
    shutil.rmtree(options.index, ignore_errors=True)

    entity_flag = ["--no-entities"] if options.no_entities else []
    jobs = ["--jobs", str(options.jobs)] if options.jobs else []
    seconds, report = run_index(options.index, files, *jobs, *entity_flag)
    size = sum(f.stat().st_size for f in (options.index / "current").resolve().iterdir())
    print(f"full build      {seconds:7.1f} s  {report['articles'] / seconds:6.0f} docs/s  "
          f"{report['articles']} articles, {len(report['errors'])} reported, index {size / 2**20:.1f} MB, "
          f"peak RSS {peak_rss_mb(children=True):.0f} MB (jobs={options.jobs or 'auto'}"
          f"{', no entities' if options.no_entities else ''})")

    seconds, report = run_index(options.index, files, *entity_flag)
    print(f"no-change run   {seconds:7.2f} s  unchanged={report['unchanged']} added={report['added']} "
          f"updated={report['updated']}")

    # The corpus is read-only: edit a copy of one file, then remove the copy again.
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder, files[0].name)
        shutil.copy(files[0], copy)
        run_index(options.index, [Path(folder)], *entity_flag)
        copy.write_bytes(copy.read_bytes().replace(b"BAHIA COCOA REVIEW", b"BAHIA COCOA SURVEY"))
        seconds, report = run_index(options.index, [Path(folder)], *entity_flag)
        print(f"one file edited {seconds:7.2f} s  updated={report['updated']} ({report['articles']} articles "
              f"re-read from {copy.name})")
        copy.unlink()
        run_index(options.index, [Path(folder)], *entity_flag)


if __name__ == "__main__":
    main()
