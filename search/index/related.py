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

Measured on Reuters TOPICS labels (`bench/related.py`), P@5 on the tuned half A: 0.704 with
the tf·idf boost (25 words, titles in full), 0.775 with the tf boost, 0.781 with titles at
half, 0.807 with RELATED_BM25 (any k1 from 0.6 to 2 and b from 0.75 to 1 gave 0.800-0.811).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from whoosh import query as wq

from .scoring import Bm25

RELATED_WORDS = 25
TITLE_SHARE = 0.5
RELATED_BM25 = Bm25(k1=1.2, b=0.75)  # Robertson's usual values


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
