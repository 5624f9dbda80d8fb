"""Related articles on Reuters: how many of each article's five related ones share one of its TOPICS labels.

    python -m bench.related [--index DIR] [--articles 400] [--seed 1]

A sample of articles with TOPICS labels (the same sample for every method) is given
related articles by news-search and by Whoosh's own `more_like` (body, the article
itself left out). Two figures for each:

- P@5: the share of the first five related articles that carry at least one of the
  article's labels; an article with no related one counts 0. A related article
  without labels counts as wrong.
- judged P@5: the same over the first five related articles whose topics Reuters'
  indexers judged, the others passed over (a "condensed list", as Sakai measures
  rankings with incomplete judgements, SIGIR 2007). The corpus README says a story
  marked TOPICS="NO" may lack labels only because nobody assigned them, while one
  marked TOPICS="YES" with none is a true negative; so stories with TOPICS="YES" or
  any TOPICS label are judged, the rest are not.

Halves A and B split the sample by position (even, odd): the settings were chosen
looking at A only.
"""
from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

from search import NewsIndex
from search.article import article_id

from .common import DEFAULT_INDEX

RELATED = 5
ASKED = 20  # related articles asked for, so that five judged ones are usually among them
_STORY_ATTRIBUTES = re.compile(r"<REUTERS\b([^>]*)>")
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')

Related = Callable[[str], list[str]]


def stored_articles(index: NewsIndex) -> list[dict]:
    return list(index.searcher()._searcher.all_stored_fields())


def labelled_sample(stored: list[dict], count: int, seed: int) -> list[tuple[str, set[str]]]:
    labelled = [(fields["id"], set((fields.get("labels") or {}).get("topics", ()))) for fields in stored]
    labelled = sorted((article_id, topics) for article_id, topics in labelled if topics)
    return random.Random(seed).sample(labelled, count)


def judged_ids(stored: list[dict]) -> set[str]:
    """The articles whose topics were judged: TOPICS="YES" in their SGML file, or labelled."""
    judged = {fields["id"] for fields in stored if (fields.get("labels") or {}).get("topics")}
    for file, below in {(fields["file"], fields["path"]) for fields in stored}:
        text = Path(file).read_text(encoding="latin-1")
        for attributes in _STORY_ATTRIBUTES.findall(text):
            values = dict(_ATTRIBUTE.findall(attributes))
            if values.get("TOPICS") == "YES":
                judged.add(article_id(below, values["NEWID"]))
    return judged


def precision(sample, related: Related, topics_of: dict[str, set[str]], judged: set[str]):
    """P@5 and judged P@5, each over the sample's halves A and B, and seconds per article."""
    found_by_article, started = [], time.perf_counter()
    for article, _ in sample:
        found_by_article.append(related(article))
    seconds = (time.perf_counter() - started) / len(sample)

    def share(found: list[str], topics: set[str]) -> float:
        return sum(1 for other in found[:RELATED] if topics & topics_of[other]) / RELATED

    plain = [share(found, topics) for (_, topics), found in zip(sample, found_by_article)]
    condensed = [share([other for other in found if other in judged], topics)
                 for (_, topics), found in zip(sample, found_by_article)]
    half = lambda part: sum(part) / len(part)  # noqa: E731
    return half(plain[0::2]), half(plain[1::2]), half(condensed[0::2]), half(condensed[1::2]), seconds


def whoosh_more_like(index: NewsIndex) -> Related:
    searcher = index.searcher()._searcher

    def related(article: str) -> list[str]:
        doc = searcher.document_number(id=article)
        return [hit["id"] for hit in searcher.more_like(doc, "body", top=ASKED)]
    return related


def ours(index: NewsIndex) -> Related:
    return lambda article: [hit.id for hit in index.related(article, ASKED).hits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(DEFAULT_INDEX))
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    index = NewsIndex(options.index)
    stored = stored_articles(index)
    sample = labelled_sample(stored, options.articles, options.seed)
    topics_of = {fields["id"]: set((fields.get("labels") or {}).get("topics", ())) for fields in stored}
    judged = judged_ids(stored)
    print(f"{len(sample)} articles with TOPICS labels; {len(judged)} of {len(stored)} articles judged for topics")
    started = time.perf_counter()
    index.related(sample[0][0])
    seconds = time.perf_counter() - started
    print(f"first related list (it fits the subject space, or reads it if saved): {seconds:.2f} s")
    print(f"{'method':<26} {'P@5 half A':>10} {'half B':>7} {'judged P@5 A':>13} {'half B':>7} {'ms/article':>11}")
    for name, method in (("news-search related", ours(index)), ("Whoosh more_like (body)", whoosh_more_like(index))):
        a, b, judged_a, judged_b, seconds = precision(sample, method, topics_of, judged)
        print(f"{name:<26} {a:10.3f} {b:7.3f} {judged_a:13.3f} {judged_b:7.3f} {seconds * 1000:11.1f}")


if __name__ == "__main__":
    main()
