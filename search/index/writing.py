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
        index = store.open(generation)
        self._writer = index.writer(limitmb=WRITER_MEMORY_MB)
        # The committed articles, as this batch found them. Deletes look them up here:
        # without a searcher, Whoosh opens a new one for every delete (30 ms on Reuters).
        self._committed = index.searcher()

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                self._writer.commit()
            else:
                self._writer.cancel()
        finally:
            self._committed.close()

    def remove_file(self, file_key: str) -> None:
        """Drop every article that came from this file (before its new articles are added)."""
        self._writer.delete_by_term("file", file_key, searcher=self._committed)

    def add(self, article: Article) -> None:
        self._writer.add_document(**to_document(article))

    def replace(self, stored: StoredArticle, article: Article) -> None:
        """Write a new version of a stored article."""
        self._writer.delete_document(stored.docnum)
        self.add(article)

    def stored_articles(self) -> Iterator[StoredArticle]:
        """Every article committed before this batch began, with its document number."""
        for docnum in self._committed.reader().all_doc_ids():
            yield StoredArticle(docnum, from_stored(self._committed.stored_fields(docnum)))
