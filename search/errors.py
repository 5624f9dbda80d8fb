"""Exceptions the library raises for problems a user can fix."""
from pathlib import Path


class NewsSearchError(Exception):
    """Base class: the message is meant to be shown to the user as it is."""


class IndexMissingError(NewsSearchError):
    """There is no index at the configured location."""


class IndexDamagedError(NewsSearchError):
    """A file of the index cannot be read; a rebuild makes the index anew."""

    @classmethod
    def of_file(cls, path, error: Exception) -> "IndexDamagedError":
        what = f"a file of the index at {path}" if Path(path).is_dir() else f"the index file {path}"
        return cls(f"{what} is damaged ({type(error).__name__}: {error}); "
                   "`news-search index --rebuild PATH...` builds the index again from the articles")


class IndexLockedError(NewsSearchError):
    """Another process holds the index's write lock."""


class QuerySyntaxError(NewsSearchError):
    """A search query or filter could not be understood."""


class SearchTooSlowError(QuerySyntaxError):
    """A search ran past the time limit (the query asks for too much)."""
