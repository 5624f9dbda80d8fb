"""What the ranking adds to a query's own scores (`matching`): the order of equal scores, a bonus for
the query's words standing side by side, and, on request, feedback from the best matches. The last
two look only at the best matches, so that their cost does not grow with the number of matches.

Each was measured on 40 Reuters topics, tuned on half of them (`bench/relevance.py`).
"""
from __future__ import annotations

import itertools
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
    return with_nearness_in(matcher, words, docs, scores, np.sort(best(docs, scores, NEARNESS_WINDOW, columns)[0]))


def with_nearness_in(matcher: QueryMatcher, words: list[str], docs: np.ndarray, scores: np.ndarray,
                     window: np.ndarray) -> np.ndarray:
    """As `with_nearness`, the bonus going to the documents of `window` (sorted, of `docs`)."""
    if len(words) < 2 or not len(window):
        return scores
    together = [matcher.phrase(field, words, among=window) for field in TEXT_FIELDS]
    return Matches(docs, scores).plus(reduce(Matches.__or__, together)).scores


# Pseudo-relevance feedback (RM3): the words that best describe the best matches re-score all the
# matches; the matches themselves do not change. In steps, so that shards can take them together.

def feedback_model(token_lists: list[list[str]], scores: np.ndarray) -> list[tuple[str, float]]:
    """The words of the best matches' word model, most likely first: each word's share of a document
    (`token_lists`: each one's first FEEDBACK_TEXT_WORDS words), weighted by the document's share of
    the `scores`."""
    model: Counter = Counter()
    weights = scores / scores.sum() if scores.sum() > 0 else np.full(len(scores), 1 / len(scores))
    for tokens, weight in zip(token_lists, weights.tolist()):
        for word, count in Counter(tokens).items():
            model[word] += weight * count / len(tokens)
    return sorted(model.items(), key=lambda item: (-item[1], item[0]))


def feedback_words(model: list[tuple[str, float]], too_common: Callable[[list[str]], set[str]]) -> dict[str, float]:
    """The FEEDBACK_WORDS likeliest words of `model` that are not numbers, nor among those `too_common`
    says more than COMMON_SHARE of the articles hold (asked only as many words as are still wanted)."""
    candidates = iter([(word, weight) for word, weight in model if not word.isdigit()])
    chosen: dict[str, float] = {}
    while len(chosen) < FEEDBACK_WORDS:
        batch = list(itertools.islice(candidates, FEEDBACK_WORDS - len(chosen)))
        if not batch:
            break
        common = too_common([word for word, _ in batch])
        chosen.update((word, weight) for word, weight in batch if word not in common)
    return chosen


def expansion_query(words: dict[str, float]) -> wq.Query:
    """The feedback words as a query, each weighted by its share of the words' weight."""
    total = sum(words.values())
    return wq.Or([wq.Term(field, word, boost=weight / total) for word, weight in words.items()
                  for field in TEXT_FIELDS])


def rescored(scores: np.ndarray, extra: np.ndarray, highest: float, highest_extra: float) -> np.ndarray:
    """Half the query's score and half the feedback words' (`extra`), each divided by its highest."""
    feedback = extra / highest_extra if highest_extra > 0 else extra
    return (1 - FEEDBACK_SHARE) * scores / highest + FEEDBACK_SHARE * feedback


class Feedback:
    """Feedback over one index: its best matches' words, and their scores in its matches."""

    def __init__(self, matcher: QueryMatcher, columns: Columns, text_of: Callable[[int], str],
                 analyzer: Callable) -> None:
        self.matcher = matcher
        self.postings = matcher.postings
        self.columns = columns
        self.text_of = text_of
        self.analyzer = analyzer
        self._common_words: dict[str, bool] = {}  # word -> too common, as counted once per searcher

    def rescored(self, docs: np.ndarray, scores: np.ndarray, deadline: float = math.inf) -> np.ndarray:
        """New scores for `docs` (sorted, with their query scores); OutOfTime past `deadline` (monotonic)."""
        if not len(docs) or scores.max() <= 0:
            return scores
        words = self.words(*best(docs, scores, FEEDBACK_DOCUMENTS, self.columns))
        if not words:
            return scores
        extra = self.extra_scores(docs, expansion_query(words), deadline)
        return rescored(scores, extra, scores.max(), extra.max())

    def words(self, docs: np.ndarray, scores: np.ndarray) -> dict[str, float]:
        """The feedback words of the best matches `docs`, with their `scores`."""
        return feedback_words(feedback_model([self.tokens(doc) for doc in docs.tolist()], scores), self.too_common)

    def tokens(self, doc: int) -> list[str]:
        """The first FEEDBACK_TEXT_WORDS words of an article, as indexed."""
        return [token.text for _, token in zip(range(FEEDBACK_TEXT_WORDS), self.analyzer(self.text_of(doc)))]

    def extra_scores(self, docs: np.ndarray, expansion: wq.Query, deadline: float = math.inf) -> np.ndarray:
        """The scores of the `expansion` query in `docs` (sorted), 0 where it does not match."""
        return Matches(docs, np.zeros(len(docs))).plus(self.matcher.matches(expansion, deadline)).scores

    def too_common(self, words: list[str]) -> set[str]:
        return {word for word in words if self._is_common(word)}

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
        return self.live_frequency(word) > limit

    def live_frequency(self, word: str) -> int:
        """How many live articles hold `word` in their body."""
        return self.postings.live_frequency("body", word.encode("utf-8"))
