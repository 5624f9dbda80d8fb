"""The index: the only package that imports Whoosh.

Parts: `schema` (fields and the Article ↔ document mapping), `store` (generations
on disk, atomic swap), `lock` (one writer), `writing` (a batch per commit),
`query` (request → Whoosh query), `facets` (counts from in-memory columns),
`snippets` (escaped highlights), `searching` (IndexSearcher and NewsIndex).
"""
from .searching import IndexSearcher, NewsIndex
from .store import IndexStore

__all__ = ["IndexSearcher", "IndexStore", "NewsIndex"]
