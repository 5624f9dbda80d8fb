"""A reference for the ranking: what the README says a query matches and scores, computed the slow,
obvious way from the articles' analysed words.

It shares no code with `search/index/` and uses none of Whoosh's matchers or scorers: articles are
lists of words in Python dicts, every document frequency and length is counted here, and a query
tree (as the parser gives it) is walked here. It borrows from Whoosh only its English stemmer (to
analyse text as the index does) and its one-byte length code, because the formula is defined on
lengths as the index stores them.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.lang.snowball.english import EnglishStemmer
from whoosh.util.numeric import byte_to_length, length_to_byte

K1 = 0.9
B = 0.2
NEARNESS_WINDOW = 1000
FIELD_WEIGHTS = {"title": 1.0, "body": 1.0}
TEXT_FIELDS = ("title", "body")

_WORD = re.compile(r"\w+(?:\.?\w+)*")
_STEMMER = EnglishStemmer()


def analyse(text: str) -> list[str]:
    """Words as the index sees them: runs of letters and digits, lower case, stemmed."""
    return [_STEMMER.stem(word) for word in _WORD.findall(text.lower())]


@dataclass(frozen=True)
class Article:
    key: str  # how the test finds the article in the index (its URL)
    day: int  # YYYYMMDD, 0 when undated
    words: dict[str, list[str]]  # text field -> analysed words, in order
    values: dict[str, set[str]] = field(default_factory=dict)  # facet field -> lower-case values


class Reference:
    """The scores of every live article for a query tree."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = {article.key: article for article in articles}
        self.count = len(articles)
        # field -> word (or facet value) -> {article key: how often}
        self.occurrences: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        for article in articles:
            for name, words in article.words.items():
                for word in words:
                    self.occurrences[name][word][article.key] += 1
            for name, values in article.values.items():
                for value in values:
                    self.occurrences[name][value][article.key] += 1
        self.average = {name: sum(self.length(article, name) for article in articles) / self.count
                        for name in TEXT_FIELDS} if articles else {}

    @staticmethod
    def length(article: Article, name: str) -> int:
        return byte_to_length(length_to_byte(len(article.words.get(name, []))))

    def scores(self, node: wq.Query) -> dict[str, float]:
        kind = type(node)
        if node is wq.NullQuery or kind is type(wq.NullQuery):
            return {}
        if kind is wq.Every:
            return {key: node.boost for key, article in self.articles.items()
                    if not node.fieldname or article.words.get(node.fieldname) or article.values.get(node.fieldname)}
        if kind is wq.Term:
            return self._boost(self._words(node.fieldname, lambda word: word == node.text), node.boost)
        if kind is wq.Prefix:
            return self._boost(self._words(node.fieldname, lambda word: word.startswith(node.text)), node.boost)
        if kind is wq.Wildcard:
            pattern = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in node.text))
            return self._boost(self._words(node.fieldname, lambda word: pattern.fullmatch(word) is not None),
                               node.boost)
        if kind is wq.TermRange:
            return self._boost(self._words(node.fieldname, lambda word: self._in_range(word, node)), node.boost)
        if kind is wq.Phrase:
            return self._boost(self._phrase(node), node.boost)
        if kind is wq.Not:
            left_out = self.scores(node.query)
            return {key: 0.0 for key in self.articles if key not in left_out}
        if kind is wq.AndNot:
            left_out = self.scores(node.b)
            return {key: score for key, score in self.scores(node.a).items() if key not in left_out}
        if kind is wq.AndMaybe:
            maybe = self.scores(node.b)
            return self._boost({key: score + maybe.get(key, 0.0) for key, score in self.scores(node.a).items()},
                               node.boost)
        if kind is wq.Require:
            required = self.scores(node.b)
            return self._boost({key: score for key, score in self.scores(node.a).items() if key in required},
                               node.boost)
        if kind in (wq.And, wq.Or):
            parts = [self.scores(sub) for sub in node.subqueries]
            if not parts:
                return {}
            keys = set.intersection(*map(set, parts)) if kind is wq.And else set.union(*map(set, parts))
            return self._boost({key: sum(part.get(key, 0.0) for part in parts) for key in keys}, node.boost)
        raise AssertionError(f"the reference does not know {node!r}")

    def ranked(self, node: wq.Query, ids: dict[str, str]) -> list[tuple[str, float]]:
        """Every match, best first, as a search ranks them: scores, then nearness for a query of several
        plain words (in the window of the best matches), then equal scores newest first and by id."""
        scores = self.scores(node)

        def order(pairs):
            return sorted(pairs, key=lambda pair: (-round(pair[1], 9), -self.articles[pair[0]].day, ids[pair[0]]))
        words = self._plain_words(node)
        if len(words) > 1:
            window = dict(order(scores.items())[:NEARNESS_WINDOW])
            for name in TEXT_FIELDS:
                for key, bonus in self._phrase(wq.Phrase(name, words)).items():
                    if key in window:
                        scores[key] += bonus
        return order(scores.items())

    @staticmethod
    def _plain_words(node: wq.Query) -> list[str]:
        """The words of `a b c` as typed: an AND of groups, each one word in the title and the body."""
        if type(node) is not wq.And:
            return []
        words = []
        for group in node.subqueries:
            terms = getattr(group, "subqueries", [])
            if type(group) is not wq.Or or group.boost != 1 or any(type(t) is not wq.Term for t in terms):
                return []
            if [(t.fieldname, t.boost) for t in terms] != [("title", 1), ("body", 1)] or terms[0].text != terms[1].text:
                return []
            words.append(terms[0].text)
        return words

    @staticmethod
    def _boost(scores: dict[str, float], boost: float) -> dict[str, float]:
        return {key: score * boost for key, score in scores.items()}

    @staticmethod
    def _in_range(word: str, node: wq.TermRange) -> bool:
        low, high = (node.start or "").encode(), (node.end or "\uffff").encode()
        text = word.encode()
        return (low < text or (low == text and not node.startexcl)) and (
            text < high or (text == high and not node.endexcl))

    def _words(self, name: str, wanted) -> dict[str, float]:
        """Every word of `name` that `wanted` accepts, taken together as one word."""
        frequency: Counter = Counter()
        for word, counts in self.occurrences[name].items():
            if wanted(word):
                frequency.update(counts)
        if name not in TEXT_FIELDS:
            return {key: 1.0 for key in frequency}
        return self._bm25(name, frequency)

    def _bm25(self, name: str, frequency: dict[str, int]) -> dict[str, float]:
        if not frequency:
            return {}
        idf = math.log(self.count / (len(frequency) + 1)) + 1
        average = self.average[name] or 1
        scores = {}
        for key, tf in frequency.items():
            norm = 1 - B + B * self.length(self.articles[key], name) / average
            scores[key] = FIELD_WEIGHTS[name] * idf * tf * (K1 + 1) / (tf + K1 * norm)
        return scores

    def _phrase(self, node: wq.Phrase) -> dict[str, float]:
        """Articles where each word follows the one before within `slop` positions; the sum of the words."""
        name, words = node.fieldname, node.words
        found = {}
        holding = set.intersection(*(set(self.occurrences[name].get(word, ())) for word in words))
        for key in holding:
            text = self.articles[key].words.get(name, [])
            reached = [i for i, word in enumerate(text) if word == words[0]]
            for word in words[1:]:
                reached = [i for i, w in enumerate(text) if w == word and any(0 < i - r <= node.slop for r in reached)]
            if reached:
                found[key] = True
        if not found:
            return {}
        per_word = [self._words(name, lambda w, word=word: w == word) for word in words]
        return {key: sum(scores[key] for scores in per_word) for key in found}
