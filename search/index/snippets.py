"""Highlighted snippets: escaped HTML in which only `<mark>` tags are markup.

The article is read word by word from its start, each distinct word analysed once
per query (as the index analysed it) to tell whether the query asked for it, and
the reading stops once two passages around the first matches are complete: the
work per hit depends on where the matches are, not on the article's length.
Everything returned is escaped; passages cut from a longer text are marked `…`.
"""
from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from html import escape

from ..text import shorten

SNIPPET_CHARS = 240  # the longest passage
CONTEXT_CHARS = 70  # text kept before the first and after the last match of a passage
PASSAGES = 2
SCANNED_CHARS = 200_000  # only an article's start is looked at
_WORD = re.compile(r"\w+(?:\.?\w+)*")  # the index's tokenizer's words
_SPACE = re.compile(r"\s")
LONGEST_MARK = SNIPPET_CHARS - 2 * CONTEXT_CHARS  # a longer matched word is cut, with "…"
_TIME_CHECK_WORDS = 4096


class SnippetMaker:
    """Makes snippets for the hits of one query, whose indexed words are `terms`."""

    def __init__(self, analyzer: Callable, terms: frozenset[str]) -> None:
        self.analyzer = analyzer
        self.terms = terms
        self._asked: dict[str, bool] = {}  # word as written -> whether the query asks for it

    def snippet(self, body: str, deadline: float = math.inf) -> str:
        """Up to two passages around the first matches in the article's first SCANNED_CHARS characters;
        the article's start, unmarked, when there is none or `deadline` (monotonic time) has passed."""
        text = body[:SCANNED_CHARS].replace("\n\n", " ")
        spans = self._matches(text, deadline) if self.terms else []
        if not spans:
            return escape(shorten(text[:SNIPPET_CHARS * 2], SNIPPET_CHARS), quote=False)
        ranges = _passages(text, spans)
        parts = ["… " if text[:ranges[0][0]].strip() else ""]
        for number, (start, end) in enumerate(ranges):
            if number:
                parts.append(" … " if text[ranges[number - 1][1]:start].strip() else " ")
            parts.append(_marked(text, start, end, spans))
        parts.append(" …" if text[ranges[-1][1]:].strip() else "")
        return "".join(parts)

    def _matches(self, text: str, deadline: float) -> list[tuple[int, int]]:
        """The spans of the words the query asks for, read until past the last passage's context."""
        spans: list[tuple[int, int]] = []
        groups, group_start, stop = 0, 0, math.inf
        for number, word in enumerate(_WORD.finditer(text)):
            if number % _TIME_CHECK_WORDS == 0 and time.monotonic() > deadline:
                return []
            if word.start() > stop:
                break
            if self._is_asked(word.group()):
                if not spans or not _fits(group_start, word.span()):
                    groups, group_start = groups + 1, word.start()
                    if groups > PASSAGES:  # one passage too many: only its words in the one before count
                        stop = min(stop, spans[-1][1] + CONTEXT_CHARS)
                spans.append(word.span())
        return spans

    def _is_asked(self, word: str) -> bool:
        if word not in self._asked:
            self._asked[word] = any(token.text in self.terms for token in self.analyzer(word))
        return self._asked[word]


def _passages(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The character ranges of up to PASSAGES passages around `spans` (in order): each from
    CONTEXT_CHARS before its first match to CONTEXT_CHARS after its last, within SNIPPET_CHARS, cut at
    word boundaries and never overlapping the one before."""
    groups: list[list[tuple[int, int]]] = []
    for span in spans:
        if groups and _fits(groups[-1][0][0], span):
            groups[-1].append(span)
        else:
            groups.append([span])
    ranges: list[tuple[int, int]] = []
    for group in groups[:PASSAGES]:
        if ranges and group[-1][1] <= ranges[-1][1]:
            continue  # its matches are shown in the passage before
        first, last = group[0], group[-1]
        start = max(_word_start(text, max(0, first[0] - CONTEXT_CHARS), first[0]), ranges[-1][1] if ranges else 0)
        end = min(len(text), last[1] + CONTEXT_CHARS)
        if end < len(text):
            spaces = [match.start() for match in _SPACE.finditer(text, last[1], end)]
            end = spaces[-1] if spaces else last[1]
        ranges.append((start, end))
    return ranges


def _fits(group_start: int, span: tuple[int, int]) -> bool:
    """Whether a passage whose first match starts at `group_start` can take `span` and both contexts."""
    return span[1] + CONTEXT_CHARS - (group_start - CONTEXT_CHARS) <= SNIPPET_CHARS


def _marked(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """text[start:end], escaped, with the `spans` inside it in `<mark>`."""
    parts, position = [], start
    for first, last in spans:
        if first >= start and last <= end:
            parts.append(escape(text[position:first], quote=False))
            word = text[first:last]
            if len(word) > LONGEST_MARK:  # one very long word must not make the passage long
                word = word[:LONGEST_MARK] + "…"
            parts.append(f"<mark>{escape(word, quote=False)}</mark>")
            position = last
    parts.append(escape(text[position:end], quote=False))
    return "".join(parts).strip()


def _word_start(text: str, start: int, limit: int) -> int:
    """Where the first whole word at or after `start` begins (at most `limit`)."""
    if start == 0 or text[start - 1].isspace():
        return start
    space = _SPACE.search(text, start, limit)
    return limit if space is None else space.end()
