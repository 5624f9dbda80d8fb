"""Articles posted over HTTP: how long until they are searchable, one at a time and 1,000 at once.

    python -m bench.posting [--index DIR] [--workers N] [--singles 20]

Copies the index (a bench index of Reuters, with entities) to a scratch folder, makes a token,
starts `news-search serve` over the copy, and posts Reuters stories of reut2-020/021.sgm under new ids:
`--singles` stories one by one, each timed from the POST until a search for a word of its own
finds it; then 1,000 stories in one JSON Lines request, timed until `stats` counts them all
(searchable), and until the inbox is empty (the writer's run is over: its second commit, the
naming across the index, included). Each story is timed from before its POST, so the time includes
the 202. Each body gets a sentence of its own at its end, so that its entities are found anew (the
index caches the mentions found in every text it has seen, and it has seen these stories; a
paragraph with digits in a third of its words is a table, which names are not read from).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import urllib.request
from pathlib import Path

from search.tokens import TokenStore
from web.server import start_server, stop_server

from .common import DEFAULT_INDEX, REUTERS, percentile
from .scaled import reuters_articles

POLL = 0.05


def post(base: str, secret: str, body: str, content_type: str) -> dict:
    request = urllib.request.Request(f"{base}/api/articles", data=body.encode(), method="POST",
                                     headers={"Authorization": f"Bearer {secret}", "Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=60) as answer:
        if answer.status != 202:
            raise RuntimeError(f"POST answered {answer.status}")
        return json.load(answer)


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.load(answer)


def wait_until(check, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not searchable after {limit:.0f} s")
        time.sleep(POLL)


def letters(number: int) -> str:
    """A number written in letters (`120` → `bca`): a word of its own that holds no digit, so that the
    sentence it ends stays prose, which entities are found in."""
    return "".join(chr(ord("a") + int(digit)) for digit in str(number))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--singles", type=int, default=20)
    options = parser.parse_args()
    stories = reuters_articles(REUTERS / "reut2-020.sgm") + reuters_articles(REUTERS / "reut2-021.sgm")
    records = [{"id": f"posted-{n}", "title": story.title, "body": story.body or story.title,
                "date": story.date.isoformat() if story.date else None, "source": "Posted wire"}
               for n, story in enumerate(stories)]
    with tempfile.TemporaryDirectory(prefix="news-search-posting-") as scratch:
        root = Path(scratch) / "index"
        shutil.copytree(options.index, root, symlinks=True)
        secret = TokenStore(root).create("bench")
        process, base = start_server(root, workers=options.workers)
        try:
            before = get(f"{base}/api/stats")["articles"]
            time.sleep(5)  # the writer loads its model at start; the first post should not pay for that
            singles = []
            for n in range(options.singles):
                marker = f"benchmarkword{letters(n)}x"
                record = dict(records[n], body=records[n]["body"] + f"\n\nThe desk filed it as {marker} today.")
                started = time.monotonic()
                post(base, secret, json.dumps(record), "application/json")
                wait_until(lambda: get(f"{base}/api/search?q={marker}")["total"] == 1)
                singles.append(time.monotonic() - started)
            print(f"one article at a time ({len(singles)} posts): searchable after "
                  f"p50 {percentile(singles, .5):.2f} s, max {max(singles):.2f} s")
            print("  each, in order: " + " ".join(f"{seconds:.1f}" for seconds in singles))
            # Each body made new (the index's cache of entity mentions knows the stories' own texts).
            batch = [dict(record, body=record["body"] + f"\n\nThe desk filed it as item {letters(n)} of the batch.")
                     for n, record in enumerate(records[options.singles:options.singles + 1000])]
            started = time.monotonic()
            answer = post(base, secret, "".join(json.dumps(record) + "\n" for record in batch), "application/x-ndjson")
            accepted = time.monotonic() - started
            expected = before + options.singles + len(batch)
            wait_until(lambda: get(f"{base}/api/stats")["articles"] == expected, limit=600)
            searchable = time.monotonic() - started
            wait_until(lambda: get(f"{base}/api/stats")["inbox_batches"] == 0, limit=600)
            done = time.monotonic() - started
            print(f"{answer['accepted']} articles in one request ({len(json.dumps(batch)) / 2**20:.1f} MB): "
                  f"202 after {accepted:.2f} s; all searchable after {searchable:.1f} s; the writer's run "
                  f"(names across the index included) done after {done:.1f} s")
            figures = get(f"{base}/api/stats")
            print(f"stats: articles {figures['articles']} (before: {before}), posted_articles "
                  f"{figures['posted_articles']}, inbox_batches {figures['inbox_batches']}")
        finally:
            stop_server(process)


if __name__ == "__main__":
    main()
