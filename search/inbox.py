"""Articles sent over HTTP: accepted into an inbox, then kept as files of the index's own.

    INDEX_DIR/
      inbox/      batches accepted and not yet indexed: one file each, on disk before the sender hears
      posted/     each posted article as a one-line JSON Lines file, indexed like any folder

A batch is checked whole before a byte is written (the JSON Lines reader's rules, a title, and text
that is Unicode), so one bad line refuses it all. The writer holding the index's write lock applies
the batches in the order they came (an article posted again replaces its file; a removal deletes
it), indexes what changed in `posted/`, and drops the batches once that is committed: a crash at
any point leaves them to be applied again. Both folders are in the index folder, so a rebuild,
`stats` and a backup of the folder include them.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from .article import article_id
from .errors import NewsSearchError
from .files import fsync_path, path_text, write_atomically
from .manifest import Manifest
from .readers import ReadError, SourceFile
from .readers.fields import BODY_FIELDS, article_from_record, record_key
from .readers.jsonlines import records
from .scanning import FoundFile, found_below, resolved

INBOX_NAME = "inbox"
POSTED_NAME = "posted"
MAX_POSTED_ARTICLES = 1000
MAX_POST_BYTES = 10 * 2**20
DEBRIS_AGE = 600  # seconds after which a half-written batch is surely abandoned
RECORD_FIELDS = ("id", "title", "date", "source", "distributor", "url", *BODY_FIELDS)
_REQUEST = SourceFile(key="request", path="request", data=b"")
_SURROGATE = re.compile("[\ud800-\udfff]")
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
    """What applying the inbox did: the batches applied (dropped once their articles are committed), the
    files below `posted/` they wrote or removed, and the batches set aside because they could not be read."""

    batches: list[Path] = field(default_factory=list)
    files: set[str] = field(default_factory=set)
    problems: list[ReadError] = field(default_factory=list)


def parse_articles(text: str, *, lines: bool) -> list[PostedArticle]:
    """The articles of a request body: one JSON object, or JSON Lines when `lines`.

    ArticlesRefusedError names the first bad line (a missing title or body, a bad date, a field that
    is not text, an id twice); TooManyArticlesError past MAX_POSTED_ARTICLES.
    """
    if lines:
        count = sum(1 for line in text.split("\n") if line.strip())  # counted before any line is parsed
        if count > MAX_POSTED_ARTICLES:
            raise TooManyArticlesError(f"{count} articles in one request; send at most {MAX_POSTED_ARTICLES}")
        numbered = list(records(_REQUEST, text))
    else:
        numbered = [(1, _one_object(text))]
    if not numbered:
        raise ArticlesRefusedError("the request holds no article")
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
        for name in RECORD_FIELDS:
            if isinstance(record.get(name), str) and _SURROGATE.search(record[name]):
                raise ArticlesRefusedError(f"line {line}: field {name!r} is not Unicode text: it holds a lone "
                                           "surrogate (\\ud800 to \\udfff)")
        accepted.append(posted_article(record))
    return accepted


def _one_object(text: str) -> dict | ReadError:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return ReadError("request", f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}")
    except (ValueError, RecursionError) as error:
        return ReadError("request", f"JSON that cannot be read: {type(error).__name__}: {error!s:.100}")
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


@dataclass(frozen=True)
class StagedBatch:
    """A batch written in full under a hidden name, which `commit` gives it for the writer to see."""

    hidden: Path
    path: Path

    def commit(self) -> None:
        """Show the batch to the writer, durably: when this returns, a crash cannot lose it."""
        try:
            os.replace(self.hidden, self.path)
            fsync_path(self.path.parent)
        except OSError as error:
            self.discard()
            raise NewsSearchError(f"could not write to the inbox at {self.path.parent}: "
                                  f"{error.strerror or error}") from None

    def discard(self) -> None:
        with suppress(OSError):
            self.hidden.unlink(missing_ok=True)


class Inbox:
    """The inbox and the posted articles of the index at `root`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.folder = self.root / INBOX_NAME
        self.posted = self.root / POSTED_NAME

    def accept(self, articles: list[PostedArticle]) -> None:
        """Write the articles as one batch, durably: when this returns, a crash cannot lose them."""
        self.staged(articles).commit()

    def staged(self, articles: list[PostedArticle]) -> StagedBatch:
        """The articles as a batch on disk that the writer does not see until `commit` (its name hidden),
        so that several inboxes can take their parts of one request all or none."""
        return self._staged_batch([{"put": article.file, "id": article.id, "record": article.record}
                                   for article in articles])

    def withdraw(self, article: str, indexed_path: str | None) -> bool:
        """Queue the removal of the posted article with id `article` (`indexed_path`: its path in the
        index, if it is indexed). False when no posted article has that id."""
        file = self._posted_file(article, indexed_path) or self._waiting_file(article)
        if file is None:
            return False
        self._staged_batch([{"delete": file, "id": article}]).commit()
        return True

    def waiting(self) -> list[Path]:
        """The batches not yet indexed, oldest first."""
        try:
            names = sorted(name for name in os.listdir(self.folder) if name.endswith(".jsonl")
                           and not name.startswith("."))
        except FileNotFoundError:
            return []
        return [self.folder / name for name in names]

    def posted_files(self, files: Iterable[str]) -> list[FoundFile]:
        """The files below `posted/` that exist, as a scan of the folder would find them."""
        return [found for file in sorted(files) if (found := found_below(self.posted, file)) is not None]

    def indexed_articles(self, manifest: Manifest) -> int:
        """How many articles of `posted/` the manifest says are indexed (where the folder was when they
        were: the index may have been moved since)."""
        folder = (manifest.posted or path_text(resolved(self.posted))) + os.sep
        return sum(record.articles for key, record in manifest.files.items() if key.startswith(folder))

    def apply(self) -> AppliedBatches:
        """Apply the waiting batches to `posted/`, in order (call holding the write lock). They stay in the
        inbox until `drop`, once what they changed is committed: a run that fails applies them again."""
        applied = AppliedBatches()
        self._clear_debris()
        for batch in self.waiting():
            try:
                operations = _operations(batch)
            except (OSError, ValueError, RecursionError) as error:
                with suppress(OSError):
                    batch.rename(batch.with_suffix(".unreadable"))
                applied.problems.append(ReadError(str(batch), f"an inbox batch that cannot be read ({error!s:.200}); "
                                                              "set aside with the ending .unreadable"))
                continue
            for operation in operations:
                applied.files.add(self._apply_one(operation))
            applied.batches.append(batch)
        folders = {(self.posted / file).parent for file in applied.files} | {self.posted}
        for folder in sorted(folders, reverse=True):
            if folder.exists():  # new subfolders before the folder naming them
                fsync_path(folder)
        return applied

    def _clear_debris(self) -> None:
        """Remove batches a web worker that died (or a full disk) left half-written, once they are older
        than any request takes."""
        with suppress(OSError):
            for entry in os.scandir(self.folder):
                if entry.name.startswith(".") and entry.name.endswith(".tmp") and \
                        time.time() - entry.stat().st_mtime > DEBRIS_AGE:
                    os.unlink(entry.path)

    def drop(self, applied: AppliedBatches) -> None:
        """Remove batches whose changes are committed."""
        for batch in applied.batches:
            batch.unlink(missing_ok=True)
        if applied.batches:
            fsync_path(self.folder)

    def _apply_one(self, operation: dict) -> str:
        """Write or remove one article's file; the file, below `posted/`."""
        file = operation.get("put") or operation["delete"]
        path = self.posted / file
        if "put" in operation:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, (json.dumps(operation["record"], ensure_ascii=False) + "\n").encode())
        else:
            path.unlink(missing_ok=True)
        return file

    def _staged_batch(self, operations: list[dict]) -> StagedBatch:
        """One batch file, whole and flushed to disk under a hidden name; NewsSearchError when it cannot be
        written (a full disk, a read-only folder). Left hidden, it is removed as debris after DEBRIS_AGE."""
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}.jsonl"
        data = "".join(json.dumps(operation, ensure_ascii=False) + "\n" for operation in operations).encode()
        hidden = self.folder / f".{name}.tmp"
        try:
            self.folder.mkdir(exist_ok=True)
            with open(hidden, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            with suppress(OSError):  # a read-only folder refuses this too
                hidden.unlink(missing_ok=True)
            raise NewsSearchError(f"could not write to the inbox at {self.folder}: "
                                  f"{error.strerror or error}") from None
        return StagedBatch(hidden, self.folder / name)

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
                yield from _operations(batch)
            except (OSError, ValueError, RecursionError):  # dropped meanwhile, or damaged: the writer sets it aside
                continue


def _operations(batch: Path) -> list[dict]:
    """The operations of a batch file; ValueError when it is not what `Inbox` writes."""
    operations = [json.loads(line) for line in batch.read_bytes().decode("utf-8").split("\n") if line]
    for operation in operations:
        if not _well_formed(operation):
            raise ValueError(f"not an inbox entry: {operation!r:.100}")
    return operations


def _well_formed(operation: object) -> bool:
    if not isinstance(operation, dict) or not isinstance(operation.get("id"), str):
        return False
    if "put" in operation:
        return (isinstance(operation["put"], str) and bool(_POSTED_FILE.match(operation["put"]))
                and isinstance(operation.get("record"), dict))
    return isinstance(operation.get("delete"), str) and bool(_POSTED_FILE.match(operation["delete"]))
