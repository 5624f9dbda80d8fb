"""Related articles: the words that tell an article apart, as a query for the articles most about them.

An article's telling words are its RELATED_WORDS words of highest tf·idf ((1 + ln tf) ·
ln(N / df), N and df counting live articles only, so that the choice does not depend on
when deleted ones are merged away), numbers and words of no other article left out. The query asks for each in
bodies, and at TITLE_SHARE of that in titles, boosted by 1 + ln tf only: our BM25 weighs
each word by its rarity already, and weighing it twice let a company's name outweigh what
the article is about. The query is scored by BM25 with its usual parameters (RELATED_BM25),
not the search's: a query of 25 words matches some words of most long articles, and the
search's weak length normalisation (b = 0.2, for queries of a few words) let long feature
stories come first for many unrelated articles.

The query's rare words find the articles about the same company, place or person, but not
which of them tell the same kind of story (results, a takeover, a harvest). So the query's
best RERANKED stories are put in order of `blended`: mostly their `likeness`, the cosine of
the two articles' word vectors, each word weighing 1 + ln tf with no idf, so that common
words of the kind of story count as much as names; and at QUERY_WEIGHT of that the query's
own score, so that the same story's other articles (another bid for the same company) are
not all pushed down by stories of the same kind about others.

Measured on Reuters TOPICS labels (`bench/related.py`), P@5 on the tuned half A: 0.704 with
the tf·idf boost (25 words, titles in full), 0.775 with the tf boost, 0.781 with titles at
half, 0.807 with RELATED_BM25 (any k1 from 0.6 to 2 and b from 0.75 to 1 gave 0.800-0.811),
0.843 in order of likeness alone (0.790 with idf in full, 0.848 with idf capped at 3 and its
square root; 0.83-0.85 for 10 to 50 stories reordered). With the query's score at weight
0.1 / 0.2 / 0.5 / 1 / 1.5 of likeness: 0.843 / 0.848 / 0.842 / 0.836 / 0.826, while the
share of the query's own first five kept in the first five goes from 47% (likeness alone)
to 55 / 60 / 69 / 79 / 83%: 0.5 is the most weight that costs nothing measurable.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace

from whoosh import query as wq

from ..model import Hit
from .gather import Candidate, by_relevance, first_of_stories
from .scoring import Bm25

RELATED_WORDS = 25
TITLE_SHARE = 0.5
RELATED_BM25 = Bm25(k1=1.2, b=0.75)  # Robertson's usual values
RERANKED = 30
QUERY_WEIGHT = 0.5


def telling_words(frequencies: Mapping[str, int], found_in: Mapping[str, tuple[int, int]], article_count: int,
                  count_exactly: Callable[[list[str]], Mapping[str, int]],
                  count: int = RELATED_WORDS) -> dict[str, float]:
    """The `count` words of an article with the highest tf·idf, each with its 1 + ln tf: `frequencies`
    are its words (as indexed) with how often it uses each; of the `article_count` articles, between
    `found_in[word][0]` and `found_in[word][1]` hold each (Whoosh counts deleted articles until a merge),
    and `count_exactly(words)` counts them for the words whose place depends on it, so that the choice
    is the same however the index is split and merged."""
    bounds = {word: found_in.get(word, (0, 0)) for word in frequencies if not word.isdigit()}
    tf = {word: 1 + math.log(frequencies[word]) for word in bounds}

    def score(word: str, holding: int) -> float:  # in every article, or in no other, a word tells nothing
        return tf[word] * math.log(article_count / holding) if 1 < holding < article_count else -math.inf

    least = sorted((score(word, high) if low > 1 else -math.inf for word, (low, high) in bounds.items()),
                   reverse=True)
    threshold = least[count - 1] if len(least) >= count else -math.inf
    unsure = [word for word, (low, high) in bounds.items()
              if low != high and score(word, max(low, 2)) >= threshold]
    exact = {word: low for word, (low, high) in bounds.items() if low == high}
    exact.update(count_exactly(unsure) if unsure else {})
    rows = sorted((-score(word, holding), word) for word, holding in exact.items() if score(word, holding) > -math.inf)
    return {word: tf[word] for _, word in rows[:count]}


def related_query(words: dict[str, float]) -> wq.Query:
    """A query for articles holding any of `words`, in body or title, each boosted by its weight."""
    return wq.Or([wq.Term(field, word, boost=weight * share) for word, weight in words.items()
                  for field, share in (("title", TITLE_SHARE), ("body", 1.0))])


def likeness(article: Mapping[str, int], other: Mapping[str, int]) -> float:
    """The cosine of two articles' word vectors (words as indexed, with how often each article uses
    them), each word weighing 1 + ln tf, numbers left out: 1 for the same words in the same measure."""
    vectors = [{word: 1 + math.log(count) for word, count in words.items() if not word.isdigit()}
               for words in (article, other)]
    norms = [math.sqrt(sum(weight * weight for weight in vector.values())) for vector in vectors]
    if not norms[0] or not norms[1]:
        return 0.0
    mine, theirs = vectors
    return min(1.0, sum(weight * theirs.get(word, 0.0) for word, weight in mine.items()) / (norms[0] * norms[1]))


def likeness_first(found: list[tuple[Candidate, Hit]], limit: int) -> list[tuple[Candidate, Hit]]:
    """The first `limit` stories of `found` (the query's matches, each scored by the query, its hit by
    its likeness, from one index or several), each hit scored by `blended`: the query's RERANKED best, one
    per story, in order of that score (equal ones in the query's order), then the rest in the query's order."""
    hits = {candidate.id: hit for candidate, hit in found}
    stories = first_of_stories(sorted((candidate for candidate, _ in found), key=by_relevance))
    scored = [(story, replace(hits[story.id], score=blended(hits[story.id].score, story.score / stories[0].score)))
              for story in stories]
    return (sorted(scored[:RERANKED], key=lambda pair: -pair[1].score) + scored[RERANKED:])[:limit]


def blended(likeness: float, query_share: float) -> float:
    """A related article's score, from 0 to 1: its likeness to the article, and at QUERY_WEIGHT of that
    its query score as a share of the best one's."""
    return (likeness + QUERY_WEIGHT * query_share) / (1 + QUERY_WEIGHT)
