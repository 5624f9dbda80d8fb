"""Searches while the index changes: 8 clients against `serve` during a full rebuild and a `watch` batch.

    python -m bench.live [--index DIR] [--seconds 60]

On a copy of the Reuters index (bench/build.py's, with its mention cache, so
the rebuild finds entities from the cache), starts `news-search serve` and runs
wrk with 8 connections over the fixed queries for the whole time. Meanwhile it
runs `news-search index --rebuild` of all Reuters, then `news-search watch` on a
new folder and drops five new articles into it. It reports wrk's errors, and
how soon each change showed in the served results after its commit: the
rebuild's (the API's `last_indexed` changes) and the watch batch's (the new
articles are found).
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from web.server import running_server

from .common import DEFAULT_INDEX, ROOT, reuters_files
from .web import query_paths, start_wrk, wrk_report

NEWS_SEARCH = [sys.executable, str(ROOT / "cli.py")]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def wait_until(condition, timeout: float = 120) -> float:
    """Seconds until `condition()` holds, polling every 50 ms."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise SystemExit("timed out")
        time.sleep(0.05)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--seconds", type=int, default=60)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        index = Path(scratch, "index")
        shutil.copytree(options.index, index, symlinks=True)
        incoming = Path(scratch, "incoming")
        incoming.mkdir()
        with running_server(index) as base:
            before = get_json(base + "/api/stats")["last_indexed"]
            wrk = start_wrk(base, query_paths(), options.seconds)

            started = time.monotonic()
            subprocess.run([*NEWS_SEARCH, "--index", str(index), "index", "--rebuild", "-q",
                            *map(str, reuters_files())], check=False, capture_output=True)
            rebuilt = time.monotonic()
            shown = wait_until(lambda: get_json(base + "/api/stats")["last_indexed"] != before)
            print(f"rebuild of all Reuters under load: {rebuilt - started:.1f} s; "
                  f"served {shown:.2f} s after the rebuild's commit")

            watch = subprocess.Popen([*NEWS_SEARCH, "--index", str(index), "watch", str(incoming), "--interval", "1"],
                                     stderr=subprocess.PIPE, text=True)
            log = Lines(watch.stderr)
            time.sleep(3)  # the watcher's first look
            for number in range(5):
                (incoming / f"late{number}.txt").write_text(
                    f"Late harbour report {number}\n\nThe zyxwharbour pilots struck on day {number}.\n")
            dropped = time.monotonic()
            committed = wait_until(lambda: "5 added" in log.text())
            visible = wait_until(lambda: get_json(base + "/api/search?q=zyxwharbour")["total"] == 5)
            print(f"watch batch of 5 new files under load: committed {committed:.2f} s after they were written; "
                  f"all 5 served {visible:.2f} s after the commit")
            watch.send_signal(signal.SIGTERM)
            watch.wait(timeout=30)

            output, errors = wrk_report(wrk)
            print(f"\nwrk, 8 connections, {options.seconds} s, during both:")
            print(output)
            print(f"\nerrors (socket errors and non-2xx responses): {errors}")
            print(f"(the rebuild and the watch batch took {dropped - started:.0f} s of the {options.seconds} s)")


class Lines:
    """A process's stderr, collected line by line on a thread."""

    def __init__(self, stream) -> None:
        self._lines: list[str] = []
        threading.Thread(target=lambda: self._lines.extend(stream), daemon=True).start()

    def text(self) -> str:
        return "".join(self._lines)


if __name__ == "__main__":
    main()
