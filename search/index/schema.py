"""The Whoosh schema, and the mapping between an Article and an index document.

Text fields (title, body) are stemmed with Whoosh's Snowball English stemmer: the
default Porter stemmer of Whoosh 2.7.4 never undoubles consonants (shipping → shipp).
No stopwords are removed: Whoosh's stop filter either closes the gaps (so
"stock exchange" matches "stock of the exchange") or, with renumber=False, makes
quoted phrases that contain a stopword unmatchable. BM25 already gives such words
almost no weight.

Facet fields (source, distributor, people, orgs, places) are indexed as whole,
case-folded values for filtering and `field:value` queries, and also kept as a
column of display values, which facet counting reads without touching postings.
"""
from __future__ import annotations

import datetime as dt
import functools
import json

from whoosh import analysis, columns, fields
from whoosh.lang.snowball.english import EnglishStemmer

from ..article import Article
from ..copies import signature
from ..dates import day_number

FACET_FIELDS = ("source", "distributor", "people", "orgs", "places")
ENTITY_FIELDS = ("people", "orgs", "places")
TEXT_FIELDS = ("title", "body")
VALUE_SEPARATOR = "\x1f"
SIGNATURE_FIELD = "copy_signature"


_ENGLISH = EnglishStemmer()


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball English stem, cached in C: Whoosh's own stem cache is a pure-Python
    LFU. At module level, so the schema's pickle refers to it by name."""
    return _ENGLISH.stem(word)


def text_analyzer() -> analysis.Analyzer:
    return analysis.RegexTokenizer() | analysis.LowercaseFilter() | analysis.StemFilter(stemfn=stem, cachesize=None)


def facet_analyzer() -> analysis.Analyzer:
    return analysis.RegexTokenizer(rf"[^{VALUE_SEPARATOR}]+") | analysis.StripFilter() | analysis.LowercaseFilter()


def column_name(facet: str) -> str:
    return f"{facet}_values"


def build_schema() -> fields.Schema:
    text = text_analyzer()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        file=fields.ID(stored=True),
        path=fields.STORED(),
        title=fields.TEXT(stored=True, analyzer=text),
        body=fields.TEXT(stored=True, analyzer=text),
        date=fields.STORED(),
        # A column only: dates are filtered and sorted on arrays, so the eight range terms
        # Whoosh indexes per NUMERIC value would never be read.
        day=fields.COLUMN(columns.NumericColumn("I", default=0)),
        url=fields.STORED(),
        labels=fields.STORED(),
        content_hash=fields.STORED(),
        # The people, orgs and places the article was given on its own, before the index-wide
        # naming (search.entities.across) changed them: what that naming is computed from.
        own_entities=fields.COLUMN(columns.VarBytesColumn()),
        # The body's MinHash signature (search.copies): what groups of copies are found from.
        **{SIGNATURE_FIELD: fields.COLUMN(columns.VarBytesColumn())},
    )
    for facet in FACET_FIELDS:
        schema.add(facet, fields.KEYWORD(stored=True, analyzer=facet_analyzer()))
        schema.add(column_name(facet), fields.COLUMN(columns.VarBytesColumn()))
    return schema


def facet_terms(value: str) -> list[str]:
    """The index terms a filter value stands for (the same folding as indexing)."""
    return [token.text for token in facet_analyzer()(value)]


def to_document(article: Article, own_entities: dict[str, list[str]] | None = None,
                copy_signature: bytes | None = None) -> dict:
    """The fields Whoosh stores and indexes for one article; `own_entities` are the entities it
    was given before the index-wide naming (by default, the ones it has), `copy_signature` the
    signature of its body when known (by default, made from it)."""
    document = {
        "id": article.id,
        "file": article.file,
        "path": article.path,
        "title": article.title,
        "body": article.body,
        "date": article.date.isoformat() if article.date else None,
        "day": day_number(article.date),
        "url": article.url,
        "labels": {name: list(values) for name, values in article.labels.items()},
        "content_hash": article.content_hash,
        "own_entities": json.dumps(own_entities or entity_lists(article)).encode("utf-8"),
        SIGNATURE_FIELD: copy_signature or signature(article.body).to_bytes(),
    }
    for facet in FACET_FIELDS:
        values = _facet_values(getattr(article, facet))
        joined = VALUE_SEPARATOR.join(values)
        document[facet] = joined
        document[f"_stored_{facet}"] = values
        document[column_name(facet)] = joined.encode("utf-8")
    return document


def entity_lists(article: Article) -> dict[str, list[str]]:
    return {kind: list(getattr(article, kind)) for kind in ENTITY_FIELDS}


def own_entities(encoded: bytes) -> dict[str, list[str]]:
    """A document's `own_entities` column value; an article written before the column existed has none."""
    return json.loads(encoded) if encoded else {}


def from_stored(stored: dict) -> Article:
    """The article back from a document's stored fields."""
    return Article(
        id=stored["id"],
        file=stored["file"],
        path=stored["path"],
        title=stored.get("title", ""),
        body=stored.get("body", ""),
        date=_date(stored.get("date")),
        source=_first(stored.get("source")),
        distributor=_first(stored.get("distributor")),
        url=stored.get("url"),
        people=tuple(stored.get("people") or ()),
        orgs=tuple(stored.get("orgs") or ()),
        places=tuple(stored.get("places") or ()),
        labels={name: tuple(values) for name, values in (stored.get("labels") or {}).items()},
    )


def _facet_values(value: str | tuple[str, ...] | None) -> list[str]:
    """Facet values as a list, with the separator character removed from inside them, each value once:
    the index folds case, so `Reuters` and `REUTERS` are one value (the first spelling is kept)."""
    values = (value,) if isinstance(value, str) else (value or ())
    distinct: dict[str, str] = {}
    for cleaned in (v.replace(VALUE_SEPARATOR, " ").strip() for v in values):
        if cleaned:
            distinct.setdefault(cleaned.casefold(), cleaned)
    return list(distinct.values())


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
