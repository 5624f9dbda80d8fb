"""Incremental indexing: compare found files with the manifest, read what changed, commit.

New files are added, changed ones replace their articles, unchanged ones are
skipped without being read again, and articles whose file vanished from under a
given path are removed. A file that cannot be read is reported and keeps
whatever it had in the index before; the rest of the batch goes in.
Finding files is `scanning`, reading one is `reading`, the run's account `report`.
"""
from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Protocol

from .config import aliases_file, max_file_bytes
from .entities import Aliases, EntityExtractor, KeepEntities, entity_fingerprint
from .errors import NewsSearchError
from .files import path_text, shown_key
from .index.store import IndexStore
from .index.schema import entity_lists
from .inbox import AppliedBatches, Inbox
from .index.writing import Batch, restore_derived_files
from .manifest import FORMAT_VERSION, Manifest
from .reading import FileOutcome, read_file, unchanged_on_disk
from .entities.across import NameVotes
from .renaming import rename_across_index
from .shard_layout import shard_of
from .report import Change, IndexReport
from .scanning import FoundFile, find_files, in_scope, resolved

PARALLEL_BYTES = 2_000_000
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


def index_paths(store: IndexStore, paths: Iterable[Path | str], *, rebuild: bool = False, dry_run: bool = False,
                jobs: int | None = None, progress: Progress | None = None, lock_timeout: float = 10.0,
                aliases: Path | None = None, entities: bool = True, hold: Collection[str] = (),
                posted_only: bool = False, shard: tuple[int, int] | None = None,
                names_elsewhere: NameVotes | None = None) -> IndexReport:
    """Bring the index up to date with the files under `paths`.

    With `rebuild`, a fresh index of exactly these paths replaces the current one
    in one atomic step. `jobs` processes find entities (None: every core when
    there is enough to read). `aliases` is the alias file (default: the index's
    own copy). When the entity rules or the alias file changed since the last
    run, every article's entities are derived again, from cached mentions.
    Without `entities`, articles keep only the entities their files name, and the
    next run with entities derives them for every article. Articles posted over HTTP
    (see `inbox`) are part of every run; with `posted_only` (the server's writer), the
    run looks only at the posted files that waiting batches change. Files named in `hold`
    (absolute paths; files still being written) are left as they are this time. With
    `shard` (number, count), the index is that shard of a sharded one (`shard_layout`): of
    the files under `paths`, it holds those whose names hash to it, and `names_elsewhere` are
    the other shards' votes on names (`entities.across`), counted with its own.
    Raises NewsSearchError when nothing could be done at all.
    """
    max_file_bytes()  # a bad setting stops the run before anything is done
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
        inbox = Inbox(store.root)
        applied = _apply_inbox(inbox, report, dry_run=dry_run)
        fresh = rebuild or not store.exists()
        manifest = Manifest(files={}) if fresh else store.manifest()
        if not fresh and manifest.format != FORMAT_VERSION:
            report.rebuilt = _rebuild_for_lasting_ids(manifest, [inbox.posted, *roots])
            fresh, manifest = True, Manifest(files={})
        posted_before, manifest.posted = manifest.posted, path_text(resolved(inbox.posted))
        scope, found = _files_to_index(inbox, roots, applied, posted_before, report, posted_only=posted_only)
        if shard is not None:
            found = {key: file for key, file in found.items()
                     if in_scope(key, [inbox.posted]) or shard_of(file.below, shard[1]) == shard[0]}
        held = {path_text(resolved(Path(path))) for path in hold}
        records_before = dict(manifest.files)
        changes = _plan(found, held, manifest, scope, report)
        report.changes = changes
        if dry_run:
            for change in changes:
                report.count(change.action)
            return report
        to_read = [found[change.key] for change in changes if change.action != "remove"]
        alias_set = Aliases.load(aliases_file(store.root, aliases))
        rederive = entities and not fresh and manifest.entities != entity_fingerprint(alias_set)
        if not (fresh or changes or rederive):  # nothing to write: no commit, no new index state
            if manifest.files != records_before:  # files touched but unchanged: remember their new times
                store.save_manifest(manifest)
            restore_derived_files(store)
            inbox.drop(applied)
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
            rename_across_index(store, generation, manifest, alias_set, new_generation=fresh,
                                elsewhere=names_elsewhere)
            if fresh:
                store.make_current(generation)
        except BaseException as error:
            if fresh:
                store.discard(generation)
            else:
                _clear_after_failure(store)
            if isinstance(error, OSError):  # the index could not be written: disk full, read-only, ...
                raise NewsSearchError(f"could not write the index at {store.root}: {error.strerror or error}; "
                                      "it is as it was before this run") from error
            raise
        inbox.drop(applied)
    return report


def _apply_inbox(inbox: Inbox, report: IndexReport, *, dry_run: bool) -> AppliedBatches:
    """The batches waiting in the inbox, applied to `posted/` (dropped when the run has committed them)."""
    if dry_run:
        return AppliedBatches()
    try:
        applied = inbox.apply()
    except OSError as error:
        raise NewsSearchError(f"could not apply the articles posted to {inbox.folder}: "
                              f"{error.strerror or error}") from error
    report.errors.extend(applied.problems)
    return applied


def _files_to_index(inbox: Inbox, roots: list[Path], applied: AppliedBatches, posted_before: str | None,
                    report: IndexReport, *, posted_only: bool) -> tuple[list[Path], dict[str, FoundFile]]:
    """The run's scope (the folder of articles posted over HTTP first, then the paths given) and the files
    found in it; with `posted_only`, the posted files the applied batches changed. An index folder that
    was moved or copied has its posted files at a new place (`posted_before`: where the manifest saw
    them): the old place joins the scope, so that they are read again from the new one and their old
    records go."""
    moved = posted_before is not None and posted_before != path_text(resolved(inbox.posted))
    if posted_only and not moved:
        return ([inbox.posted / file for file in applied.files],
                {file.key: file for file in inbox.posted_files(applied.files)})
    scope = [inbox.posted, *roots] if inbox.posted.is_dir() else list(roots)
    found = {file.key: file for file in find_files(scope, report.errors, report.skipped)}
    return (scope + [Path(posted_before)] if moved else scope), found


def _rebuild_for_lasting_ids(manifest: Manifest, roots: list[Path]) -> str:
    """Why an index whose article ids depend on absolute paths is built again from `roots`; a
    NewsSearchError when they do not hold all its files (the rebuild would lose the others)."""
    outside = sorted(key for key in manifest.files if not in_scope(key, roots))
    if outside:
        more = f" and {len(outside) - 1} more files" if len(outside) > 1 else ""
        raise NewsSearchError(f"this index was made by an older version, whose article ids depended on where its "
                              f"files lay; index all its folders again with --rebuild ({shown_key(outside[0])}{more} "
                              "not under the paths given)")
    return ("the index was made by an older version, whose article ids depended on where its files lay; "
            "it was built again, and ids now stay the same when a folder moves")


def _clear_after_failure(store: IndexStore) -> None:
    """Remove what a failed commit wrote (on a full disk, to give the space back at once)."""
    try:
        store.clear_debris()
    except (OSError, NewsSearchError):  # the next writer clears it; the run's own error is the one to report
        pass


def _auto_jobs(enough_work: bool) -> int:
    """All cores when there is enough text to pay for starting the model in each
    (or every stored article's entities are to be derived again); else one."""
    return _cores() if enough_work else 1


def _cores() -> int:
    return max(1, os.cpu_count() or 1)


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
        if key not in found and key not in held and in_scope(key, roots):
            changes.append(Change("remove", key, shown_key(key)))
    return changes


def _unchanged(file: FoundFile, record, manifest: Manifest) -> bool:
    """Unchanged on disk; a file that only got a new time has it remembered."""
    same = unchanged_on_disk(file, record)
    if same is not None and same != record:
        manifest.files[file.key] = same
    return same is not None


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
    read = (_with_changed_articles(batch, file, read_file(file)) for file in to_read)
    for (file, outcome, stored), changed in extractor.enrich_batches(read):
        report.errors.extend(outcome.problems)
        if outcome.record is None:
            report.failed += 1
            report.failed_files.add(file.key)
        else:
            kept = {article.id for article in outcome.articles} - {article.id for article in changed}
            for article_id, entry in stored.items():
                if article_id not in kept:
                    batch.remove(entry)
            for article in changed:
                batch.add(article)
            manifest.files[file.key] = outcome.record
            report.articles += len(outcome.articles)
            report.count(actions[file.key])
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
    """Give every stored article (but those written by this batch) its entities under the current rules
    and aliases; only those whose own entities change are written again."""
    own_before = batch.own_entities()
    for chunk in _chunks(batch.stored_articles(), 1000):
        for entry, article in zip(chunk, extractor.enrich([entry.article for entry in chunk]), strict=True):
            if entity_lists(article) != own_before.get(entry.docnum):
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
