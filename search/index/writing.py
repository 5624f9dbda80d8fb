"""Writing articles into a generation of the index, in one Whoosh writer and one commit."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..article import Article
from .schema import from_stored, to_document
from .store import IndexStore

WRITER_MEMORY_MB = 256


@dataclass(frozen=True)
class StoredArticle:
    docnum: int
    article: Article


class Batch:
    """One commit's worth of changes: files whose articles go away, articles that come in.

    Used as a context manager: it commits when the block ends normally and
    discards everything when it raises (Ctrl-C included), leaving the index as it was.
    """

    def __init__(self, store: IndexStore, generation: Path) -> None:
        self._index = store.open(generation)
        self._writer = self._index.writer(limitmb=WRITER_MEMORY_MB)

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self._writer.commit()
        else:
            self._writer.cancel()

    def remove_file(self, file_key: str) -> None:
        """Drop every article that came from this file (before its new articles are added)."""
        self._writer.delete_by_term("file", file_key)

    def add(self, article: Article) -> None:
        self._writer.add_document(**to_document(article))

    def replace(self, stored: StoredArticle, article: Article) -> None:
        """Write a new version of a stored article (deleting by document number: Whoosh's
        delete_by_term opens a searcher on every call)."""
        self._writer.delete_document(stored.docnum)
        self.add(article)

    def stored_articles(self) -> Iterator[StoredArticle]:
        """Every article committed before this batch began, with its document number."""
        with self._index.searcher() as searcher:
            for docnum in searcher.reader().all_doc_ids():
                yield StoredArticle(docnum, from_stored(searcher.stored_fields(docnum)))
