"""Keeping an index up to date with folders: index again whenever files under them change.

Change events come from watchdog (inotify on Linux) or, where those are not
available or with `polling`, from scanning every interval. A burst of events
becomes one batch: each tick looks at the files' sizes and times, and a file
that changed since the previous tick is still being written, so it waits (it
is `held`: neither read nor removed) until it stays the same for one tick.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import EVENT_TYPE_CLOSED_NO_WRITE, EVENT_TYPE_OPENED, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .errors import NewsSearchError
from .index.store import IndexStore
from .report import IndexReport
from .scanning import find_files
from .shard_runs import index_root
from .readers import handles

Snapshot = dict[str, tuple[int, int]]  # absolute path -> (size, mtime_ns)


@dataclass(frozen=True)
class WatchBatch:
    """What one tick did: the index run's report, its duration, the files left for later,
    and the error that stopped it (such as another writer holding the lock), if any."""

    report: IndexReport
    seconds: float
    waiting: int
    error: str | None = None

    @property
    def changed(self) -> bool:
        report = self.report
        return bool(report.added or report.updated or report.removed or report.failed or report.errors
                    or report.skipped or self.error)


class _Changes(FileSystemEventHandler):
    """Notes events that may matter: files a reader handles, and folders appearing or going.
    (So an index kept inside a watched folder does not set off ticks with its own files.)
    Opening and reading a file is no change: the indexer's own reads must not set off a tick."""

    _NOT_CHANGES = (EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE)

    def __init__(self) -> None:
        self.seen = threading.Event()

    def on_any_event(self, event) -> None:
        if event.event_type in self._NOT_CHANGES:
            return
        if event.is_directory:
            if event.event_type != "modified":
                self.seen.set()
        elif any(path and handles(Path(path)) for path in (event.src_path, getattr(event, "dest_path", ""))):
            self.seen.set()


class FolderWatcher:
    """Indexes `paths` into `store` (sharded or not) now, then again after every change, until `stop` is set."""

    def __init__(self, store: IndexStore, paths: Iterable[Path], *, interval: float = 2.0, entities: bool = True,
                 polling: bool = False, lock_timeout: float = 10.0,
                 on_batch: Callable[[WatchBatch], None] = lambda batch: None) -> None:
        self.store = store
        self.paths = [Path(path) for path in paths]
        self.interval = interval
        self.entities = entities
        self.polling = polling
        self.lock_timeout = lock_timeout
        self.on_batch = on_batch
        self.stop = threading.Event()
        self._previous: Snapshot = {}
        self._failed: Snapshot = {}  # files that could not be indexed, as they were then
        self._noted: set[str] = set()  # links not followed, already reported
        self._changes = _Changes()

    def run(self) -> None:
        observer = self._start_observer()
        try:
            self._changes.seen.set()  # the first tick always looks
            while not self.stop.is_set():
                if self._changes.seen.is_set() or observer is None:
                    self._changes.seen.clear()
                    batch = self.tick()
                    if batch.waiting or batch.error:
                        self._changes.seen.set()  # look again next tick
                self.stop.wait(self.interval)
        finally:
            if observer is not None:
                observer.stop()
                observer.join()

    def tick(self) -> WatchBatch:
        """Index what is new, changed or gone, but for files still changing since the last tick and
        files that failed and have not changed since (each failure is reported once)."""
        current = snapshot(self.paths)
        changing = [path for path, state in current.items() if self._previous.get(path, state) != state]
        # A file first seen on this tick has no earlier state: wait one tick unless it is old enough.
        fresh = [path for path in current if path not in self._previous and _modified_recently(current[path],
                                                                                              self.interval)]
        self._failed = {path: state for path, state in self._failed.items() if current.get(path) == state}
        self._previous = current
        held = sorted({*changing, *fresh})
        started = time.monotonic()
        try:
            report, error = index_root(self.store, self.paths, entities=self.entities,
                                        hold=[*held, *self._failed], lock_timeout=self.lock_timeout), None
        except NewsSearchError as problem:
            self._previous = {}  # nothing was written: look at everything again
            report, error = IndexReport(), str(problem)
        self._failed.update((path, current[path]) for path in report.failed_files if path in current)
        report.skipped = [note for note in report.skipped if note.path not in self._noted]
        self._noted.update(note.path for note in report.skipped)
        batch = WatchBatch(report, time.monotonic() - started, len(held), error)
        self.on_batch(batch)
        return batch

    def _start_observer(self):
        """Watchdog's native observer; its polling one when asked or when the native one fails;
        None (scan every tick) when neither can start."""
        for kind in ([PollingObserver] if self.polling else [Observer, PollingObserver]):
            observer = kind(timeout=self.interval) if kind is PollingObserver else kind()
            try:
                for path in self.paths:
                    observer.schedule(self._changes, str(path if path.is_dir() else path.parent),
                                      recursive=path.is_dir())
                observer.start()
                return observer
            except OSError:
                continue
        return None


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Size and modification time of every file the indexer would look at under `paths`."""
    return {file.key: (file.size, file.mtime_ns) for file in find_files([Path(path) for path in paths], [])}


def _modified_recently(state: tuple[int, int], seconds: float) -> bool:
    return time.time_ns() - state[1] < seconds * 1e9
