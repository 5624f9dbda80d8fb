"""Writing articles into a generation of the index, in one Whoosh writer and one commit."""
from __future__ import annotations

import multiprocessing
import os
import queue
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import writing as whoosh_writing
from whoosh.index import TOC
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.query import Term

from ..article import Article
from ..errors import NewsSearchError
from ..files import fsync_path
from ..manifest import MANIFEST_NAME, PENDING_NAME, Manifest
from ..processes import start_worker
from .columns import whole_file_holds_groups, write_missing
from .schema import (
    ENTITY_FIELDS,
    SIGNATURE_FIELD,
    VALUE_SEPARATOR,
    build_schema,
    column_name,
    from_stored,
    own_entities,
    to_document,
)
from .store import IndexStore
from .vocabulary import (
    counted_vocabulary,
    load_vocabulary,
    save_vocabulary,
    updated_vocabulary,
    vocabulary_path,
    words_of,
)

WRITER_MEMORY_MB = 256
# Separate files per segment: Whoosh opens a compound segment file by copying each
# part it reads into memory (a BytesIO over the mapped file), 270 MB of postings
# for ten copies of Reuters; separate files are read from the page cache.
WRITER_OPTIONS = {"limitmb": WRITER_MEMORY_MB, "compound": False}


class DurableCommit:
    """For Whoosh writers: make a commit survive a power cut. Whoosh never fsyncs; this syncs
    the new segment files before the table of contents that names them is written, then
    that file and the directory."""

    def _commit_toc(self, segments) -> None:
        folder = Path(self.storage.folder)
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False):
                fsync_path(entry.path)
        super()._commit_toc(segments)
        fsync_path(folder / TOC._filename(self.indexname, self.generation))
        fsync_path(folder)


class SegmentWriter(DurableCommit, whoosh_writing.SegmentWriter):
    """Whoosh's writer, with durable commits."""


class _WorkerTask(SubWriterTask):
    def __init__(self, *args, failures: multiprocessing.Queue) -> None:
        super().__init__(*args)
        self.parent = os.getpid()
        self.failures = failures

    def run(self) -> None:
        start_worker(self.parent)
        try:
            super().run()
        except OSError as error:  # a full disk: the parent reports it, with no traceback from here
            self.failures.put((error.errno, error.strerror or str(error)))
            sys.exit(1)


class ParallelWriter(DurableCommit, MpWriter):
    """Whoosh's multi-process writer, each process writing its own segment (2.4× faster on
    Reuters than one writer), with two of its faults mended: `cancel` only set a flag in
    the parent, leaving the sub-processes waiting forever, and a sub-process that failed
    made `commit` silently leave out its documents (Batch checks the count)."""

    def __init__(self, index) -> None:
        super().__init__(index, procs=os.cpu_count() or 1, multisegment=True, **WRITER_OPTIONS)
        self.failures: multiprocessing.Queue = multiprocessing.Queue()
        self._jobs = self.jobqueue  # the processes read this; MpWriter puts jobs through the watched one
        self.jobqueue = _WatchedJobs(self._jobs, self._check_workers)
        # Start the processes now, before the caller starts threads or entity workers.
        while len(self.tasks) < self.procs:
            self._new_task()

    def _new_task(self) -> SubWriterTask:
        task = _WorkerTask(self.storage, self.indexname, self._jobs, self.resultqueue, self.subargs,
                           self.multisegment, failures=self.failures)
        self.tasks.append(task)
        task.start()
        return task

    def commit(self, *args, **kwargs) -> None:
        """Commit; an OSError when a writer process could not write its segment (a full disk)."""
        try:
            super().commit(*args, **kwargs)
        finally:
            self._raise_worker_failure()

    def _check_workers(self) -> None:
        """Raise when a writer process has stopped: its error (OSError) when it sent one."""
        stopped = [task.exitcode for task in self.tasks if task.exitcode]  # 0: finished its share normally
        if stopped:
            self._raise_worker_failure()
            self._abandon_jobs()
            raise NewsSearchError(f"an index writer process stopped (exit code {stopped[0]}); nothing was written")

    def _raise_worker_failure(self) -> None:
        try:
            number, message = self.failures.get(timeout=0.2 if any(task.exitcode for task in self.tasks) else 0.01)
        except queue.Empty:
            return
        self._abandon_jobs()
        raise OSError(number, message)

    def cancel(self) -> None:
        self._abandon_jobs()
        try:
            for task in self.tasks:
                task.terminate()
                task.join()
        finally:
            super().cancel()

    def _abandon_jobs(self) -> None:
        """Let this process exit although jobs no worker will read are still queued (multiprocessing
        would otherwise wait at exit for them to be written into the pipe: forever)."""
        self.jobqueue.cancel_join_thread()


class _WatchedJobs:
    """MpWriter's job queue, whose `put` gives up when the writer processes stopped: the queue is
    bounded, and with no process reading it, a put would wait forever."""

    def __init__(self, jobs: multiprocessing.Queue, check_workers) -> None:
        self._jobs = jobs
        self._check_workers = check_workers

    def put(self, job) -> None:
        while True:
            try:
                self._jobs.put(job, timeout=0.5)
                return
            except queue.Full:
                self._check_workers()

    def __getattr__(self, name: str):
        return getattr(self._jobs, name)


@dataclass(frozen=True)
class StoredArticle:
    docnum: int
    article: Article


class Batch:
    """One commit's worth of changes: articles that go away, articles that come in.

    Used as a context manager: it commits when the block ends normally and
    discards everything when it raises (Ctrl-C included), leaving the index as it was.
    """

    def __init__(self, store: IndexStore, generation: Path, *, parallel: bool = False) -> None:
        """`parallel` writes with one process per core, for thousands of articles into a generation not
        yet in use: a failed writer process leaves its articles out of the commit, which the count
        check after it can only report, so the caller must be able to throw the generation away."""
        self._index = store.open(generation)
        self._directory = generation
        # The committed articles, as this batch found them. Deletes look them up here:
        # without a searcher, Whoosh opens a new one for every delete (30 ms on Reuters).
        self._committed = self._index.searcher()
        self._live_before = self._committed.doc_count()
        self._writer = ParallelWriter(self._index) if parallel else SegmentWriter(self._index, **WRITER_OPTIONS)
        _add_new_fields(self._writer)
        self.manifest: Manifest | None = None  # set by the caller: saved as part of the commit
        self._added = 0
        self._removed: set[int] = set()
        self._generation_before = self._committed.reader().generation()
        self._word_change: Counter = Counter()  # articles holding each word: added minus removed
        self._signatures = None  # the committed articles' copy signatures, read when first needed

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                try:
                    self._commit()
                except BaseException:
                    self._cancel_failed_commit()
                    raise
            else:
                self._writer.cancel()
        finally:
            self._committed.close()

    def _cancel_failed_commit(self) -> None:
        """Release what a commit that failed half-way holds; its table of contents was never written."""
        try:
            self._writer.cancel()
        except Exception:  # noqa: BLE001 - the commit's own error is the one to report
            pass

    def _commit(self) -> None:
        """Commit, with the manifest: saved as pending (naming the commit) before, made current after."""
        if self.manifest is not None:
            self.manifest.toc = self._writer.generation
            self.manifest.save(self._directory / PENDING_NAME)
        self._writer.commit()
        with self._index.reader() as reader:
            self._check_parallel_count(reader)
            write_missing(reader, self._directory)
            before = self._generation_before if self._live_before else None
            save_vocabulary(self._directory, reader.generation(),
                            updated_vocabulary(self._directory, before, self._word_change, _stored_articles(reader)))
        if self.manifest is not None:
            os.replace(self._directory / PENDING_NAME, self._directory / MANIFEST_NAME)
            fsync_path(self._directory)

    def _check_parallel_count(self, reader) -> None:
        if isinstance(self._writer, ParallelWriter):
            expected = self._live_before - len(self._removed) + self._added
            if reader.doc_count() != expected:
                raise NewsSearchError(f"the index writer processes wrote {reader.doc_count()} of {expected} articles; "
                                      "the new index was not used")

    def file_articles(self, file_key: str) -> dict[str, StoredArticle]:
        """The committed articles that came from one file, by id."""
        docnums = self._committed.docs_for_query(Term("file", file_key))
        return {stored.article.id: stored for stored in map(self.stored, docnums)}

    def remove(self, stored: StoredArticle) -> None:
        self._writer.delete_document(stored.docnum)
        self._removed.add(stored.docnum)
        self._word_change.subtract(words_of(stored.article))

    def add(self, article: Article, own: dict[str, list[str]] | None = None) -> None:
        """Write an article; `own` are its entities before the index-wide naming (default: its entities)."""
        self._writer.add_document(**to_document(article, own))
        self._added += 1
        self._word_change.update(words_of(article))

    def replace(self, stored: StoredArticle, article: Article, own: dict[str, list[str]] | None = None) -> None:
        """Write a new version of a stored article (one whose text is the same keeps its signature and words)."""
        if (article.title, article.body) != (stored.article.title, stored.article.body):
            self.remove(stored)
            self.add(article, own)
            return
        self._writer.delete_document(stored.docnum)
        self._removed.add(stored.docnum)
        self._writer.add_document(**to_document(article, own, self._signature_of(stored.docnum)))
        self._added += 1

    def _signature_of(self, docnum: int) -> bytes | None:
        """The committed signature of a document (None for one written before signatures)."""
        if self._signatures is None:
            reader = self._committed.reader()
            self._signatures = reader.column_reader(SIGNATURE_FIELD) if reader.has_column(SIGNATURE_FIELD) else False
        return self._signatures[docnum] if self._signatures is not False else None

    def own_entities(self) -> dict[int, dict[str, list[str]]]:
        """The own entities of every committed article, by document number."""
        return {docnum: own for docnum, own, _ in entities_of_documents(self._committed.reader())}

    def stored_articles(self) -> Iterator[StoredArticle]:
        """Every article committed before this batch began and not removed by it, with its document number."""
        for docnum in self._committed.reader().all_doc_ids():
            if docnum not in self._removed:
                yield self.stored(docnum)

    def stored(self, docnum: int) -> StoredArticle:
        """The committed article with document number `docnum`."""
        return StoredArticle(docnum, from_stored(self._committed.stored_fields(docnum)))


def restore_derived_files(store: IndexStore) -> None:
    """Write again what each commit derives from the index, when it is missing or unreadable: the whole
    index's columns (with the groups of copies) and the vocabulary. A deleted file, or a crash between a
    commit and its files, then costs nothing more than this."""
    generation = store.current_generation()
    with store.open(generation).reader() as reader:
        if not whole_file_holds_groups(reader, generation):
            write_missing(reader, generation)
        if load_vocabulary(vocabulary_path(generation, reader.generation())) is None:
            save_vocabulary(generation, reader.generation(), counted_vocabulary(_stored_articles(reader)))


def _stored_articles(reader) -> Iterator[Article]:
    """Every live article of `reader`, read as they are wanted."""
    return (from_stored(fields) for fields in reader.all_stored_fields())


def _add_new_fields(writer) -> None:
    """Give an index made by an older version the fields added since (old documents have them empty)."""
    for name, field in build_schema().items():
        if name not in writer.schema:
            writer.add_field(name, field)


def entities_of_documents(reader) -> Iterator[tuple[int, dict[str, list[str]], dict[str, list[str]]]]:
    """For each live document: its number, its own entities (before the index-wide naming) and the
    entities it shows. A document written before own entities were kept counts its shown ones as its own."""
    for leaf, offset in reader.leaf_readers():
        if not leaf.doc_count_all():  # an empty index's reader has no columns at all
            continue
        own_column = leaf.column_reader("own_entities") if "own_entities" in leaf.schema else None
        shown_columns = {kind: leaf.column_reader(column_name(kind)) for kind in ENTITY_FIELDS}
        for docnum in leaf.all_doc_ids():
            shown = {}
            for kind, column in shown_columns.items():
                joined = column[docnum].decode("utf-8")
                shown[kind] = joined.split(VALUE_SEPARATOR) if joined else []
            own = own_entities(own_column[docnum]) if own_column is not None else {}
            yield offset + docnum, own or shown, shown
