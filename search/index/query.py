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

_KNOWN = {*QUERY_FIELDS, *(alias for aliases in FIELD_ALIASES.values() for alias in aliases)}
_QUOTED_OR_NOT = re.compile(r'("[^"]*")|([^"]+)')
_FIELD_REFERENCE = re.compile(r"(?<!\w)(\w+):(\S?)")
_FUZZY = re.compile(r"(\w+)~")
_TOKEN = re.compile(r"[()]|[^\s()]+")
_BINARY = {"AND", "OR", "ANDNOT", "ANDMAYBE"}
_OPERATORS = {*_BINARY, "NOT"}


def make_parser(schema) -> MultifieldParser:
    parser = MultifieldParser(list(TEXT_FIELDS), schema)
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return parser


def parse_query(parser: MultifieldParser, text: str) -> wq.Query:
    """The Whoosh query for the user's text; `Every` when the text is blank. QuerySyntaxError
    for text Whoosh would silently read as something else (see `check_syntax`)."""
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    if not text.strip():
        return wq.Every()
    check_syntax(text)
    try:
        return parser.parse(text)
    except Exception as error:  # Whoosh's parser raises assorted types on odd input
        raise QuerySyntaxError(f"could not understand the query {text!r}: {error}") from None


def check_syntax(text: str) -> None:
    """Refuse what Whoosh's forgiving parser would quietly turn into another search: an unclosed
    quote or parenthesis, an unknown field (`author:smith`) or one with nothing after it
    (`title: oil`), fuzzy `word~`, and AND, OR or NOT with nothing to join."""
    if text.count('"') % 2:
        raise QuerySyntaxError('the query has an unclosed quote ("); close it, or remove it to search the words')
    outside = "".join(match.group(2) or '"…"' for match in _QUOTED_OR_NOT.finditer(text))  # quotes emptied
    for name, following in _FIELD_REFERENCE.findall(outside):
        if name.isdigit():
            continue
        if name not in _KNOWN:
            hint = "filter dates with from and to" if name == "date" else f'put "{name}:" in quotes to search for it as words'
            raise QuerySyntaxError(f"unknown field {name!r} in the query; fields are {', '.join(sorted(_KNOWN))} "
                                   f"({hint})")
        if not following or following in ")":
            raise QuerySyntaxError(f"nothing follows {name + ':'!r}; write the value right after it ({name}:oil)")
    fuzzy = _FUZZY.search(outside)
    if fuzzy:
        raise QuerySyntaxError(f"{fuzzy.group(0)!r}: fuzzy matching is not supported; use a prefix "
                               f"({fuzzy.group(1)}*) or alternatives ({fuzzy.group(1)} OR …)")
    _check_operators(_TOKEN.findall(outside))


def _check_operators(tokens: list[str]) -> None:
    depth = 0
    for position, token in enumerate(tokens):
        before = tokens[position - 1] if position else "("
        after = tokens[position + 1] if position + 1 < len(tokens) else ")"
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth < 0:
                raise QuerySyntaxError("the query closes a parenthesis it never opened")
        elif token in _OPERATORS and (after in _BINARY or after == ")" or (token in _BINARY and before in ("(", *_OPERATORS))):
            raise QuerySyntaxError(f"{token} needs a word or phrase on {'its right' if after in (')', *_BINARY) else 'its left'}"
                                   " (or write it in lower case to search for the word)")
    if depth > 0:
        raise QuerySyntaxError("the query opens a parenthesis it never closes")


def check_patterns(whoosh_query: wq.Query, reader) -> None:
    """Refuse prefixes, wildcards and ranges too loose to answer quickly: a leading wildcard (every
    word of the index would be tried), over MAX_WILDCARDS wildcards, or more than MAX_EXPANSIONS words."""
    for leaf in whoosh_query.leaves():
        if isinstance(leaf, (wq.Prefix, wq.Wildcard)):
            shown = f"{leaf.text}*" if isinstance(leaf, wq.Prefix) else leaf.text
            if leaf.text[:1] in ("*", "?"):
                raise QuerySyntaxError(f"the pattern {shown!r} starts with a wildcard; start it with a letter or digit")
            if sum(leaf.text.count(mark) for mark in "*?") > MAX_WILDCARDS:
                raise QuerySyntaxError(f"the pattern {shown!r} has more than {MAX_WILDCARDS} wildcards")
        elif isinstance(leaf, wq.TermRange):
            shown = f"[{leaf.start or ''} TO {leaf.end or ''}]"
        else:
            continue
        words = sum(1 for _ in zip(range(MAX_EXPANSIONS + 1), leaf.expanded_terms(reader)))
        if words > MAX_EXPANSIONS:
            raise QuerySyntaxError(f"{shown!r} matches more than {MAX_EXPANSIONS:,} different words; "
                                   "make it longer or more specific")


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
