"""Searches that used to outrun NEWS_SEARCH_TIME_LIMIT: long articles' snippets, and long phrases.

    python -m bench.time_limit [--limit S]

Builds two throw-away indexes without entities: 30 articles of 1,000,000 characters, and
Reuters-21578 (from ../shared/corpora). Then times, with the limit set (default 2 s): a page of
the 30 long articles for a word in every sentence and for one near their end only (past the
200,000 characters snippets look at), a 200-word phrase copied from a Reuters story,
and a 200-word phrase of common words that no story holds. Each search must end within the limit
(plus the time to print a page), with highlighted snippets as far as the limit allowed.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from search import IndexStore, NewsIndex, SearchRequest, index_paths
from search.errors import SearchTooSlowError
from search.readers import SourceFile, read_entries, reader_for

from .common import reuters_files

ARTICLE_CHARS = 1_000_000


def long_articles(folder: Path, count: int = 30) -> None:
    filler = "The harbour master logged every ship that came and went that week. "
    body = filler * (ARTICLE_CHARS // len(filler) - 2) + "At last a zeppelin appeared over the docks."
    with open(folder / "long.jsonl", "w", encoding="utf-8") as handle:
        for n in range(count):
            handle.write(json.dumps({"id": n, "title": f"Zeppelin log {n}", "body": body}) + "\n")


def timed(index: NewsIndex, request: SearchRequest) -> str:
    started = time.perf_counter()
    try:
        result = index.search(request)
        outcome = (f"{result.total} matches, {sum('<mark>' in hit.snippet for hit in result.hits)} of "
                   f"{len(result.hits)} snippets highlighted")
    except SearchTooSlowError as error:
        outcome = f"stopped: {error}"
    return f"{time.perf_counter() - started:6.2f} s  {outcome}"


def reuters_phrase(words: int = 200) -> str:
    """The first `words` words of the longest Reuters story's body."""
    data = reuters_files()[0].read_bytes()
    entries = read_entries(SourceFile("/r.sgm", "r.sgm", data), reader_for(Path("r.sgm"), data))
    body = max((entry.body for entry in entries if hasattr(entry, "body")), key=len)
    return " ".join(body.replace('"', " ").split()[:words])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=float, default=2.0, help="NEWS_SEARCH_TIME_LIMIT in seconds (default 2)")
    options = parser.parse_args()
    os.environ["NEWS_SEARCH_TIME_LIMIT"] = str(options.limit)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "long").mkdir()
        long_articles(root / "long")
        started = time.perf_counter()
        index_paths(IndexStore(root / "long-index"), [root / "long"], entities=False)
        print(f"30 articles of {ARTICLE_CHARS:,} characters indexed in {time.perf_counter() - started:.1f} s")
        index = NewsIndex(root / "long-index")
        for word, where in (("harbour", "in every sentence"), ("zeppelin", "only near the end")):
            print(f"limit {options.limit:g} s; page of 30 long articles, '{word}' ({where}):",
                  timed(index, SearchRequest(query=word, per_page=30)))
        started = time.perf_counter()
        index_paths(IndexStore(root / "reuters-index"), reuters_files(), entities=False)
        print(f"Reuters indexed in {time.perf_counter() - started:.1f} s")
        index = NewsIndex(root / "reuters-index")
        phrase = reuters_phrase()
        print("200-word phrase from a story:", timed(index, SearchRequest(query=f'"{phrase}"')))
        common = " ".join(["the said of and to in a"] * 29)[:2000].rsplit(" ", 1)[0]
        print(f"{len(common.split())}-word phrase of common words:", timed(index, SearchRequest(query=f'"{common}"')))


if __name__ == "__main__":
    main()
