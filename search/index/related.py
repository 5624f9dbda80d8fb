"""Related articles: the words that tell an article apart, as a query for the articles most about them.

An article's telling words are its RELATED_WORDS words of highest tf·idf ((1 + ln tf) ·
ln(N / df)), numbers and words of no other article left out. The query asks for each in
bodies, and at TITLE_SHARE of that in titles, boosted by 1 + ln tf only: our BM25 weighs
each word by its rarity already, and weighing it twice let a company's name outweigh what
the article is about. Measured on Reuters TOPICS labels (`bench/related.py`), P@5 on the
tuned half A: 0.704 with the tf·idf boost (25 words, titles in full), 0.775 with the tf
boost, 0.781 with titles at half; 40 words gave 0.797 at twice the time per article.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from whoosh import query as wq

RELATED_WORDS = 25
TITLE_SHARE = 0.5


def telling_words(frequencies: Mapping[str, int], found_in: Mapping[str, int], article_count: int,
                  count: int = RELATED_WORDS) -> dict[str, float]:
    """The `count` words of an article with the highest tf·idf, each with its 1 + ln tf: `frequencies`
    are its words (as indexed) with how often it uses each, `found_in` how many of `article_count`
    articles hold each."""
    rows = []
    for word, frequency in frequencies.items():
        holding = found_in.get(word, 0)
        if 1 < holding < article_count and not word.isdigit():  # in every article, a word tells nothing
            tf = 1 + math.log(frequency)
            rows.append((-tf * math.log(article_count / holding), word, tf))
    return {word: tf for _, word, tf in sorted(rows)[:count]}


def related_query(words: dict[str, float]) -> wq.Query:
    """A query for articles holding any of `words`, in body or title, each boosted by its weight."""
    return wq.Or([wq.Term(field, word, boost=weight * share) for word, weight in words.items()
                  for field, share in (("title", TITLE_SHARE), ("body", 1.0))])
