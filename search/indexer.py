"""Incremental indexing: find files, compare them with the manifest, read what changed, commit.

New files are added, changed ones replace their articles, unchanged ones are
skipped without being read again, and articles whose file vanished from under a
given path are removed. A file that cannot be read is reported and keeps
whatever it had in the index before; the rest of the batch goes in.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

from .article import Article
from .config import MAX_FILE_ENV, aliases_file, max_file_bytes
from .entities import Aliases, EntityExtractor, KeepEntities, entity_fingerprint
from .errors import NewsSearchError
from .index.store import IndexStore
from .index.writing import Batch
from .manifest import FileRecord, Manifest
from .readers import (
    Reader,
    ReadError,
    SourceFile,
    handles,
    read_entries,
    reader_by_ending,
    reader_for,
)

Action = Literal["add", "update", "remove"]
PARALLEL_BYTES = 2_000_000
MAX_ARTICLE_CHARS = 1_000_000  # a long book; no news article comes near it
MENTION_CACHE = "mentions.sqlite"


class Progress(Protocol):
    """What the indexer reports while it reads files (the CLI draws a bar from it).

    `finish` comes when all files are read, before the commit writes the index.
    """

    def start(self, total_files: int) -> None: ...
    def advance(self, path: str, articles: int) -> None: ...
    def finish(self) -> None: ...


class _NoProgress:
    def start(self, total_files: int) -> None: ...
    def advance(self, path: str, articles: int) -> None: ...
    def finish(self) -> None: ...


@dataclass(frozen=True)
class FoundFile:
    key: str
    path: Path
    shown: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Change:
    action: Action
    key: str
    shown: str


@dataclass
class IndexReport:
    """What an index run did (or, with dry_run, would do), in files."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    articles: int = 0
    errors: list[ReadError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False
    recovered: str | None = None  # what an earlier writer left unfinished, which this run completed

    def to_dict(self) -> dict:
        data = {name: getattr(self, name) for name in ("added", "updated", "removed", "unchanged", "failed", "articles")}
        data["errors"] = [error.to_dict() for error in self.errors]
        if self.dry_run:
            data["dry_run"] = True
            data["changes"] = [{"action": change.action, "path": change.shown} for change in self.changes]
        return data

    def summary(self) -> str:
        """The one line an index run ends with."""
        if self.dry_run:
            return (f"Dry run: {self.added} to add, {self.updated} to update, {self.removed} to remove, "
                    f"{self.unchanged} unchanged; nothing was written")
        counts = ", ".join(f"{getattr(self, name)} {name}" for name in ("added", "updated", "removed", "unchanged", "failed"))
        return (f"Files: {counts}; {_plural(self.articles, 'article')} indexed, "
                f"{_plural(len(self.errors), 'problem')} reported")


def index_paths(store: IndexStore, paths: Iterable[Path | str], *, rebuild: bool = False, dry_run: bool = False,
                jobs: int | None = None, progress: Progress | None = None, lock_timeout: float = 10.0,
                aliases: Path | None = None, entities: bool = True, hold: Collection[str] = ()) -> IndexReport:
    """Bring the index up to date with the files under `paths`.

    With `rebuild`, a fresh index of exactly these paths replaces the current one
    in one atomic step. `jobs` processes find entities (None: every core when
    there is enough to read). `aliases` is the alias file (default: the index's
    own copy). When the entity rules or the alias file changed since the last
    run, every article's entities are derived again, from cached mentions.
    Without `entities`, articles keep only the entities their files name, and the
    next run with entities derives them for every article. Files named in `hold`
    (absolute paths; files still being written) are left as they are this time.
    Raises NewsSearchError when nothing could be done at all.
    """
    roots = [Path(path) for path in paths]
    for root in roots:
        if not root.exists():
            raise NewsSearchError(f"{root}: no such file or folder")
    progress = progress or _NoProgress()
    report = IndexReport(dry_run=dry_run)
    with store.write_lock(lock_timeout) as lock:
        if lock.abandoned_by:
            report.recovered = f"the previous writer ({lock.abandoned_by}) stopped without finishing"
        store.clear_debris()
        fresh = rebuild or not store.exists()
        manifest = Manifest(files={}) if fresh else store.manifest()
        found = {file.key: file for file in find_files(roots, report.errors)}
        held = {str(Path(path).resolve()) for path in hold}
        records_before = dict(manifest.files)
        changes = _plan(found, held, manifest, roots, report)
        report.changes = changes
        if dry_run:
            for change in changes:
                _count(report, change.action)
            return report
        to_read = [found[change.key] for change in changes if change.action != "remove"]
        alias_set = Aliases.load(aliases_file(store.root, aliases))
        rederive = entities and not fresh and manifest.entities != entity_fingerprint(alias_set)
        if not (fresh or changes or rederive):  # nothing to write: no commit, no new index state
            if manifest.files != records_before:  # files touched but unchanged: remember their new times
                store.save_manifest(manifest)
            return report
        plenty = sum(file.size for file in to_read) >= PARALLEL_BYTES
        workers = jobs or _auto_jobs(plenty or rederive)
        generation = store.new_generation() if fresh else store.current_generation()
        try:
            # The batch first: a parallel one starts its processes before the extractor opens anything.
            with Batch(store, generation, parallel=fresh and plenty and _cores() > 1) as batch, \
                    (EntityExtractor(store.root / MENTION_CACHE, alias_set, workers) if entities
                     else KeepEntities()) as extractor:
                _apply(batch, changes, to_read, manifest, report, progress, extractor, rederive)
                batch.manifest = manifest
            if fresh:
                store.make_current(generation)
        except BaseException as error:
            if fresh:
                store.discard(generation)
            if isinstance(error, OSError):  # the index could not be written: disk full, read-only, ...
                raise NewsSearchError(f"could not write the index at {store.root}: {error.strerror or error}; "
                                      "it is as it was before this run") from error
            raise
    return report


def _auto_jobs(enough_work: bool) -> int:
    """All cores when there is enough text to pay for starting the model in each
    (or every stored article's entities are to be derived again); else one."""
    return _cores() if enough_work else 1


def _cores() -> int:
    return max(1, os.cpu_count() or 1)


def find_files(roots: list[Path], errors: list[ReadError]) -> Iterator[FoundFile]:
    """Every file a reader handles under the roots (a file named directly is always taken)."""
    seen: set[str] = set()
    for root in roots:
        candidates = [root] if root.is_file() else _walk(root, errors)
        for path in candidates:
            key = str(path.resolve())
            if key in seen:
                continue
            seen.add(key)
            try:
                stat = path.stat()
            except OSError as error:
                errors.append(ReadError(_shown(path), f"cannot be read: {error.strerror}"))
                continue
            yield FoundFile(key, path, _shown(path), stat.st_size, stat.st_mtime_ns)


def _walk(root: Path, errors: list[ReadError]) -> Iterator[Path]:
    def report(error: OSError) -> None:
        errors.append(ReadError(_shown(Path(error.filename or root)), f"cannot be listed: {error.strerror}"))

    for directory, subdirectories, files in os.walk(root, onerror=report):
        subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
        for name in sorted(files):
            path = Path(directory, name)
            if not name.startswith(".") and handles(path) and path.is_file():
                yield path


def _shown(path: Path) -> str:
    """The path as users see it: relative to the working folder when it lies inside it."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _in_scope(key: str, roots: list[Path]) -> bool:
    for root in roots:
        resolved = str(root.resolve())
        if key == resolved or key.startswith(resolved.rstrip(os.sep) + os.sep):
            return True
    return False


def _plan(found: dict[str, FoundFile], held: set[str], manifest: Manifest, roots: list[Path],
          report: IndexReport) -> list[Change]:
    """What to add, update and remove; `held` files are left as they are."""
    changes = []
    for key, file in found.items():
        if key in held:
            continue
        record = manifest.files.get(key)
        if record is None:
            changes.append(Change("add", key, file.shown))
        elif _unchanged(file, record, manifest):
            report.unchanged += 1
        else:
            changes.append(Change("update", key, file.shown))
    for key in sorted(manifest.files):
        if key not in found and key not in held and _in_scope(key, roots):
            changes.append(Change("remove", key, _shown(Path(key))))
    return changes


def _unchanged(file: FoundFile, record: FileRecord, manifest: Manifest) -> bool:
    """Same reader, and same size and time or same content (then the record learns the new time)."""
    if (record.size, record.mtime_ns) == (file.size, file.mtime_ns):
        known = reader_by_ending(file.path)
        if known is not None:
            return record.reader == _label(known)
    try:
        data = file.path.read_bytes()
    except OSError:
        return False
    if record.reader != _label(reader_for(file.path, data)) or _sha256(data) != record.sha256:
        return False
    manifest.files[file.key] = FileRecord(file.size, file.mtime_ns, record.sha256, record.reader, record.articles)
    return True


def _apply(batch: Batch, changes: list[Change], to_read: list[FoundFile], manifest: Manifest,
           report: IndexReport, progress: Progress, extractor: EntityExtractor | KeepEntities, rederive: bool) -> None:
    actions = {change.key: change.action for change in changes}
    progress.start(len(to_read))
    for change in changes:
        if change.action == "remove":
            for stored in batch.file_articles(change.key).values():
                batch.remove(stored)
            manifest.files.pop(change.key, None)
            report.removed += 1
    read = (_with_changed_articles(batch, file, _read_file(file)) for file in to_read)
    for (file, outcome, stored), changed in extractor.enrich_batches(read):
        report.errors.extend(outcome.problems)
        if outcome.record is None:
            report.failed += 1
        else:
            kept = {article.id for article in outcome.articles} - {article.id for article in changed}
            for article_id, entry in stored.items():
                if article_id not in kept:
                    batch.remove(entry)
            for article in changed:
                batch.add(article)
            manifest.files[file.key] = outcome.record
            report.articles += len(outcome.articles)
            _count(report, actions[file.key])
        progress.advance(file.shown, report.articles)
    if rederive:
        _derive_entities_again(batch, extractor)
    manifest.entities = extractor.fingerprint
    progress.finish()


def _with_changed_articles(batch: Batch, file: FoundFile, outcome: FileOutcome):
    """The file's outcome and committed articles, with its articles that are new or differ from
    the committed ones: only those are written again (and have their entities found)."""
    stored = batch.file_articles(file.key) if outcome.record is not None else {}
    changed = [article for article in outcome.articles
               if article.id not in stored or not stored[article.id].article.same_as_read(article)]
    return (file, outcome, stored), changed


def _derive_entities_again(batch: Batch, extractor: EntityExtractor) -> None:
    """Give every stored article (but those written by this batch) its entities under the current rules and aliases."""
    for chunk in _chunks(batch.stored_articles(), 1000):
        for entry, article in zip(chunk, extractor.enrich([entry.article for entry in chunk]), strict=True):
            batch.replace(entry, article)


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(frozen=True)
class FileOutcome:
    """What reading one file gave: its manifest record (None when nothing could be indexed),
    its articles, and the problems found in it."""

    record: FileRecord | None
    articles: list[Article]
    problems: list[ReadError]


def _read_file(file: FoundFile) -> FileOutcome:
    """Read one file; problems with single entries are reported while the rest of it is kept."""
    limit = max_file_bytes()
    if file.size > limit:
        return FileOutcome(None, [], [ReadError(
            file.shown, f"the file is {file.size / 2**20:.0f} MB, over the limit of {limit / 2**20:.0f} MB "
                        f"per file (set {MAX_FILE_ENV} to raise it)")])
    try:
        data = file.path.read_bytes()
    except OSError as error:
        return FileOutcome(None, [], [ReadError(file.shown, f"cannot be read: {error.strerror}")])
    reader = reader_for(file.path, data)
    articles: list[Article] = []
    ids: set[str] = set()
    problems = []
    for entry in read_entries(SourceFile(file.key, file.shown, data), reader):
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
    record = FileRecord(file.size, file.mtime_ns, _sha256(data), _label(reader), len(articles))
    return FileOutcome(record, articles, problems)


def _label(reader: Reader) -> str:
    return f"{reader.name}/{reader.version}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _count(report: IndexReport, action: Action) -> None:
    name = {"add": "added", "update": "updated", "remove": "removed"}[action]
    setattr(report, name, getattr(report, name) + 1)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
