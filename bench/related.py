"""Related articles on Reuters: how many of each article's five related ones share one of its TOPICS labels.

    python -m bench.related [--index DIR] [--articles 400] [--seed 1]

A sample of articles with TOPICS labels (the same sample for every method) is given
five related articles by news-search and by Whoosh's own `more_like` (body, five
best, the article itself left out). P@5 is the share of those related articles that
carry at least one of the article's labels; articles with no related one count 0.
Halves A and B split the sample by position (even, odd): the first settings were
chosen looking at A only.
"""
from __future__ import annotations

import argparse
import random
import time

from search import NewsIndex

from .common import DEFAULT_INDEX

RELATED = 5


def labelled_sample(index: NewsIndex, count: int, seed: int) -> list[tuple[str, set[str]]]:
    searcher = index.searcher()
    labelled = [(fields["id"], set((fields.get("labels") or {}).get("topics", ())))
                for fields in searcher._searcher.all_stored_fields()]
    labelled = sorted((article_id, topics) for article_id, topics in labelled if topics)
    return random.Random(seed).sample(labelled, count)


def topics_of(index: NewsIndex, article_id: str) -> set[str]:
    return set(index.article(article_id).labels.get("topics", ()))


def precision(index: NewsIndex, sample, related) -> tuple[float, float, float]:
    """P@5 over the sample, over its half A and over its half B, and seconds per article."""
    hits_by_article, started = [], time.perf_counter()
    for article_id, _ in sample:
        hits_by_article.append(related(article_id))
    seconds = (time.perf_counter() - started) / len(sample)
    scores = []
    for (_, topics), found in zip(sample, hits_by_article):
        scores.append(sum(1 for other in found[:RELATED] if topics & topics_of(index, other)) / RELATED)
    half = lambda part: sum(part) / len(part)  # noqa: E731
    return half(scores[0::2]), half(scores[1::2]), seconds


def whoosh_more_like(index: NewsIndex):
    searcher = index.searcher()._searcher

    def related(article_id: str) -> list[str]:
        doc = searcher.document_number(id=article_id)
        return [hit["id"] for hit in searcher.more_like(doc, "body", top=RELATED)]
    return related


def ours(index: NewsIndex):
    return lambda article_id: [hit.id for hit in index.related(article_id, RELATED).hits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(DEFAULT_INDEX))
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    index = NewsIndex(options.index)
    sample = labelled_sample(index, options.articles, options.seed)
    print(f"{len(sample)} articles with TOPICS labels; P@{RELATED} = share of related articles sharing a label")
    print(f"{'method':<28} {'half A':>7} {'half B':>7} {'ms/article':>11}")
    for name, method in (("news-search related", ours(index)), ("Whoosh more_like (body)", whoosh_more_like(index))):
        a, b, seconds = precision(index, sample, method)
        print(f"{name:<28} {a:7.3f} {b:7.3f} {seconds * 1000:11.1f}")


if __name__ == "__main__":
    main()
