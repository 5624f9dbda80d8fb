"""What the ranking adds to a query's own scores (`matching`): the order of equal scores, a bonus for
the query's words standing side by side, and, on request, feedback from the best matches. The last
two look only at the best matches, so that their cost does not grow with the number of matches.

Each was measured on 40 Reuters topics, tuned on half of them (`bench/relevance.py`).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from functools import reduce

import numpy as np
from whoosh import query as wq

from .columns import Columns
from .matches import Matches
from .matching import QueryMatcher
from .schema import TEXT_FIELDS

NEARNESS_WINDOW = 1000  # the best matches in which the query's words are looked for side by side
FEEDBACK_DOCUMENTS = 10  # the best matches the feedback words come from
FEEDBACK_WORDS = 10  # how many words they give
FEEDBACK_SHARE = 0.5  # the share of the final score that the feedback words decide
COMMON_SHARE = 0.1  # a word in more than this share of the articles is too common to be a feedback word
FEEDBACK_TEXT_WORDS = 2000  # words read from each of those articles


def best(docs: np.ndarray, scores: np.ndarray, count: int, columns: Columns) -> tuple[np.ndarray, np.ndarray]:
    """The `count` best-scoring documents, best first; equal scores newest first, then by id, so the
    order does not depend on where the articles sit in the index."""
    if count < len(docs):  # only documents scoring at least the count-th best can be among them
        keep = scores >= np.partition(scores, len(scores) - count)[len(scores) - count]
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((columns.ids[docs], -columns.days[docs], -scores))[:count]
    return docs[order], scores[order]


def plain_words(query: wq.Query) -> list[str]:
    """The words of a query of several plain words (AND-ed, as typed: `interest rates`), else none."""
    if type(query) is not wq.And or not all(_is_plain_word(group) for group in query.subqueries):
        return []
    words = [group.subqueries[0].text for group in query.subqueries]
    return words if len(words) > 1 else []


def _is_plain_word(group: wq.Query) -> bool:
    """One typed word, as the parser gives it: the same word in the title and in the body, unboosted."""
    if type(group) is not wq.Or or group.boost != 1 or len(group.subqueries) != len(TEXT_FIELDS):
        return False
    terms = group.subqueries
    return all(type(term) is wq.Term and term.boost == 1 for term in terms) \
        and [term.fieldname for term in terms] == list(TEXT_FIELDS) and len({term.text for term in terms}) == 1


def with_nearness(matcher: QueryMatcher, words: list[str], docs: np.ndarray, scores: np.ndarray,
                  columns: Columns) -> np.ndarray:
    """The scores of `docs` (sorted) after a bonus for the query's `words` standing together: each of
    the NEARNESS_WINDOW best matches that holds them as a phrase in its title or body scores that
    phrase again, on top."""
    if len(words) < 2 or not len(docs):
        return scores
    window = np.sort(best(docs, scores, NEARNESS_WINDOW, columns)[0])
    together = [matcher.phrase(field, words, among=window) for field in TEXT_FIELDS]
    return Matches(docs, scores).plus(reduce(Matches.__or__, together)).scores


class Feedback:
    """Pseudo-relevance feedback (RM3): the words that best describe the best matches re-score all
    the matches. The matches themselves do not change."""

    def __init__(self, matcher: QueryMatcher, columns: Columns, text_of: Callable[[int], str],
                 analyzer: Callable) -> None:
        self.matcher = matcher
        self.postings = matcher.postings
        self.columns = columns
        self.text_of = text_of
        self.analyzer = analyzer
        self._common_words: dict[str, bool] = {}  # word -> too common, as counted once per searcher

    def rescored(self, docs: np.ndarray, scores: np.ndarray, deadline: float = math.inf) -> np.ndarray:
        """New scores for `docs` (sorted, with their query scores): half the query's score and half
        the feedback words', each divided by its highest; OutOfTime past `deadline` (monotonic)."""
        if not len(docs) or scores.max() <= 0:
            return scores
        top, top_scores = best(docs, scores, FEEDBACK_DOCUMENTS, self.columns)
        words = self.words(top, top_scores)
        if not words:
            return scores
        total = sum(words.values())
        expansion = wq.Or([wq.Term(field, word, boost=weight / total)
                           for word, weight in words.items() for field in TEXT_FIELDS])
        extra = Matches(docs, np.zeros(len(docs))).plus(self.matcher.matches(expansion, deadline)).scores
        highest = extra.max()
        feedback = extra / highest if highest > 0 else extra
        return (1 - FEEDBACK_SHARE) * scores / scores.max() + FEEDBACK_SHARE * feedback

    def words(self, docs: np.ndarray, scores: np.ndarray) -> dict[str, float]:
        """The FEEDBACK_WORDS most likely words of the documents' word model: each word's share of
        a document, weighted by the document's share of the scores; numbers and common words left out."""
        model: Counter = Counter()
        weights = scores / scores.sum() if scores.sum() > 0 else np.full(len(scores), 1 / len(scores))
        for doc, weight in zip(docs.tolist(), weights.tolist()):
            tokens = [token.text for _, token in zip(range(FEEDBACK_TEXT_WORDS), self.analyzer(self.text_of(doc)))]
            for word, count in Counter(tokens).items():
                model[word] += weight * count / len(tokens)
        chosen = {}
        for word, weight in sorted(model.items(), key=lambda item: (-item[1], item[0])):
            if len(chosen) == FEEDBACK_WORDS:
                break
            if not word.isdigit() and not self._is_common(word):
                chosen[word] = weight
        return chosen

    def _is_common(self, word: str) -> bool:
        if word not in self._common_words:
            self._common_words[word] = self._count_common(word)
        return self._common_words[word]

    def _count_common(self, word: str) -> bool:
        """Whether more than COMMON_SHARE of the live articles hold `word` in their body. Whoosh's
        count includes deleted articles, so it settles most words; the rest are counted."""
        reader = self.postings.reader
        limit = COMMON_SHARE * self.postings.live_count
        with_deleted = reader.doc_frequency("body", word)
        if with_deleted <= limit:
            return False
        if with_deleted - (reader.doc_count_all() - self.postings.live_count) > limit:
            return True
        return len(self.postings.postings("body", word.encode("utf-8")).docs) > limit
