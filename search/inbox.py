"""Articles sent over HTTP: accepted into an inbox, then kept as files of the index's own.

    INDEX_DIR/
      inbox/      batches accepted and not yet applied: one file each, on disk before the sender hears
      posted/     each posted article as a one-line JSON Lines file, indexed like any folder

A batch is checked whole before a byte is written (the JSON Lines reader's rules, and a title), so
one bad line refuses it all. The writer holding the index's write lock applies the batches in the
order they came (an article posted again replaces its file; a removal deletes it), and only then
drops them from the inbox; `posted/` is then indexed with the folders of the run. Both folders are
in the index folder, so a rebuild, `stats` and a backup of the folder include them.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .article import article_id
from .errors import NewsSearchError
from .files import fsync_path, path_text
from .manifest import Manifest
from .readers import ReadError, SourceFile
from .readers.fields import BODY_FIELDS, article_from_record, record_key
from .readers.jsonlines import records
from .scanning import resolved

INBOX_NAME = "inbox"
POSTED_NAME = "posted"
MAX_POSTED_ARTICLES = 1000
MAX_POST_BYTES = 10 * 2**20
RECORD_FIELDS = ("id", "title", "date", "source", "distributor", "url", *BODY_FIELDS)
_REQUEST = SourceFile(key="request", path="request", data=b"")
_POSTED_FILE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{20}\.jsonl$")  # what `posted_article` names; nothing else


class ArticlesRefusedError(NewsSearchError):
    """A posted batch is refused whole: the message names the line and what was wrong."""


class TooManyArticlesError(ArticlesRefusedError):
    """A posted batch holds more articles than one request may."""


@dataclass(frozen=True)
class PostedArticle:
    """An accepted article: its id in the index, its file below `posted/`, and the fields to write."""

    id: str
    file: str
    record: dict


@dataclass
class AppliedBatches:
    """What applying the inbox did: articles written, removed, and batch files that could not be read."""

    written: int = 0
    removed: int = 0
    problems: list[ReadError] = field(default_factory=list)


def parse_articles(text: str, *, lines: bool) -> list[PostedArticle]:
    """The articles of a request body: one JSON object, or JSON Lines when `lines`.

    ArticlesRefusedError names the first bad line (a missing title or body, a bad date, a field that
    is not text, an id twice); TooManyArticlesError past MAX_POSTED_ARTICLES.
    """
    if lines:
        numbered = list(records(_REQUEST, text))
    else:
        numbered = [(1, _one_object(text))]
    if not numbered:
        raise ArticlesRefusedError("the request holds no article")
    if len(numbered) > MAX_POSTED_ARTICLES:
        raise TooManyArticlesError(f"{len(numbered)} articles in one request; send at most {MAX_POSTED_ARTICLES}")
    seen: dict[str, int] = {}
    accepted = []
    for line, record in numbered:
        if isinstance(record, ReadError):
            raise ArticlesRefusedError(f"line {line}: {record.message}")
        checked = article_from_record(_REQUEST, record, line, seen)
        if isinstance(checked, ReadError):
            raise ArticlesRefusedError(f"line {line}: {checked.message}")
        if not isinstance(record.get("title"), str) or not record["title"].strip():
            raise ArticlesRefusedError(f"line {line}: no title: 'title' is missing or empty")
        accepted.append(posted_article(record))
    return accepted


def _one_object(text: str) -> dict | ReadError:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return ReadError("request", f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}")
    if not isinstance(value, dict):
        return ReadError("request", f"expected one JSON object (or JSON Lines, sent as application/x-ndjson), "
                                    f"found {type(value).__name__}")
    return value


def posted_article(record: dict) -> PostedArticle:
    """The article a checked record makes: named by its id, else its url, else a new id of its own."""
    kept = {name: record[name] for name in RECORD_FIELDS if record.get(name) is not None}
    key = record_key(kept)
    if key is None:
        key = kept["id"] = uuid.uuid4().hex
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()
    file = f"{digest[:2]}/{digest}.jsonl"
    return PostedArticle(article_id(f"{POSTED_NAME}/{file}", key), file, kept)


class Inbox:
    """The inbox and the posted articles of the index at `root`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.folder = self.root / INBOX_NAME
        self.posted = self.root / POSTED_NAME

    def accept(self, articles: list[PostedArticle]) -> None:
        """Write the articles as one batch, durably: when this returns, a crash cannot lose them."""
        self._write_batch([{"put": article.file, "id": article.id, "record": article.record} for article in articles])

    def withdraw(self, article: str, indexed_path: str | None) -> bool:
        """Queue the removal of the posted article with id `article` (`indexed_path`: its path in the
        index, if it is indexed). False when no posted article has that id."""
        file = self._posted_file(article, indexed_path) or self._waiting_file(article)
        if file is None:
            return False
        self._write_batch([{"delete": file, "id": article}])
        return True

    def waiting(self) -> list[Path]:
        """The batches not yet applied, oldest first."""
        try:
            names = sorted(name for name in os.listdir(self.folder) if name.endswith(".jsonl")
                           and not name.startswith("."))
        except FileNotFoundError:
            return []
        return [self.folder / name for name in names]

    def indexed_articles(self, manifest: Manifest) -> int:
        """How many articles of `posted/` the manifest says are indexed."""
        folder = path_text(resolved(self.posted)) + os.sep
        return sum(record.articles for key, record in manifest.files.items() if key.startswith(folder))

    def apply(self) -> AppliedBatches:
        """Apply the waiting batches to `posted/`, in order, then drop them (call holding the write lock)."""
        done = AppliedBatches()
        batches = self.waiting()
        touched = {self.posted}
        for batch in batches:
            try:
                operations = [json.loads(line) for line in batch.read_text(encoding="utf-8").split("\n") if line]
            except (OSError, ValueError) as error:
                batch.rename(batch.with_suffix(".unreadable"))
                done.problems.append(ReadError(str(batch), f"an inbox batch that cannot be read ({error}); "
                                                           "set aside with the ending .unreadable"))
                continue
            for operation in operations:
                touched.add(self._apply_one(operation, done))
        if batches:
            for folder in sorted(touched, reverse=True):  # new subfolders before the folder naming them
                if folder.exists():
                    fsync_path(folder)
            for batch in batches:
                batch.unlink(missing_ok=True)
            fsync_path(self.folder)
        return done

    def _apply_one(self, operation: dict, done: AppliedBatches) -> Path:
        file = operation.get("put") or operation.get("delete")
        if not isinstance(file, str) or not _POSTED_FILE.match(file):
            done.problems.append(ReadError(str(self.folder), f"an inbox entry names no posted file: {operation!r:.200}"))
            return self.posted
        if "put" in operation:
            path = self.posted / file
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.tmp")
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(operation["record"], ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
            done.written += 1
        else:
            path = self.posted / file
            path.unlink(missing_ok=True)
            done.removed += 1
        return path.parent

    def _write_batch(self, operations: list[dict]) -> None:
        """One batch file, whole or not at all, on disk when this returns; NewsSearchError when it cannot be
        written (a full disk, a read-only folder), with nothing left behind."""
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}.jsonl"
        temporary = self.folder / f".{name}.tmp"
        try:
            self.folder.mkdir(exist_ok=True)
            with open(temporary, "w", encoding="utf-8") as handle:
                for operation in operations:
                    handle.write(json.dumps(operation, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.folder / name)
            fsync_path(self.folder)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise NewsSearchError(f"could not write to the inbox at {self.folder}: {error.strerror or error}") from None

    def _posted_file(self, article: str, indexed_path: str | None) -> str | None:
        """The file below `posted/` of the indexed article, when it is one of ours and still there."""
        prefix = f"{POSTED_NAME}/"
        if not indexed_path or not indexed_path.startswith(prefix):
            return None
        file = indexed_path[len(prefix):]
        if not _POSTED_FILE.match(file):
            return None
        try:
            record = json.loads((self.posted / file).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return file if isinstance(record, dict) and posted_article(record).id == article else None

    def _waiting_file(self, article: str) -> str | None:
        """The file below `posted/` of an article that is still waiting in the inbox, unless it is
        already to be removed."""
        file = None
        for operation in self._waiting_operations():
            if operation.get("id") == article:
                file = operation.get("put")  # None after a removal
        return file

    def _waiting_operations(self) -> Iterator[dict]:
        for batch in self.waiting():
            try:
                lines = batch.read_text(encoding="utf-8").split("\n")
            except OSError:  # applied and dropped in the meantime
                continue
            for line in filter(None, lines):
                try:
                    yield json.loads(line)
                except ValueError:
                    continue
