"""Highlighted snippets: escaped HTML in which only `<mark>` tags are markup.

Whoosh's own HtmlFormatter adds class attributes, and its base Formatter does not
escape the text between matches; this formatter escapes everything it returns.
"""
from __future__ import annotations

import math
import time
from html import escape

from whoosh import highlight

from ..text import shorten

SNIPPET_CHARS = 240
# Long articles are highlighted a window at a time, and only their start is looked at: the first
# window holding a match gives the snippet, so per-hit work stays small and bounded.
WINDOW_CHARS = 20_000
SCANNED_CHARS = 200_000


class MarkFormatter(highlight.Formatter):
    """Matches as `<mark>word</mark>`, everything else escaped, fragments joined by an ellipsis."""

    between = " … "

    def _text(self, text: str) -> str:
        return escape(text, quote=False)

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return f"<mark>{escape(highlight.get_text(text, token, replace), quote=False)}</mark>"


class SnippetMaker:
    """Makes snippets for the hits of one query."""

    def __init__(self, analyzer, terms: frozenset[str]) -> None:
        self.analyzer = analyzer
        self.terms = terms
        # charlimit=None: Whoosh stops looking at 32K characters by default.
        self.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70, charlimit=None)
        self.formatter = MarkFormatter()

    def snippet(self, body: str, deadline: float = math.inf) -> str:
        """Up to two passages around the first matches in the article's first SCANNED_CHARS characters;
        the article's start, unmarked, when there is none or `deadline` (monotonic time) has passed."""
        scanned = body[:SCANNED_CHARS].replace("\n\n", " ")
        start = 0
        while self.terms and start < len(scanned) and time.monotonic() < deadline:
            end = scanned.find(" ", start + WINDOW_CHARS)
            end = len(scanned) if end < 0 else end
            marked = highlight.highlight(scanned[start:end], self.terms, self.analyzer, self.fragmenter,
                                         self.formatter, top=2, scorer=highlight.BasicFragmentScorer(),
                                         order=highlight.FIRST)
            if marked:
                return marked
            start = end
        return escape(shorten(scanned[:SNIPPET_CHARS * 2], SNIPPET_CHARS), quote=False)
