"""news-search: read news articles, index them with Whoosh, answer faceted searches.

The library behind the command line (`cli.py`) and the web front end (`web/`):
readers turn files into `Article`s, `index_paths` keeps an index in step with
folders of files, and `NewsIndex` answers `SearchRequest`s with `SearchResult`s.
"""
from .article import Article
from .errors import (
    IndexLockedError,
    IndexMissingError,
    NewsSearchError,
    QuerySyntaxError,
)
from .index import IndexStore, NewsIndex
from .indexer import index_paths
from .report import IndexReport
from .model import FacetValue, Hit, IndexStats, SearchRequest, SearchResult

__all__ = [
    "Article", "FacetValue", "Hit", "IndexLockedError", "IndexMissingError", "IndexReport", "IndexStats",
    "IndexStore", "NewsIndex", "NewsSearchError", "QuerySyntaxError", "SearchRequest", "SearchResult",
    "index_paths",
]
