import json
import os
import pathlib
import shutil
import threading
import time

import pytest

from search import IndexLockedError, IndexStore, NewsIndex, NewsSearchError, SearchRequest, index_paths
from search import reading
from search.article import Article
from search.entities import Aliases
from search.index.writing import Batch
from search.manifest import Manifest
from search.renaming import rename_across_index

from .conftest import SEEDS, oil_stories, write_jsonl

AN_HOUR_AGO = time.time() - 3600


def counts(report):
    return (report.added, report.updated, report.removed, report.unchanged, report.failed)


def titles(index: NewsIndex, query: str = "") -> list[str]:
    return sorted(hit.title for hit in index.search(SearchRequest(query=query, per_page=100)).hits)


def make_folder(folder):
    folder.mkdir(exist_ok=True)
    for name in ("one", "two", "three"):
        (folder / f"{name}.txt").write_text(f"Story {name}\n\nThe {name} story body.\n")
    return folder


def test_second_run_changes_nothing_and_touch_edit_delete_count_once(store, articles_dir):
    make_folder(articles_dir)
    assert counts(index_paths(store, [articles_dir])) == (3, 0, 0, 0, 0)
    assert counts(index_paths(store, [articles_dir])) == (0, 0, 0, 3, 0)

    os.utime(articles_dir / "one.txt", ns=(1, 1))                      # touched: same content
    (articles_dir / "two.txt").write_text("Story two\n\nAn edited body.\n")
    (articles_dir / "three.txt").unlink()
    report = index_paths(store, [articles_dir])
    assert counts(report) == (0, 1, 1, 1, 0)
    index = NewsIndex(store.root)
    assert titles(index) == ["Story one", "Story two"]
    assert titles(index, "edited") == ["Story two"]
    assert titles(index, "three") == []
    assert counts(index_paths(store, [articles_dir])) == (0, 0, 0, 2, 0)


def test_unchanged_files_are_not_read_again(store, articles_dir, monkeypatch):
    make_folder(articles_dir)
    index_paths(store, [articles_dir])
    def read(path, *args):
        pytest.fail(f"{path} was read")

    monkeypatch.setattr(reading, "read_at_most", read)
    monkeypatch.setattr(reading, "sha256_of_file", read)
    assert counts(index_paths(store, [articles_dir])) == (0, 0, 0, 3, 0)


def test_only_files_under_the_given_paths_can_be_removed(store, tmp_path):
    first, second = make_folder(tmp_path / "a"), make_folder(tmp_path / "b")
    index_paths(store, [first, second])
    (second / "one.txt").unlink()
    assert counts(index_paths(store, [first])) == (0, 0, 0, 3, 0)
    assert counts(index_paths(store, [second])) == (0, 0, 1, 2, 0)


def test_dry_run_lists_changes_and_writes_nothing(store, articles_dir):
    make_folder(articles_dir)
    index_paths(store, [articles_dir])
    (articles_dir / "four.txt").write_text("Story four\n\nBody.\n")
    (articles_dir / "one.txt").unlink()
    report = index_paths(store, [articles_dir], dry_run=True)
    assert [(c.action, os.path.basename(c.shown)) for c in report.changes] == [("add", "four.txt"), ("remove", "one.txt")]
    assert counts(report) == (1, 0, 1, 2, 0)
    assert titles(NewsIndex(store.root)) == ["Story one", "Story three", "Story two"]


def test_a_broken_file_is_reported_and_the_rest_of_the_batch_indexed(store, articles_dir):
    make_folder(articles_dir)
    (articles_dir / "bad.jsonl").write_text("not json\n")
    (articles_dir / "empty.txt").write_bytes(b"")
    report = index_paths(store, [articles_dir])
    assert counts(report) == (3, 0, 0, 0, 2)
    assert sorted((os.path.basename(e.path), e.line) for e in report.errors) == [("bad.jsonl", 1), ("empty.txt", None)]
    # A failed file is tried again next time, so its problem is not forgotten.
    assert counts(index_paths(store, [articles_dir])) == (0, 0, 0, 3, 2)


def test_a_file_that_breaks_keeps_its_previous_articles(store, articles_dir):
    path = write_jsonl(articles_dir / "feed.jsonl", [{"id": "1", "title": "Kept", "body": "Kept text."}])
    index_paths(store, [articles_dir])
    path.write_bytes(b"\x00\x01 binary now")
    report = index_paths(store, [articles_dir])
    assert counts(report) == (0, 0, 0, 0, 1)
    assert titles(NewsIndex(store.root)) == ["Kept"]


def test_rebuild_swaps_in_a_fresh_index_of_exactly_the_given_paths(store, tmp_path):
    first, second = make_folder(tmp_path / "a"), tmp_path / "b"
    second.mkdir()
    (second / "x.txt").write_text("Other story\n\nBody.\n")
    index_paths(store, [first])
    old_generation = store.current_generation()
    report = index_paths(store, [second], rebuild=True)
    assert counts(report) == (1, 0, 0, 0, 0)
    assert store.current_generation() != old_generation
    assert titles(NewsIndex(store.root)) == ["Other story"]


def test_an_interrupted_run_leaves_the_previous_index_intact(store, articles_dir, monkeypatch):
    make_folder(articles_dir)
    index_paths(store, [articles_dir])
    (articles_dir / "one.txt").write_text("Story one\n\nChanged.\n")
    (articles_dir / "two.txt").unlink()

    def interrupt(self, article):
        raise KeyboardInterrupt

    monkeypatch.setattr(Batch, "add", interrupt)
    with pytest.raises(KeyboardInterrupt):
        index_paths(store, [articles_dir])
    monkeypatch.undo()
    assert titles(NewsIndex(store.root)) == ["Story one", "Story three", "Story two"]
    assert counts(index_paths(store, [articles_dir])) == (0, 1, 1, 1, 0)


def test_an_interrupted_rebuild_leaves_the_previous_index_and_no_debris(store, articles_dir, monkeypatch):
    make_folder(articles_dir)
    index_paths(store, [articles_dir])
    before = sorted(os.listdir(store.root))
    monkeypatch.setattr(Batch, "add", lambda self, article: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        index_paths(store, [articles_dir], rebuild=True)
    monkeypatch.undo()
    assert sorted(os.listdir(store.root)) == before
    assert len(titles(NewsIndex(store.root))) == 3


def test_a_second_writer_waits_then_names_the_holder(store, articles_dir):
    make_folder(articles_dir)
    index_paths(store, [articles_dir])
    with store.write_lock():
        started = time.monotonic()
        with pytest.raises(IndexLockedError, match=rf"being written by pid {os.getpid()} on .*; wait for it"):
            index_paths(store, [articles_dir], lock_timeout=0.3)
        assert time.monotonic() - started >= 0.3


def test_a_writer_that_finishes_in_time_lets_the_next_one_in(store, articles_dir):
    make_folder(articles_dir)
    lock = store.write_lock()
    lock.__enter__()
    threading.Timer(0.2, lock.__exit__, (None, None, None)).start()
    assert counts(index_paths(store, [articles_dir], lock_timeout=5)) == (3, 0, 0, 0, 0)


def test_a_long_lived_searcher_sees_commits_and_rebuilds(store, articles_dir):
    make_folder(articles_dir)
    index_paths(store, [articles_dir])
    index = NewsIndex(store.root)
    first = index.searcher()
    assert index.searcher() is first
    (articles_dir / "four.txt").write_text("Story four\n\nBody.\n")
    index_paths(store, [articles_dir])
    assert not first.is_current()
    assert "Story four" in titles(index)
    index_paths(store, [articles_dir / "four.txt"], rebuild=True)
    assert titles(index) == ["Story four"]


def test_parallel_reading_gives_the_same_index(tmp_path):
    results = []
    for jobs in (1, 2):
        store = IndexStore(tmp_path / f"index{jobs}")
        report = index_paths(store, [SEEDS, make_folder(tmp_path / f"f{jobs}")], jobs=jobs)
        results.append((counts(report), sorted(h.title for h in NewsIndex(store.root).search(SearchRequest()).hits)))
    assert results[0][0] == results[1][0] == (4, 0, 0, 0, 0)
    assert results[0][1] == results[1][1]


def test_unreadable_files_are_reported_and_the_rest_indexed(store, articles_dir, monkeypatch):
    make_folder(articles_dir)
    real_read = reading.read_at_most

    def read_at_most(path, limit, identity):
        if path.name == "one.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path, limit, identity)

    monkeypatch.setattr(reading, "read_at_most", read_at_most)
    report = index_paths(store, [articles_dir])
    assert counts(report) == (2, 0, 0, 0, 1)
    assert [(os.path.basename(e.path), e.message) for e in report.errors] == [("one.txt", "cannot be read: Permission denied")]


def test_symlink_loops_and_dangling_links_do_not_stop_a_walk(store, articles_dir):
    make_folder(articles_dir)
    (articles_dir / "loop").symlink_to(articles_dir, target_is_directory=True)
    (articles_dir / "gone.txt").symlink_to(articles_dir / "missing.txt")
    assert counts(index_paths(store, [articles_dir])) == (3, 0, 0, 0, 0)


def test_the_index_folder_holds_one_current_generation_and_the_previous(store, articles_dir):
    make_folder(articles_dir)
    for _ in range(3):
        index_paths(store, [articles_dir], rebuild=True)
    generations = sorted(name for name in os.listdir(store.root) if name.startswith("g"))
    assert generations == ["g000002", "g000003"]
    assert os.readlink(store.current_link) == "g000003"
    shutil.rmtree(store.root)


def wire_files(folder: pathlib.Path, files: int = 4, per_file: int = 150) -> pathlib.Path:
    """Enough articles that a parallel writer hands batches to every process."""
    folder.mkdir(exist_ok=True)
    for number in range(files):
        write_jsonl(folder / f"wire{number}.jsonl", [
            {"id": f"w{number}-{n}", "title": f"Harbour report {number}-{n}", "date": f"2024-0{1 + n % 9}-0{1 + n % 9}",
             "source": ["Wire A", "Wire B", "Wire C"][n % 3],
             "body": f"Ships {'loaded grain' if n % 2 else 'unloaded oil'} in Rotterdam on day {n}."}
            for n in range(per_file)])
    return folder


@pytest.fixture
def parallel_builds(monkeypatch):
    """Call it, and every new index is written in parallel, as a large first build on two or more cores is."""
    from search import indexer

    def enable() -> None:
        monkeypatch.setattr(indexer, "PARALLEL_BYTES", 0)
        monkeypatch.setattr(indexer, "_cores", lambda: 2)
    return enable


def test_a_parallel_first_build_gives_the_same_index_in_several_segments(tmp_path, parallel_builds):
    folder = wire_files(tmp_path / "wire")
    serial = IndexStore(tmp_path / "serial")
    index_paths(serial, [folder], entities=False)
    parallel_builds()
    parallel = IndexStore(tmp_path / "parallel")
    assert counts(index_paths(parallel, [folder], entities=False)) == (4, 0, 0, 0, 0)
    results = []
    for store in (serial, parallel):
        index = NewsIndex(store.root)
        result = index.search(SearchRequest(query="grain", per_page=1000))
        results.append((result.total, sorted(hit.id for hit in result.hits), result.facets))
        index.close()
    assert results[0] == results[1]
    assert results[0][0] == 300
    with parallel.open().reader() as reader:
        assert len(list(reader.leaf_readers())) >= 2


def test_an_interrupted_parallel_build_stops_its_processes_and_leaves_nothing(store, tmp_path, monkeypatch,
                                                                               parallel_builds):
    import multiprocessing
    parallel_builds()
    folder = wire_files(tmp_path / "wire")
    added = []
    original_add = Batch.add

    def add_then_interrupt(self, article):
        added.append(article)
        if len(added) == 450:
            raise KeyboardInterrupt
        original_add(self, article)

    monkeypatch.setattr(Batch, "add", add_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        index_paths(store, [folder], entities=False)
    assert multiprocessing.active_children() == []
    assert not store.exists()
    assert not [name for name in os.listdir(store.root) if name.startswith("g")]


def test_a_parallel_writer_that_loses_a_segment_fails_instead_of_dropping_articles(store, tmp_path, monkeypatch,
                                                                                   parallel_builds):
    import queue
    parallel_builds()

    from search import NewsSearchError
    from search.index.writing import ParallelWriter
    folder = wire_files(tmp_path / "wire")
    original_commit = ParallelWriter.commit

    def commit_missing_one_result(self, *args, **kwargs):
        # Whoosh waits one second per sub-process result and silently goes on without it.
        real_get = self.resultqueue.get
        missed = []

        def get(timeout):
            result = real_get(timeout=timeout)
            if not missed:
                missed.append(result)
                raise queue.Empty
            return result

        self.resultqueue.get = get
        original_commit(self, *args, **kwargs)

    monkeypatch.setattr(ParallelWriter, "commit", commit_missing_one_result)
    with pytest.raises(NewsSearchError, match=r"wrote \d+ of 600 articles; the new index was not used"):
        index_paths(store, [folder], entities=False)
    assert not store.exists()


def test_without_entities_then_with_them(store):
    index_paths(store, [SEEDS], entities=False)
    index = NewsIndex(store.root)
    seed = index.search(SearchRequest(query="North Korea")).hits[0]
    assert (seed.people, seed.orgs, seed.places) == ([], [], [])
    report = index_paths(store, [SEEDS])
    assert counts(report) == (0, 0, 0, 1, 0)
    seed = index.search(SearchRequest(query="North Korea")).hits[0]
    assert seed.people == ["Yoon Suk-yeol", "Volodymyr Zelensky"]
    index.close()


def test_a_changed_file_rewrites_only_its_changed_articles(store, articles_dir, monkeypatch):
    stories = [{"id": f"s{n}", "title": f"Harbour story {n}", "date": f"2024-03-0{n}",
                "body": f"Ships waited in the harbour on day {n}."} for n in range(1, 5)]
    write_jsonl(articles_dir / "wire.jsonl", stories)
    index_paths(store, [articles_dir])
    stories[1]["title"] = "Harbour story two, corrected"
    stories[2]["date"] = "2024-03-09"
    del stories[3]
    write_jsonl(articles_dir / "wire.jsonl", stories)
    written = []
    original_add = Batch.add
    monkeypatch.setattr(Batch, "add", lambda self, article: (written.append(article.title), original_add(self, article)))
    assert counts(index_paths(store, [articles_dir])) == (0, 1, 0, 0, 0)
    assert sorted(written) == ["Harbour story 3", "Harbour story two, corrected"]
    index = NewsIndex(store.root)
    hits = index.search(SearchRequest(query="harbour", sort="oldest", per_page=10)).hits
    assert [(hit.title, hit.date) for hit in hits] == [
        ("Harbour story 1", "2024-03-01"), ("Harbour story two, corrected", "2024-03-02"),
        ("Harbour story 3", "2024-03-09")]
    index.close()


def test_an_empty_folder_gives_an_empty_index_that_answers(store, articles_dir):
    assert counts(index_paths(store, [articles_dir])) == (0, 0, 0, 0, 0)
    index = NewsIndex(store.root)
    for query in ("harbour", '"oil prices"', "ship*", "NOT oil", ""):
        assert index.search(SearchRequest.from_text(query=query)).total == 0
    assert index.stats().articles == 0
    index.close()


def test_a_writer_killed_with_its_workers_alive_does_not_leave_the_index_locked(store, tmp_path):
    """Workers inherit the lock's descriptor; they let go of it and die with their parent."""
    import signal
    import subprocess
    import sys
    script = f"""
import multiprocessing, os, sys, time
from pathlib import Path
from search.index.lock import WriteLock
from search.processes import start_worker

def worker(parent):
    start_worker(parent)
    time.sleep(60)

lock = WriteLock(Path({str(store.root / "write.lock")!r}), 0).__enter__()
child = multiprocessing.Process(target=worker, args=(os.getpid(),))
child.start()
print(child.pid, flush=True)
time.sleep(60)
"""
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    worker_pid = int(writer.stdout.readline())
    time.sleep(0.5)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    with store.write_lock(timeout=5) as lock:
        assert lock.abandoned_by and f"pid {writer.pid} on" in lock.abandoned_by
    time.sleep(0.5)
    assert not running(worker_pid)


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_file_over_the_size_limit_is_reported_and_the_rest_indexed(store, articles_dir, monkeypatch):
    make_folder(articles_dir)
    (articles_dir / "big.txt").write_text("Big story\n\n" + "words " * 400_000)
    monkeypatch.setenv("NEWS_SEARCH_MAX_FILE_MB", "1")
    report = index_paths(store, [articles_dir], entities=False)
    assert counts(report) == (3, 0, 0, 0, 1)
    assert [error.message for error in report.errors] == [
        "the file is 2.3 MB, over the limit of 1.0 MB per file (set NEWS_SEARCH_MAX_FILE_MB to raise it)"]


def test_huge_text_files_are_indexed_in_bounded_time_with_their_text_cut(store, articles_dir):
    with open(articles_dir / "huge.txt", "wb") as out:  # 200 MB, as the reliability issue asks
        out.write(b"Huge report\n\n")
        for _ in range(200):
            out.write(b"ships waited at the harbour " * 37_450)
    (articles_dir / "line.txt").write_bytes(b"One line\n\n" + b"harbour " * 655_360)  # a 5 MB single line
    started = time.monotonic()
    report = index_paths(store, [articles_dir], entities=False)
    assert time.monotonic() - started < 120
    assert counts(report) == (2, 0, 0, 0, 0)
    assert sorted(error.message.split(" is ")[1] for error in report.errors) == [
        "209,719,999 characters long; only its first 1,000,000 are indexed",
        "5,242,879 characters long; only its first 1,000,000 are indexed"]
    index = NewsIndex(store.root)
    assert index.search(SearchRequest(query="harbour")).total == 2
    index.close()


@pytest.mark.parametrize("failure", [(28, "No space left on device"), (13, "Permission denied")])
def test_a_disk_that_fails_during_the_commit_leaves_the_previous_index(store, articles_dir, monkeypatch, failure):
    from whoosh.filedb.filestore import FileStorage

    from search import NewsSearchError
    make_folder(articles_dir)
    index_paths(store, [articles_dir], entities=False)
    (articles_dir / "four.txt").write_text("Story four\n\nThe four story body.\n")
    original = FileStorage.create_file

    def failing_create_file(self, name, *args, **kwargs):
        if "toc" in name:  # the table of contents: the last step of a commit
            raise OSError(failure[0], failure[1])
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(FileStorage, "create_file", failing_create_file)
    with pytest.raises(NewsSearchError, match=rf"could not write the index at .*: {failure[1]}; it is as it was"):
        index_paths(store, [articles_dir], entities=False)
    assert titles(NewsIndex(store.root)) == ["Story one", "Story three", "Story two"]
    monkeypatch.undo()
    assert counts(index_paths(store, [articles_dir], entities=False)) == (1, 0, 0, 3, 0)
    assert titles(NewsIndex(store.root)) == ["Story four", "Story one", "Story three", "Story two"]


def test_an_index_folder_that_cannot_be_written_is_a_clear_error(tmp_path, articles_dir, monkeypatch):
    import builtins

    from search import NewsSearchError
    make_folder(articles_dir)
    store = IndexStore(tmp_path / "readonly")
    original_open = builtins.open

    def refusing_open(file, mode="r", *args, **kwargs):
        if str(file).startswith(str(store.root)) and any(flag in mode for flag in "wa+"):
            raise PermissionError(13, "Permission denied")
        return original_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    with pytest.raises(NewsSearchError, match=r"cannot write to the index folder .*readonly: Permission denied"):
        index_paths(store, [articles_dir], entities=False)


def test_a_run_with_nothing_to_do_commits_nothing_but_remembers_touched_files(store, articles_dir, monkeypatch):
    make_folder(articles_dir)
    index_paths(store, [articles_dir])
    commit = store.open().latest_generation()
    os.utime(articles_dir / "one.txt", (AN_HOUR_AGO, AN_HOUR_AGO))  # touched, not changed
    assert counts(index_paths(store, [articles_dir])) == (0, 0, 0, 3, 0)
    assert store.open().latest_generation() == commit
    hashed = []
    monkeypatch.setattr(reading, "sha256_of_file", lambda path, *args: hashed.append(path) or "")
    assert counts(index_paths(store, [articles_dir])) == (0, 0, 0, 3, 0)
    assert hashed == []  # the new time was recorded: no file had to be read again


def _article(number: int, **entities) -> Article:
    return Article(id=f"a{number}", file=f"/news/{number}.txt", path=f"{number}.txt", title=f"Story {number}",
                   body=f"Body of story {number}.", **{kind: tuple(names) for kind, names in entities.items()})


def test_names_across_the_index_are_written_into_every_article_and_kept_for_searches(store):
    generation = store.new_generation()
    with Batch(store, generation) as batch:
        batch.add(_article(1, people=["Qaboos bin Said", "Qaboos"], orgs=["Exxon"]))
        batch.add(_article(2, people=["Qaboos"], orgs=["Exxon Corp"], places=["Pittsburgh"]))
        batch.add(_article(3, orgs=["Pittsburgh"]))
        batch.add(_article(4, orgs=["Pittsburgh"]))
        batch.manifest = Manifest(files={})
    store.make_current(generation)
    manifest = store.manifest()
    assert rename_across_index(store, generation, manifest, Aliases.none()) == 2
    index = NewsIndex(store.root)
    try:
        second = index.article("a2")
        assert (second.people, second.orgs, second.places) == (("Qaboos bin Said",), ("Exxon", "Pittsburgh"), ())
        assert store.manifest().names == {"people": {"qaboos": "Qaboos bin Said"}, "orgs": {"exxon corp": "Exxon"}}
        assert index.search(SearchRequest(orgs=("exxon corp",))).total == 2
        assert index.search(SearchRequest(query="person:qaboos")).total == 2
    finally:
        index.close()
    # Nothing left to change: no new commit.
    assert rename_across_index(store, generation, store.manifest(), Aliases.none()) == 0


def test_an_index_made_before_own_entities_were_kept_takes_new_articles(store, articles_dir):
    from whoosh import index as whoosh_index

    from search.index.schema import build_schema

    generation = store.new_generation()
    old_schema = build_schema()
    old_schema.remove("own_entities")
    whoosh_index.create_in(str(generation), old_schema)
    store.make_current(generation)
    write_jsonl(articles_dir / "wire.jsonl", [{"id": "1", "title": "Harbour", "body": "The harbour reopened."}])
    report = index_paths(store, [articles_dir], entities=False)
    assert report.articles == 1 and not report.errors
    assert NewsIndex(store.root).search(SearchRequest(query="harbour")).total == 1


def _ids_and_paths(store) -> list[tuple[str, str, str]]:
    index = NewsIndex(store.root)
    try:
        return sorted((hit.id, hit.title, hit.path) for hit in index.search(SearchRequest(per_page=100)).hits)
    finally:
        index.close()


def test_article_ids_stay_when_the_folder_moves(tmp_path, store):
    archive = tmp_path / "mnt" / "news"
    (archive / "2024").mkdir(parents=True)
    write_jsonl(archive / "2024" / "wire.jsonl", oil_stories(3))
    (archive / "note.txt").write_text("A note\n\nHarbour cranes stood still.", encoding="utf-8")
    index_paths(store, [archive])
    before = _ids_and_paths(store)
    assert {path for _, _, path in before} == {"news/2024/wire.jsonl", "news/note.txt"}  # no server path
    moved = tmp_path / "srv" / "news"
    moved.parent.mkdir()
    archive.rename(moved)
    report = index_paths(store, [moved, tmp_path / "mnt"])  # the old place is gone: its files are removed
    assert (report.added, report.removed) == (2, 2)
    assert _ids_and_paths(store) == before
    fresh = IndexStore(tmp_path / "other-index")
    index_paths(fresh, [moved])
    assert _ids_and_paths(fresh) == before


def test_an_index_with_ids_by_absolute_path_is_built_again_with_a_note(tmp_path, store, articles_dir):
    write_jsonl(articles_dir / "wire.jsonl", oil_stories(2))
    index_paths(store, [articles_dir])
    manifest_path = store.current_generation() / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["format"] = 1  # as the first version wrote it
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(NewsSearchError, match="index all its folders again with --rebuild .*wire.jsonl"):
        index_paths(store, [elsewhere])
    report = index_paths(store, [articles_dir])
    assert "built again" in report.rebuilt and report.added == 1
    assert len(_ids_and_paths(store)) == 2
    assert index_paths(store, [articles_dir]).rebuilt is None


def test_two_files_with_one_path_below_their_folders_keep_apart(tmp_path, store):
    for parent in ("a", "b"):
        folder = tmp_path / parent / "news"
        folder.mkdir(parents=True)
        write_jsonl(folder / "wire.jsonl", [{"id": "1", "title": f"Story from {parent}", "body": "Ships sailed."}])
    report = index_paths(store, [tmp_path / "a" / "news", tmp_path / "b" / "news"])
    assert report.added == 2 and len({article_id for article_id, _, _ in _ids_and_paths(store)}) == 2
    assert any("same path below its folder (news/wire.jsonl)" in note.message for note in report.skipped)
