"""Did you mean: a corrected query when a word of it looks misspelt.

Candidates are the words of the index (`vocabulary`: as written, with how many
articles hold each) one edit away from the typed word: a letter dropped, added,
changed, or two letters swapped. The best is the one held by the most articles,
offered when that is at least MORE_FREQUENT times as many as hold the typed word,
or MORE_FREQUENT_THAN_KNOWN times when the typed word is itself in the index (a rare
word is more often meant than mistyped).
Names of people, organisations and places are corrected the same way, since their
words are in the articles' text.
Only plain words of the query are looked at, up to MAX_CORRECTED of them: not operators,
field names, the values of fields other than title and body, range ends or patterns;
words longer than LONGEST_WORD letters are left as they are.
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping

MORE_FREQUENT = 10  # how many times more articles the correction must be found in
MORE_FREQUENT_THAN_KNOWN = 100  # the same, when the typed word is found in some article
SHORTEST_WORD = 4  # shorter words have too many neighbours to guess from
SUGGEST_BELOW = 5  # a query finding fewer articles than this may be misspelt
LONGEST_WORD = 30
MAX_CORRECTED = 10

# Parts of a query whose words are not text to correct: ranges, and the value of a field that is not
# title or body (a word, a quoted phrase or a parenthesised group).
_NOT_TEXT = re.compile(r"[\[{][^\]}]*[\]}]?"
                       r"|\b(?!(?:title|body):)\w+:(?:\([^)]*\)?|\"[^\"]*\"?|\S+)", re.IGNORECASE)
_WORD = re.compile(r"(?<![\w:*?~\[\\-])([a-z]+)(?![\w:*?~\]-])", re.IGNORECASE)
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
_LETTERS = string.ascii_lowercase


class Speller:
    """Corrections from an index's words: `counts_of(words)` tells how many articles hold each of some
    words (looked up in one index's vocabulary, or summed over shards)."""

    def __init__(self, counts_of: Callable[[set[str]], Mapping[str, int]]) -> None:
        self._counts_of = counts_of

    def suggestion(self, query: str) -> str | None:
        """`query` with each misspelt word corrected; None when no word looks misspelt."""
        changed, looked_at = False, 0

        def corrected(match: re.Match) -> str:
            nonlocal changed, looked_at
            word = match.group(1)
            if word in _OPERATORS or not SHORTEST_WORD <= len(word) <= LONGEST_WORD or looked_at == MAX_CORRECTED:
                return word
            looked_at += 1
            better = self._correction(word.lower())
            changed |= better is not None
            return better or word
        parts, last = [], 0
        for kept in _NOT_TEXT.finditer(query):
            parts += [_WORD.sub(corrected, query[last:kept.start()]), kept.group()]
            last = kept.end()
        suggested = "".join([*parts, _WORD.sub(corrected, query[last:])])
        return suggested if changed else None

    def _correction(self, word: str) -> str | None:
        candidates = _one_edit_away(word)
        counts = self._counts_of({word, *candidates})
        best, best_count = None, (counts.get(word, 0) * MORE_FREQUENT_THAN_KNOWN or MORE_FREQUENT) - 1
        for candidate in sorted(candidates):
            if counts.get(candidate, 0) > best_count:
                best, best_count = candidate, counts[candidate]
        return best


def _one_edit_away(word: str) -> set[str]:
    splits = [(word[:cut], word[cut:]) for cut in range(len(word) + 1)]
    dropped = {left + right[1:] for left, right in splits if right}
    swapped = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    changed = {left + letter + right[1:] for left, right in splits if right for letter in _LETTERS}
    added = {left + letter + right for left, right in splits for letter in _LETTERS}
    return (dropped | swapped | changed | added) - {word}

