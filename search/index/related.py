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
words of the kind of story count as much as names; at SUBJECT_WEIGHT of that their closeness
in the index's subject space (`subjects`), where stories of one kind lie close even when their
words differ; and at QUERY_WEIGHT the query's own score, so that the same story's other
articles (another bid for the same company) are not all pushed down by stories of the same
kind about others.

Measured on Reuters TOPICS labels (`bench/related.py`), P@5 on the tuned half A: 0.704 with
the tf·idf boost (25 words, titles in full), 0.775 with the tf boost, 0.781 with titles at
half, 0.807 with RELATED_BM25 (any k1 from 0.6 to 2 and b from 0.75 to 1 gave 0.800-0.811),
0.843 in order of likeness alone (0.790 with idf in full, 0.848 with idf capped at 3 and its
square root; 0.83-0.85 for 10 to 50 stories reordered). With the query's score at weight
0.1 / 0.2 / 0.5 / 1 / 1.5 of likeness: 0.843 / 0.848 / 0.842 / 0.836 / 0.826, while the
share of the query's own first five kept in the first five goes from 47% (likeness alone)
to 55 / 60 / 69 / 79 / 83%: 0.5 is the most weight that costs nothing measurable. Closeness
in subject at SUBJECT_WEIGHT 1 (weights 0.5 and 2 did no better, nor 50 or 150 axes) took
half A to 0.849, and 1,500 articles drawn after it was chosen from 0.782 to 0.797. A space
fitted on a random sample (1,000 articles to all) did about 0.005 better than on the earliest,
but would change with almost every article added.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from whoosh import query as wq

from ..model import Hit
from .gather import Candidate, by_relevance, first_of_stories
from .scoring import Bm25
from .subjects import SubjectSpace, weighed

RELATED_WORDS = 25
TITLE_SHARE = 0.5
RELATED_BM25 = Bm25(k1=1.2, b=0.75)  # Robertson's usual values
RERANKED = 30
QUERY_WEIGHT = 0.5
SUBJECT_WEIGHT = 1.0


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
    vectors = [weighed(words) for words in (article, other)]
    norms = [math.sqrt(sum(weight * weight for weight in vector.values())) for vector in vectors]
    if not norms[0] or not norms[1]:
        return 0.0
    mine, theirs = vectors
    return min(1.0, sum(weight * theirs.get(word, 0.0) for word, weight in mine.items()) / (norms[0] * norms[1]))


@dataclass(frozen=True)
class RelatedMatch:
    """An article the query of telling words found, with its hit and its words (as indexed, with how
    often it uses each), from one index or one shard."""

    candidate: Candidate
    hit: Hit
    words: dict[str, int]


def likeness_first(found: list[RelatedMatch], words: Mapping[str, int], space: SubjectSpace | None,
                   limit: int) -> list[RelatedMatch]:
    """The first `limit` stories of `found` (the query's matches for the article of `words`, from one
    index or several), each hit scored by `blended`: the query's RERANKED best, one per story, in order of
    that score (equal ones in the query's order), then the rest in the query's order."""
    matches = {match.candidate.id: match for match in found}
    stories = first_of_stories(sorted((match.candidate for match in found), key=by_relevance))
    here = space.place(words) if space else None

    def scored(story: Candidate) -> RelatedMatch:
        match = matches[story.id]
        subject = SubjectSpace.closeness(here, space.place(match.words)) if space else None
        score = blended(likeness(words, match.words), subject, story.score / stories[0].score)
        return replace(match, hit=replace(match.hit, score=score))

    ranked = [scored(story) for story in stories[:max(limit, RERANKED)]]
    return (sorted(ranked[:RERANKED], key=lambda match: -match.hit.score) + ranked[RERANKED:])[:limit]


def blended(likeness: float, subject: float | None, query_share: float) -> float:
    """A related article's score, from 0 to 1: its likeness to the article, its closeness in subject at
    SUBJECT_WEIGHT of that (when the index has a subject space), and its query score as a share of the
    best one's at QUERY_WEIGHT."""
    weights = 1 + QUERY_WEIGHT + (SUBJECT_WEIGHT if subject is not None else 0)
    return (likeness + SUBJECT_WEIGHT * (subject or 0.0) + QUERY_WEIGHT * query_share) / weights
