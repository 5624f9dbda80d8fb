"""Reading one found file into articles, within the limits that keep a run bounded.

A file over the size limit is reported without being read (even when it grew
after it was looked at); an article over MAX_ARTICLE_CHARS is cut and the cut
reported; problems with single entries cost those entries only.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from .article import Article
from .config import MAX_FILE_ENV, max_file_bytes
from .files import FileTooLargeError, open_found, read_at_most, sha256_of_file
from .manifest import FileRecord
from .readers import Reader, ReadError, SourceFile, read_entries, reader_by_ending, reader_for
from .scanning import FoundFile

MAX_ARTICLE_CHARS = 1_000_000  # a long book; no news article comes near it
SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FileOutcome:
    """What reading one file gave: its manifest record (None when nothing could be indexed),
    its articles, and the problems found in it."""

    record: FileRecord | None
    articles: list[Article]
    problems: list[ReadError]


def read_file(file: FoundFile) -> FileOutcome:
    """Read one file; problems with single entries are reported while the rest of it is kept."""
    limit = max_file_bytes()
    try:
        data = read_at_most(file.path, limit, file.identity)
    except FileTooLargeError as error:
        return FileOutcome(None, [], [too_large(file.shown, error.size, limit)])
    except OSError as error:  # FileChangedError included: it is read again on the next run
        return FileOutcome(None, [], [ReadError(file.shown, f"cannot be read: {error.strerror}")])
    reader = reader_for(file.path, data)
    articles: list[Article] = []
    ids: set[str] = set()
    problems = []
    for entry in read_entries(SourceFile(file.key, file.shown, data, file.below), reader):
        if isinstance(entry, ReadError):
            problems.append(entry)
        elif entry.id in ids:
            problems.append(ReadError(file.shown, f"article id {entry.id} read twice; the second is skipped"))
        else:
            ids.add(entry.id)
            if len(entry.body) > MAX_ARTICLE_CHARS:
                problems.append(ReadError(file.shown, f"article {entry.id} is {len(entry.body):,} characters long; "
                                                      f"only its first {MAX_ARTICLE_CHARS:,} are indexed"))
                entry = replace(entry, body=entry.body[:MAX_ARTICLE_CHARS])
            articles.append(entry)
    if not articles:
        return FileOutcome(None, [], problems or [ReadError(file.shown, "no articles found in this file")])
    record = FileRecord(file.size, file.mtime_ns, sha256_of_bytes(data), reader_label(reader), len(articles))
    return FileOutcome(record, articles, problems)


def unchanged_on_disk(file: FoundFile, record: FileRecord) -> FileRecord | None:
    """The record with the file's new time when its content is what `record` describes (same reader,
    same size and time, or same hash); None when it changed. Never reads more than the size limit:
    a file grown past it counts as changed, and reading it then reports the size."""
    if (record.size, record.mtime_ns) == (file.size, file.mtime_ns):
        known = reader_by_ending(file.path)
        if known is not None:
            return record if record.reader == reader_label(known) else None
    limit = max_file_bytes()
    if file.size > limit:
        return None
    try:
        with open_found(file.path, file.identity) as handle:
            head = handle.read(SNIFF_BYTES)
        if record.reader != reader_label(reader_for(file.path, head)):
            return None
        if sha256_of_file(file.path, limit, file.identity) != record.sha256:
            return None
    except (OSError, FileTooLargeError):
        return None
    return FileRecord(file.size, file.mtime_ns, record.sha256, record.reader, record.articles)


def too_large(shown: str, size: int, limit: int) -> ReadError:
    return ReadError(shown, f"the file is {_amount(size)}, over the limit of {_amount(limit)} per file "
                            f"(set {MAX_FILE_ENV} to raise it)")


def _amount(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size >= 2**20 else f"{size:,} bytes"


def reader_label(reader: Reader) -> str:
    return f"{reader.name}/{reader.version}"


def sha256_of_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
