"""The index: the only package that imports Whoosh.

Parts: `schema` (fields and the Article ↔ document mapping), `store` (generations
on disk, atomic swap), `lock` (one writer), `writing` (a batch per commit),
`query` (request → Whoosh query), `matching` (matches and BM25F scores from
whole posting lists), `columns` (dates and facet values as arrays, a file per
segment), `facets` (counts over them), `snippets` (escaped highlights),
`searching` (IndexSearcher and NewsIndex).
"""
from .searching import IndexSearcher, NewsIndex
from .store import IndexStore

__all__ = ["IndexSearcher", "IndexStore", "NewsIndex"]
