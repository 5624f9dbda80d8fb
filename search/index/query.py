"""From a search request to Whoosh queries.

The query language is Whoosh's: words are AND-ed, with OR, NOT, parentheses,
"quoted phrases", `prefix*` and `field:value`. Unknown field names are an error
rather than silently searched as words, so a typo does not just return nothing.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator

from whoosh import query as wq
from whoosh.qparser import FieldAliasPlugin, MultifieldParser

from ..errors import QuerySyntaxError
from .schema import ENTITY_FIELDS, FACET_FIELDS, TEXT_FIELDS, facet_terms

FIELD_ALIASES = {"people": ["person"], "orgs": ["org", "organisation", "organization"], "places": ["place"]}
QUERY_FIELDS = (*TEXT_FIELDS, *FACET_FIELDS)
MAX_QUERY_CHARS = 2000
MAX_EXPANSIONS = 1000  # words one prefix or wildcard may stand for
MAX_WILDCARDS = 8  # * and ? in one pattern
MAX_PATTERNS = 10  # prefixes, wildcards and ranges in one query
MAX_BOOST = 1000  # how much ^N boosts may multiply a part's score

_KNOWN = {*QUERY_FIELDS, *(alias for aliases in FIELD_ALIASES.values() for alias in aliases)}
_QUOTED_OR_NOT = re.compile(r'("[^"]*"?)|([^"]+)')  # a phrase (perhaps unclosed), or words outside one
_FIELD_REFERENCE = re.compile(r"(?<!\w)(\w+):(?=(.?))", re.DOTALL)  # the name, and what follows the colon
_VALUE_START = re.compile(r'[\w("\[{*\']')
_FUZZY = re.compile(r"([\w)\]}]+)~")
_MINUS = re.compile(r"(?:^|(?<=[\s(]))-(?=[\w\"(])")
# An operator right after a closing bracket or quote, or right before an opening one, is read as a
# word; right after an opening bracket it works when a space follows: `(NOT oil AND gas)`.
_GLUED_OPERATOR = re.compile(r'(?<=[)"\]])(AND|OR|NOT|ANDNOT|ANDMAYBE)(?!\w)'
                             r'|(?<=[(\[])(AND|OR|NOT|ANDNOT|ANDMAYBE)(?![\w\s])'
                             r'|(?<!\w)(AND|OR|NOT|ANDNOT|ANDMAYBE)(?=[()"\[])')
_TOKEN = re.compile(r"[()]|[^\s()]+")
_BINARY = {"AND", "OR", "ANDNOT", "ANDMAYBE"}
_OPERATORS = {*_BINARY, "NOT"}


def make_parser(schema) -> MultifieldParser:
    parser = MultifieldParser(list(TEXT_FIELDS), schema)
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return parser


def parse_query(parser: MultifieldParser, text: str) -> wq.Query:
    """The Whoosh query for the user's text; `Every` when the text is blank. Field names are taken
    in any case (`Title:oil`). QuerySyntaxError for text Whoosh would silently read as something
    else (see `check_syntax`)."""
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    if not text.strip():
        return wq.Every()
    text = "".join(quoted or _FIELD_REFERENCE.sub(_lower_field_name, words)
                   for quoted, words in _QUOTED_OR_NOT.findall(text))
    check_syntax(text)
    try:
        parsed = parser.parse(text)
    except Exception as error:  # Whoosh's parser raises assorted types on odd input
        raise QuerySyntaxError(f"could not understand the query {text!r}: {error}") from None
    _check_boosts(parsed)
    return parsed


def _check_boosts(node: wq.Query, product: float = 1.0) -> None:
    """Refuse boosts that multiply past MAX_BOOST (an overflowing `oil^999…` would score infinity)."""
    product *= node.boost
    if not math.isfinite(product) or abs(product) > MAX_BOOST:
        raise QuerySyntaxError(f"the query's boosts multiply to more than {MAX_BOOST:,}; use smaller ones (oil^2)")
    for child in node.children():
        _check_boosts(child, product)


def _lower_field_name(reference: re.Match) -> str:
    name = reference.group(1)
    return f"{name.lower()}:" if name.lower() in _KNOWN else reference.group(0)


def check_syntax(text: str) -> None:
    """Refuse what Whoosh's forgiving parser would quietly turn into another search: an unclosed
    quote, parenthesis or range; an unknown field written with a value (`author:smith`; followed by
    a space, `Exclusive: …`, it is searched as a word) and a known one without (`title: oil`); fuzzy
    `word~`; a leading minus; and AND, OR or NOT with nothing to join or glued to a bracket."""
    if text.count('"') % 2:
        raise QuerySyntaxError('the query has an unclosed quote ("); close it, or remove it to search the words')
    outside = "".join(words or '"…"' for _, words in _QUOTED_OR_NOT.findall(text))  # phrases emptied
    _check_fields(outside)
    _check_marks(outside)
    _check_operators(outside)


def _check_fields(outside: str) -> None:
    for reference in _FIELD_REFERENCE.finditer(outside):
        name, following = reference.groups()
        if name.isdigit():  # a time, 10:30
            continue
        if name not in _KNOWN:
            if not following or following.isspace():
                continue
            hint = ("filter dates with from and to" if name == "date"
                    else f'put "{name}:" in quotes to search for it as words')
            raise QuerySyntaxError(f"unknown field {name!r} in the query; fields are {', '.join(sorted(_KNOWN))} "
                                   f"({hint})")
        if not following or not _VALUE_START.match(following):
            raise QuerySyntaxError(f"{name + ':'!r} must be followed at once by a word, a \"phrase\", (words) or "
                                   f"[a TO b]: {name}:oil")
        if reference.start() and outside[reference.start() - 1] == ":":
            raise QuerySyntaxError(f"a field inside a field ({outside[:reference.end(1) + 1].split()[-1]}); give one")


def _check_marks(outside: str) -> None:
    fuzzy = _FUZZY.search(outside)
    if fuzzy:
        word = fuzzy.group(1).strip("()[]{}")
        raise QuerySyntaxError(f"{fuzzy.group(0)!r}: fuzzy matching is not supported; use a prefix ({word}*) or "
                               f"alternatives ({word} OR …); \"two words\"~N finds words near each other")
    if _MINUS.search(outside):
        raise QuerySyntaxError("a leading minus does not leave a word out here; write NOT before it (oil NOT gas)")
    for opening, closing in ("[]", "{}"):
        if outside.count(opening) != outside.count(closing):
            raise QuerySyntaxError(f"the query has an unclosed range ({opening}a TO b{closing})")


def _check_operators(outside: str) -> None:
    glued = _GLUED_OPERATOR.search(outside)
    if glued:
        raise QuerySyntaxError(f"put spaces around {next(filter(None, glued.groups()))}: next to a bracket or a quote "
                               "it would be searched as a word")
    tokens = _TOKEN.findall(outside)
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
        elif token == "NOT" and after == "NOT":
            raise QuerySyntaxError("NOT NOT: write NOT once, before what to leave out")
        elif token in _OPERATORS and (after in _BINARY or after == ")"
                                      or (token in _BINARY and before in ("(", *_OPERATORS))):
            side = "its right" if after in (")", *_BINARY) else "its left"
            raise QuerySyntaxError(f"{token} needs a word or phrase on {side} (or write it in lower case to search "
                                   "for the word)")
    if depth > 0:
        raise QuerySyntaxError("the query opens a parenthesis it never closes")


class TimedReader:
    """A Whoosh reader whose term lists call `check_time` every 256 terms. Expanding a prefix, wildcard
    or range walks a term list in Python, and a pattern that matches few words may walk very many:
    each such walk stays inside the search's time limit."""

    def __init__(self, reader, check_time: Callable[[], None]) -> None:
        self._reader = reader
        self._check_time = check_time

    def _timed(self, terms: Iterable) -> Iterator:
        for number, term in enumerate(terms):
            if number % 256 == 0:
                self._check_time()
            yield term

    def expand_prefix(self, *args, **kwargs) -> Iterator:
        return self._timed(self._reader.expand_prefix(*args, **kwargs))

    def lexicon(self, *args, **kwargs) -> Iterator:
        return self._timed(self._reader.lexicon(*args, **kwargs))

    def terms_from(self, *args, **kwargs) -> Iterator:
        return self._timed(self._reader.terms_from(*args, **kwargs))

    def __getattr__(self, name: str):
        return getattr(self._reader, name)


def check_patterns(whoosh_query: wq.Query, reader) -> None:
    """Refuse prefixes, wildcards and ranges too loose to answer quickly: a leading wildcard (every
    word of the index would be tried), over MAX_WILDCARDS wildcards, or more than MAX_EXPANSIONS
    words; and more than MAX_PATTERNS of them in one query. Give a `TimedReader` to bound the time."""
    patterns = [leaf for leaf in whoosh_query.leaves() if isinstance(leaf, (wq.PatternQuery, wq.TermRange))]
    written = {getattr(leaf, "text", None) or (leaf.start, leaf.end) for leaf in patterns}  # not once per field
    if len(written) > MAX_PATTERNS:
        raise QuerySyntaxError(f"the query has {len(written)} prefixes, wildcards and ranges; "
                               f"the limit is {MAX_PATTERNS}")
    for leaf in patterns:
        if isinstance(leaf, wq.TermRange):
            shown = f"[{leaf.start or ''} TO {leaf.end or ''}]"
        else:
            shown = f"{leaf.text}*" if isinstance(leaf, wq.Prefix) else leaf.text
            if leaf.text[:1] in ("*", "?"):
                raise QuerySyntaxError(f"the pattern {shown!r} starts with a wildcard; start it with a letter or digit")
            if sum(leaf.text.count(mark) for mark in "*?") > MAX_WILDCARDS:
                raise QuerySyntaxError(f"the pattern {shown!r} has more than {MAX_WILDCARDS} wildcards")
        words = sum(1 for _ in zip(range(MAX_EXPANSIONS + 1), leaf.expanded_terms(reader)))
        if words > MAX_EXPANSIONS:
            raise QuerySyntaxError(f"{shown!r} matches more than {MAX_EXPANSIONS:,} different words; "
                                   "make it longer or more specific")


class Spellings:
    """What a typed name of a person, organisation or place stands for in one index: itself and
    every name the index takes as the same entity (from the manifest's `names`), case-folded."""

    def __init__(self, names: dict[str, dict[str, str]] | None = None) -> None:
        self._canonical = names or {}
        self._groups: dict[tuple[str, str], set[str]] = {}
        for kind, table in self._canonical.items():
            for key, name in table.items():
                self._groups.setdefault((kind, name.casefold()), {name.casefold()}).add(key)

    def of(self, field: str, name: str) -> list[str]:
        """`name` and its other spellings in the facet `field`, in a stable order."""
        key = name.casefold()
        canonical = self._canonical.get(field, {}).get(key, name).casefold()
        return sorted(self._groups.get((field, canonical), set()) | {key})


def filter_query(field: str, values: tuple[str, ...], spellings: Spellings | None = None) -> wq.Query:
    """Articles having any of `values` in the facet `field` (compared case-insensitively); a person,
    organisation or place is found under any of its spellings."""
    if spellings is not None and field in ENTITY_FIELDS:
        values = tuple(spelling for value in values for spelling in spellings.of(field, value))
    terms = [wq.Term(field, term) for value in dict.fromkeys(values) for term in facet_terms(value)]
    return wq.Or(terms) if terms else wq.NullQuery


def with_spellings(whoosh_query: wq.Query, spellings: Spellings) -> wq.Query:
    """The query with each `person:name` (org:, place:) also finding the name's other spellings."""
    def expand(node: wq.Query) -> wq.Query:
        if isinstance(node, wq.Term) and node.fieldname in ENTITY_FIELDS:
            names = spellings.of(node.fieldname, node.text)
            if len(names) > 1:
                return wq.Or([wq.Term(node.fieldname, name, boost=node.boost) for name in names])
        return node
    return whoosh_query.accept(expand)


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
