"""Related articles: the words that tell an article apart, as a query for the articles most about them.

An article's telling words are its RELATED_WORDS words of highest tf·idf ((1 + ln tf) ·
ln(N / df)), numbers and words of no other article left out; the query asks for each in
titles and bodies, weighted by that figure, and ranks by our BM25. Measured on Reuters
TOPICS labels (`bench/related.py`): 25 words beat 10 and 50 on the tuned half.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from whoosh import query as wq

from .schema import TEXT_FIELDS

RELATED_WORDS = 25


def telling_words(text: str, analyzer: Callable, document_frequency: Callable[[str], int],
                  article_count: int, count: int = RELATED_WORDS) -> dict[str, float]:
    """The `count` words of `text` (as indexed) with the highest tf·idf, with that weight."""
    weights = {}
    for word, frequency in Counter(token.text for token in analyzer(text)).items():
        found_in = document_frequency(word)
        if 1 < found_in < article_count and not word.isdigit():  # in every article, a word tells nothing
            weights[word] = (1 + math.log(frequency)) * math.log(article_count / found_in)
    return dict(sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:count])


def related_query(words: dict[str, float]) -> wq.Query:
    """A query for articles holding any of `words`, in title or body, each boosted by its weight."""
    return wq.Or([wq.Term(field, word, boost=weight) for word, weight in words.items() for field in TEXT_FIELDS])
