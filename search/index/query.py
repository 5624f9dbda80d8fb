"""From a search request to Whoosh queries.

The query language is Whoosh's: words are AND-ed, with OR, NOT, parentheses,
"quoted phrases", `prefix*` and `field:value`. Unknown field names are an error
rather than silently searched as words, so a typo does not just return nothing.
"""
from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.qparser import FieldAliasPlugin, MultifieldParser

from ..errors import QuerySyntaxError
from .schema import FACET_FIELDS, TEXT_FIELDS, facet_terms

FIELD_ALIASES = {"people": ["person"], "orgs": ["org", "organisation", "organization"], "places": ["place"]}
QUERY_FIELDS = (*TEXT_FIELDS, *FACET_FIELDS)
MAX_QUERY_CHARS = 2000
MAX_EXPANSIONS = 1000  # words one prefix or wildcard may stand for
MAX_WILDCARDS = 8  # * and ? in one pattern

_QUOTED = re.compile(r'"[^"]*"?')
_FIELD_PREFIX = re.compile(r"(?:^|(?<=[\s(+\-]))([A-Za-z_]\w*):(?=[^\s)])")
_KNOWN = {*QUERY_FIELDS, *(alias for aliases in FIELD_ALIASES.values() for alias in aliases)}


def make_parser(schema) -> MultifieldParser:
    parser = MultifieldParser(list(TEXT_FIELDS), schema)
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return parser


def parse_query(parser: MultifieldParser, text: str) -> wq.Query:
    """The Whoosh query for the user's text; `Every` when the text is blank."""
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    if not text.strip():
        return wq.Every()
    for name in _FIELD_PREFIX.findall(_QUOTED.sub(" ", text)):
        if name not in _KNOWN:
            raise QuerySyntaxError(
                f"unknown field {name!r} in the query; fields are {', '.join(sorted(_KNOWN))} "
                f'(put "{name}:" in quotes to search for it as words)')
    try:
        return parser.parse(text)
    except Exception as error:  # Whoosh's parser raises assorted types on odd input
        raise QuerySyntaxError(f"could not understand the query {text!r}: {error}") from None


def check_patterns(whoosh_query: wq.Query, reader) -> None:
    """Refuse prefixes and wildcards too loose to answer quickly: a leading wildcard (every word
    of the index would be tried), over MAX_WILDCARDS wildcards, or more than MAX_EXPANSIONS words."""
    for leaf in whoosh_query.leaves():
        if isinstance(leaf, (wq.Prefix, wq.Wildcard)):
            shown = f"{leaf.text}*" if isinstance(leaf, wq.Prefix) else leaf.text
            if leaf.text[:1] in ("*", "?"):
                raise QuerySyntaxError(f"the pattern {shown!r} starts with a wildcard; start it with a letter or digit")
            if sum(leaf.text.count(mark) for mark in "*?") > MAX_WILDCARDS:
                raise QuerySyntaxError(f"the pattern {shown!r} has more than {MAX_WILDCARDS} wildcards")
            words = sum(1 for _ in zip(range(MAX_EXPANSIONS + 1), leaf.expanded_terms(reader)))
            if words > MAX_EXPANSIONS:
                raise QuerySyntaxError(f"the pattern {shown!r} matches more than {MAX_EXPANSIONS:,} different "
                                       "words; make it longer or more specific")


def filter_query(field: str, values: tuple[str, ...]) -> wq.Query:
    """Articles having any of `values` in the facet `field` (compared case-insensitively)."""
    terms = [wq.Term(field, term) for value in values for term in facet_terms(value)]
    return wq.Or(terms) if terms else wq.NullQuery


def highlight_terms(whoosh_query: wq.Query, reader) -> frozenset[str]:
    """The indexed words of title and body that the query asks for, prefixes expanded, for snippets.

    Whoosh 2.7.4's `Query.existing_terms` reuses its `fieldname` argument as a loop
    variable and so drops every field after the first; this walks the leaves itself,
    and skips what sits under NOT.
    """
    words = set()
    for leaf in _positive_leaves(whoosh_query):
        if leaf.field() in TEXT_FIELDS:
            for _, text in leaf.expanded_terms(reader, phrases=True):
                words.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return frozenset(words)


def _positive_leaves(node: wq.Query):
    if isinstance(node, wq.Not):
        return
    if isinstance(node, wq.AndNot):
        yield from _positive_leaves(node.a)
    elif node.is_leaf():
        yield node
    else:
        for child in node.children():
            yield from _positive_leaves(child)
