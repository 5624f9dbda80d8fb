"""The index: the only package that imports Whoosh.

Parts: `schema` (fields and the Article ↔ document mapping), `store` (generations
on disk, atomic swap), `lock` (one writer), `writing` (a batch per commit),
`query` (request → Whoosh query), `postings` (posting lists and field lengths
as arrays), `scoring` (the BM25 formula), `matches` (sets of scored documents),
`matching` (what each kind of query matches and scores), `ranking` (tie order,
nearness, feedback), `columns` (ids, dates and facet values as arrays, a file
per segment), `facets` (counts over them), `snippets` (escaped highlights),
`searching` (IndexSearcher and NewsIndex).
"""
from .searching import IndexSearcher, NewsIndex
from .store import IndexStore

__all__ = ["IndexSearcher", "IndexStore", "NewsIndex"]
