"""Article body extraction on the article-extraction benchmark pages: our reader, trafilatura alone,
and the page's bare text, side by side.

    python -m bench.html_extraction

The measure is the benchmark's own: word 4-gram shingles compared as multisets,
precision and recall per page (normalised), averaged over pages, F1 from the two
averages. Also: pages/s of each, and what share of pages our reader gave a
title, a date and a source.
"""
from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import trafilatura
from bs4 import BeautifulSoup

from search.readers import ReadError, SourceFile, html, read_entries

from .common import CORPORA

BENCHMARK = CORPORA / "article-extraction-benchmark"
_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def matching(true: str, predicted: str) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) over shingles, so long pages weigh no more than short ones."""
    expected, found = shingles(true), shingles(predicted)
    tp, fp, fn = sum((expected & found).values()), sum((found - expected).values()), sum((expected - found).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp)


def recall(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn)


def scores(results: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    p = statistics.mean(precision(*r) for r in results if r[0] + r[1] > 0)
    r = statistics.mean(recall(*x) for x in results if x[0] + x[2] > 0)
    return 2 * p * r / (p + r), p, r


def our_reader(path: Path, data: bytes):
    entries = list(read_entries(SourceFile(str(path), path.name, data), html))
    return next((entry for entry in entries if not isinstance(entry, ReadError)), None)


def main() -> None:
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {path: path.read_bytes() for path in sorted((BENCHMARK / "html").glob("*.html.gz"))}
    texts = {path: gzip.decompress(data).decode("utf-8") for path, data in pages.items()}

    articles = {}

    def ours(path: Path) -> str:
        articles[path] = our_reader(path, pages[path])
        return articles[path].body if articles[path] else ""

    extractors = {
        "our reader": ours,
        "trafilatura 2 alone (defaults)": lambda path: trafilatura.extract(texts[path]),
        "bare BeautifulSoup get_text()": lambda path: BeautifulSoup(texts[path], "lxml").get_text(" "),
    }
    print(f"{len(pages)} pages of the article-extraction benchmark\n")
    for name, extract in extractors.items():
        started = time.perf_counter()
        results = [matching(truth[path.name.split(".")[0]]["articleBody"], extract(path) or "") for path in pages]
        seconds = time.perf_counter() - started
        f1, p, r = scores(results)
        print(f"{name:<32} F1 {f1:.3f}  P {p:.3f}  R {r:.3f}   {len(pages) / seconds:5.1f} pages/s")
    found = [article for article in articles.values() if article]
    share = {field: sum(1 for a in found if getattr(a, field)) / len(pages) for field in ("title", "date", "source")}
    print(f"\nour reader: {len(found)} of {len(pages)} pages gave an article; "
          + ", ".join(f"{field} {value:.0%}" for field, value in share.items()))


if __name__ == "__main__":
    main()
