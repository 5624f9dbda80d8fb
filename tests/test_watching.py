"""Watching folders: `FolderWatcher` tick by tick, and `news-search watch` end to end."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from search import NewsIndex, SearchRequest
from search.index.lock import WriteLock
from search.watching import FolderWatcher

from .conftest import ROOT

AN_HOUR_AGO = time.time() - 3600


def story(folder: Path, name: str, words: str, *, old: bool = True) -> Path:
    path = folder / f"{name}.txt"
    path.write_text(f"Harbour {name}\n\nShips {words} at the harbour.\n", encoding="utf-8")
    if old:
        os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    return path


def titles(store) -> list[str]:
    index = NewsIndex(store.root)
    try:
        return sorted(hit.title for hit in index.search(SearchRequest(query="harbour", per_page=200)).hits)
    finally:
        index.close()


def test_a_tick_indexes_new_changed_and_removed_files(store, articles_dir):
    story(articles_dir, "one", "waited")
    story(articles_dir, "two", "loaded")
    watcher = FolderWatcher(store, [articles_dir], interval=60, entities=False)
    assert watcher.tick().report.added == 2
    story(articles_dir, "two", "unloaded grain")
    (articles_dir / "one.txt").unlink()
    batch = watcher.tick()  # the removal goes in; the edit waits one look to be sure it is complete
    assert (batch.report.updated, batch.report.removed, batch.waiting) == (0, 1, 1)
    batch = watcher.tick()
    assert (batch.report.updated, batch.waiting) == (1, 0)
    assert titles(store) == ["Harbour two"]
    assert not watcher.tick().changed


def test_a_file_still_being_written_waits_until_it_holds_still(store, articles_dir):
    watcher = FolderWatcher(store, [articles_dir], interval=60, entities=False)
    watcher.tick()
    growing = story(articles_dir, "growing", "began", old=False)  # just written: might not be finished
    batch = watcher.tick()
    assert (batch.report.added, batch.waiting) == (0, 1)
    growing.write_text(growing.read_text() + "More lines arrived.\n")
    assert watcher.tick().waiting == 1  # it changed again since the last look
    assert titles(store) == []
    batch = watcher.tick()  # unchanged since the last look: complete
    assert (batch.report.added, batch.waiting) == (1, 0)
    assert titles(store) == ["Harbour growing"]


def test_a_held_file_keeps_its_articles_while_it_is_rewritten(store, articles_dir):
    watcher = FolderWatcher(store, [articles_dir], interval=60, entities=False)
    path = story(articles_dir, "kept", "waited")
    watcher.tick()
    path.write_text("Harbour ke")  # half-way through being rewritten
    batch = watcher.tick()
    assert (batch.report.updated, batch.report.removed, batch.waiting) == (0, 0, 1)
    assert titles(store) == ["Harbour kept"]


def test_another_writer_holding_the_lock_is_logged_and_retried(store, articles_dir):
    story(articles_dir, "one", "waited")
    watcher = FolderWatcher(store, [articles_dir], interval=60, entities=False, lock_timeout=0.2)
    watcher.tick()
    story(articles_dir, "two", "loaded")
    with WriteLock(store.root / "write.lock", 0):
        batch = watcher.tick()
    assert batch.error and "being written by pid" in batch.error
    assert watcher.tick().report.added == 1
    assert titles(store) == ["Harbour one", "Harbour two"]


def test_watch_command_indexes_a_burst_of_100_files_and_removals(tmp_path):
    """The issue's check: 100 files dropped at once, all searchable in a few batches; 10 deleted, gone."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    index_dir = tmp_path / "index"
    watch = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "--index", str(index_dir), "watch", str(folder),
                              "--interval", "0.3"], stderr=subprocess.PIPE, text=True)
    try:
        for number in range(100):
            story(folder, f"file{number:03d}", f"number {number} waited", old=False)
        assert wait_for(lambda: count(index_dir) == 100)
        for number in range(10):
            (folder / f"file{number:03d}.txt").unlink()
        assert wait_for(lambda: count(index_dir) == 90)
    finally:
        watch.send_signal(signal.SIGTERM)  # as a service manager stops it
        _, log = watch.communicate(timeout=30)
    batches = [line for line in log.splitlines() if "Files:" in line]
    assert 2 <= len(batches) <= 10, log
    assert sum(int(line.split(" added")[0].rsplit(" ", 1)[1]) for line in batches) == 100
    assert "Stopped; the index holds every batch written so far." in log
    assert watch.returncode == 0


def count(index_dir: Path) -> int:
    if not (index_dir / "current").exists():
        return 0
    index = NewsIndex(index_dir)
    try:
        return index.search(SearchRequest(query="harbour", per_page=1)).total
    finally:
        index.close()


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_only_events_about_article_files_and_folders_wake_the_watcher():
    from watchdog.events import (
        DirCreatedEvent,
        DirModifiedEvent,
        FileCreatedEvent,
        FileModifiedEvent,
        FileMovedEvent,
    )

    from search.watching import _Changes
    for event, wakes in [(FileCreatedEvent("/in/new.txt"), True), (FileModifiedEvent("/in/feed.jsonl"), True),
                         (FileMovedEvent("/in/.part", "/in/page.html"), True), (DirCreatedEvent("/in/2024"), True),
                         (FileModifiedEvent("/in/index/write.lock"), False), (DirModifiedEvent("/in"), False),
                         (FileCreatedEvent("/in/index/g000001/MAIN_x.pst"), False)]:
        changes = _Changes()
        changes.on_any_event(event)
        assert changes.seen.is_set() == wakes, event
