"""Highlighted snippets: escaped HTML in which only `<mark>` tags are markup.

Whoosh's own HtmlFormatter adds class attributes, and its base Formatter does not
escape the text between matches; this formatter escapes everything it returns.
"""
from __future__ import annotations

from html import escape

from whoosh import highlight

from ..text import shorten

SNIPPET_CHARS = 240


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

    def snippet(self, body: str) -> str:
        body = " ".join(body.split("\n\n"))
        if self.terms and body:
            marked = highlight.highlight(body, self.terms, self.analyzer, self.fragmenter, self.formatter,
                                         top=2, scorer=highlight.BasicFragmentScorer(),
                                         order=highlight.FIRST)
            if marked:
                return marked
        return escape(shorten(body, SNIPPET_CHARS), quote=False)
