"""Files a hostile or careless user can put in a folder: none may stop a run, lose good articles,
or leak a file from outside the folders given (issue 11, items 1-12)."""
from __future__ import annotations

import gc
import gzip
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from search import IndexStore, NewsIndex, NewsSearchError, SearchRequest, index_paths, indexer, reading
from search.article import Article
from search.entities import model
from search.errors import IndexDamagedError
from search.index.writing import Batch
from search.readers import ReadError, SourceFile, html, read_entries, reader_for
from search.scanning import FoundFile, find_files
from search.watching import FolderWatcher

from .conftest import write_jsonl

AN_HOUR_AGO = time.time() - 3600


def titles(store: IndexStore, query: str = "", **filters) -> list[str]:
    index = NewsIndex(store.root)
    try:
        return sorted(hit.title for hit in index.search(SearchRequest(query=query, per_page=100, **filters)).hits)
    finally:
        index.close()


def story(path: Path, title: str, body: str = "Ships waited at the harbour.") -> Path:
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    return path


def test_a_file_name_that_is_not_utf8_is_indexed_and_shown_escaped(store, articles_dir):
    story(articles_dir / "good.txt", "Good story")
    story(Path(os.fsdecode(bytes(articles_dir) + b"/bad\xff.txt")), "Oddly named story")
    report = index_paths(store, [articles_dir], entities=False)
    assert (report.added, report.failed, report.errors) == (2, 0, [])
    index = NewsIndex(store.root)
    hit = index.search(SearchRequest(query="oddly")).hits[0]
    assert hit.path.endswith("bad\\xff.txt")
    index.close()
    assert index_paths(store, [articles_dir], entities=False).unchanged == 2
    assert FolderWatcher(store, [articles_dir], interval=60, entities=False).tick().error is None


def test_two_names_never_share_a_key(store, articles_dir):
    story(Path(os.fsdecode(bytes(articles_dir) + b"/bad\xff.txt")), "Zebra story")
    story(articles_dir / "bad\\xff.txt", "Llama story")  # a name that reads like the escaped one
    assert index_paths(store, [articles_dir], entities=False).added == 2
    assert titles(store) == ["Llama story", "Zebra story"]


def test_a_file_swapped_for_a_pipe_or_another_file_after_the_scan_is_not_read(tmp_path, articles_dir):
    path = story(articles_dir / "wire.txt", "Wire story")
    (found,) = list(find_files([articles_dir], []))
    # Kept under another name, so that its inode stays in use: a file system may give a freed inode
    # number to the next new file, and a file is known only by its device and inode.
    path.rename(tmp_path / "kept.txt")
    os.mkfifo(path)  # opening a pipe to read waits for a writer: forever
    outcome = reading.read_file(found)
    assert outcome.record is None and "no longer the regular file" in outcome.problems[0].message
    path.unlink()
    story(tmp_path / "outside.txt", "Outside story")
    path.symlink_to(tmp_path / "outside.txt")
    assert "became a link" in reading.read_file(found).problems[0].message
    path.unlink()
    story(path, "Another file")  # a new file (inode) under the old name
    assert "no longer the regular file" in reading.read_file(found).problems[0].message


def test_a_working_folder_deleted_under_a_run_does_not_stop_it(store, tmp_path, articles_dir, monkeypatch):
    story(articles_dir / "one.txt", "One story")
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert index_paths(store, [articles_dir], entities=False).added == 1


def test_an_article_longer_than_the_models_limit_is_read_in_pieces(store, articles_dir, monkeypatch):
    # The same limit as spaCy's 1,000,000 characters, scaled down so that the test is quick.
    nlp = model.load_model()
    monkeypatch.setattr(nlp, "max_length", 5_000)
    monkeypatch.setattr(model, "PIECE_CHARS", 4_000)
    paragraphs = ["The harbour was quiet that morning and the ships waited for the tide."] * 150
    paragraphs[-1] = "Later Angela Merkel arrived in Hamburg to speak to the dockers."
    write_jsonl(articles_dir / "long.jsonl", [{"id": "long", "title": "A long day at the harbour",
                                                "body": "\n\n".join(paragraphs)}])
    report = index_paths(store, [articles_dir])
    assert (report.added, report.errors) == (1, [])
    assert titles(store, people=("Angela Merkel",)) == ["A long day at the harbour"]


def test_text_pieces_cover_the_text_and_cut_at_paragraphs():
    text = "\n\n".join(f"Paragraph {n} " + "word " * (n % 50) for n in range(2000))
    pieces = model.text_pieces(text, size=1000)
    assert "".join(piece for _, piece in pieces) == text
    assert all(len(piece) <= 1000 for _, piece in pieces)
    assert all(text[offset:offset + len(piece)] == piece for offset, piece in pieces)
    assert all(piece.endswith("\n\n") for _, piece in pieces[:-1])
    assert [len(piece) for _, piece in model.text_pieces("x" * 2500, size=1000)] == [1000, 1000, 500]


@pytest.mark.parametrize("stamp", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00"])
def test_an_out_of_range_timestamp_costs_its_line_only(store, articles_dir, stamp):
    write_jsonl(articles_dir / "wire.jsonl", [
        {"id": "a", "title": "Before", "date": "2024-01-01", "body": "Harbour news."},
        {"id": "b", "title": "Broken", "date": stamp, "body": "Harbour news."},
        {"id": "c", "title": "After", "date": "2024-01-02", "body": "Harbour news."}])
    (articles_dir / "wire.csv").write_text(f"id,title,date,body\nd,Csv before,2024-01-01,Harbour.\n"
                                           f"e,Csv broken,{stamp},Harbour.\nf,Csv after,2024-01-02,Harbour.\n")
    report = index_paths(store, [articles_dir], entities=False)
    assert sorted((os.path.basename(error.path), error.line) for error in report.errors) == [("wire.csv", 3),
                                                                                           ("wire.jsonl", 2)]
    assert all("falls outside the years 1 to 9999" in error.message for error in report.errors)
    assert titles(store) == ["After", "Before", "Csv after", "Csv before"]


def test_csv_fields_longer_than_pythons_default_limit_are_read(store, articles_dir):
    long_body = "Harbour " + "cargo " * 40_000  # 240,000 characters: over csv's 131,072
    (articles_dir / "wire.csv").write_text(f'title,text\nLong one,"{long_body}"\nShort one,Harbour news.\n')
    report = index_paths(store, [articles_dir], entities=False)
    assert (report.added, report.errors) == (1, [])
    assert titles(store, "harbour") == ["Long one", "Short one"]


def test_links_out_of_the_folders_given_are_not_followed(store, tmp_path, articles_dir):
    secret = story(tmp_path / "secret.txt", "Secret memo", "Passwords are kept here.")
    other = tmp_path / "other"
    other.mkdir()
    shared = story(other / "shared.txt", "Shared story")
    story(articles_dir / "own.txt", "Own story")
    (articles_dir / "secret.txt").symlink_to(secret)
    (articles_dir / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (articles_dir / "shared.txt").symlink_to(shared)
    report = index_paths(store, [articles_dir], entities=False)
    assert titles(store) == ["Own story"]
    assert report.errors == [] and report.added == 1
    assert sorted(os.path.basename(note.path) for note in report.skipped) == ["elsewhere", "secret.txt", "shared.txt"]
    assert "outside the folders given; not followed" in report.skipped[0].message
    # With the other folder given too, its story is indexed once; a link named directly is read.
    index_paths(store, [articles_dir, other], entities=False)
    assert titles(store) == ["Own story", "Shared story"]
    index_paths(store, [articles_dir / "secret.txt"], entities=False)
    assert titles(store, "passwords") == ["Secret memo"]


def test_the_size_limit_holds_for_indexed_files_that_grow(store, articles_dir, monkeypatch):
    path = story(articles_dir / "wire.txt", "Growing story")
    index_paths(store, [articles_dir], entities=False)
    monkeypatch.setenv("NEWS_SEARCH_MAX_FILE_MB", "0.01")  # 10 KB
    with open(path, "a") as handle:
        handle.write("More words about ships. " * 2000)
    hashed = []
    monkeypatch.setattr(reading, "sha256_of_file", lambda *args: hashed.append(args) or "")
    report = index_paths(store, [articles_dir], entities=False)
    assert (report.failed, hashed) == (1, [])  # reported without being read or hashed
    assert "over the limit of 10,485 bytes per file" in report.errors[0].message
    assert titles(store) == ["Growing story"]  # the indexed version stays


def test_a_file_that_grew_after_it_was_looked_at_is_not_read_past_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "wire.txt"
    path.write_text("Title\n\n" + "Ships. " * 5000)
    monkeypatch.setenv("NEWS_SEARCH_MAX_FILE_MB", "0.01")
    outcome = reading.read_file(FoundFile(str(path), path, "wire.txt", size=100, mtime_ns=0))
    assert outcome.record is None and "over the limit" in outcome.problems[0].message


def test_every_member_of_a_gzip_page_is_read():
    page = b"<html><body><article>" + b"<p>First part of the article, long enough to keep.</p>" * 3
    rest = b"<p>Second part, which a reader of only the first member would drop.</p>" * 3 + b"</article></body></html>"
    data = gzip.compress(page) + gzip.compress(rest)
    (article,) = list(read_entries(SourceFile("/x/page.html.gz", "page.html.gz", data), html))
    assert "Second part" in article.body


def test_plain_pages_have_the_size_cap_of_compressed_ones(monkeypatch):
    monkeypatch.setattr(html, "MAX_PAGE_BYTES", 1000)
    (error,) = list(read_entries(SourceFile("/x/page.html", "page.html", b"<html>" + b" " * 2000), html))
    assert isinstance(error, ReadError) and "the page is over" in error.message


def test_metadata_cannot_send_commands_to_a_terminal():
    data = ('{"id": "x", "title": "Evil\\u001b]0;owned\\u0007 title\\rFAKE LINE", "source": "\\u001b[2JWire\\b",'
            ' "distributor": "Dist\\u009b31m", "url": "http://x\\u001b/", "body": "Body text\\u001b[31m here."}\n')
    (article,) = list(read_entries(SourceFile("/x/a.jsonl", "a.jsonl", data.encode()), reader_for(Path("a.jsonl"), b"")))
    shown = [article.title, article.source, article.distributor, article.url, article.body]
    assert shown == ["Evil]0;owned title FAKE LINE", "[2JWire", "Dist31m", "http://x/", "Body text[31m here."]


def test_a_file_that_fails_is_reported_once_until_it_changes(store, articles_dir):
    story(articles_dir / "good.txt", "Good story")
    empty = articles_dir / "empty.txt"
    empty.write_text("")
    os.utime(empty, (AN_HOUR_AGO, AN_HOUR_AGO))
    watcher = FolderWatcher(store, [articles_dir], interval=60, entities=False)
    reported = [len(watcher.tick().report.errors) for _ in range(4)]
    assert reported == [1, 0, 0, 0]
    story(empty, "Fixed story")
    os.utime(empty, (AN_HOUR_AGO + 60, AN_HOUR_AGO + 60))
    assert watcher.tick().waiting == 1  # changed since the last look: it waits one tick
    batch = watcher.tick()
    assert (batch.report.added, batch.report.errors) == (1, [])


def test_a_damaged_table_of_contents_or_manifest_names_the_file(store, articles_dir):
    story(articles_dir / "one.txt", "One story")
    index_paths(store, [articles_dir], entities=False)
    manifest = store.current_generation() / "manifest.json"
    manifest.write_text("{not json")
    with pytest.raises(IndexDamagedError, match=r"manifest\.json is damaged.*--rebuild"):
        index_paths(store, [articles_dir], entities=False)
    toc = next(store.current_generation().glob("_MAIN_*.toc"))
    toc.write_bytes(b"\x00garbage")
    with pytest.raises(IndexDamagedError, match=rf"{toc.name} is damaged.*--rebuild"):
        NewsIndex(store.root).search(SearchRequest())
    assert index_paths(store, [articles_dir], rebuild=True, entities=False).added == 1
    assert titles(store) == ["One story"]


def test_a_value_repeated_in_an_article_is_counted_once(store, articles_dir):
    story(articles_dir / "one.txt", "One story")
    index_paths(store, [articles_dir], entities=False)
    with Batch(store, store.current_generation()) as batch:
        batch.add(Article(id="twice", file="/nowhere", path="twice", title="Twice", body="Harbour.",
                          source="Wire", people=("Ada Lovelace", "ADA LOVELACE", "Ada Lovelace")))
    result = NewsIndex(store.root).search(SearchRequest(query="harbour"))
    assert [(value.value, value.count) for value in result.facets["people"]] == [("Ada Lovelace", 1)]


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB file system of its own (tmpfs), to be filled."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs (the project's CI runs as root)")
    folder = tmp_path / "disk"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(folder)]).returncode:
        pytest.skip("this machine does not allow mounting a tmpfs")
    yield folder
    gc.collect()  # Whoosh's mapped segment files close with their objects
    subprocess.run(["umount", "--lazy", str(folder)], check=True)  # and whatever still holds one, later


def test_a_full_disk_leaves_the_index_as_it_was_and_the_next_run_works(small_disk, tmp_path, monkeypatch, capfd):
    store = IndexStore(small_disk / "index")
    small, large = tmp_path / "small", tmp_path / "large"
    small.mkdir(), large.mkdir()
    story(small / "one.txt", "One story")
    write_jsonl(large / "big.jsonl", [{"id": n, "title": f"Big {n}", "body": " ".join(f"w{n}x{k}" for k in range(300))}
                                      for n in range(1500)])
    index_paths(store, [small], entities=False)
    before = sorted(os.listdir(store.current_generation()))
    with pytest.raises(NewsSearchError, match="No space left on device; it is as it was before this run"):
        index_paths(store, [small, large], entities=False)
    assert sorted(os.listdir(store.current_generation())) == before  # no partial segment, MAIN.tmp or pending manifest
    monkeypatch.setattr(indexer, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(indexer, "_cores", lambda: 2)
    with pytest.raises(NewsSearchError, match="No space left on device"):
        index_paths(store, [small, large], rebuild=True, entities=False)
    assert "Traceback" not in capfd.readouterr().err  # the writer processes said nothing of their own
    assert sorted(os.listdir(store.root)) == ["aliases.toml", "current", "g000001", "write.lock"]
    story(small / "two.txt", "Two story")
    assert index_paths(store, [small], entities=False).added == 1
    assert titles(store) == ["One story", "Two story"]


def test_a_page_of_very_many_elements_gets_the_linear_extraction(monkeypatch):
    monkeypatch.setattr(html, "MAX_EXTRACTOR_ELEMENTS", 20)
    page = ("<html><body><nav><p>Menu</p></nav><article><h1>Harbour news</h1><p>Ships <b>waited</b>.</p>"
            "<!-- a comment --><ul><li><p>One item</p></li></ul><aside><p>Related</p></aside>"
            + "<span>x</span>" * 30 + "<p>Last word.</p></article><footer><p>Footer</p></footer></body></html>")
    (article,) = list(read_entries(SourceFile("/x/p.html", "p.html", page.encode()), html))
    assert article.body == "Harbour news\n\nShips waited.\n\nOne item\n\nLast word."


def test_links_not_followed_are_reported_and_are_no_problem(tmp_path, articles_dir):
    story(articles_dir / "own.txt", "Own story")
    (articles_dir / "secret.txt").symlink_to(story(tmp_path / "secret.txt", "Secret memo"))
    result = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "index", str(articles_dir), "--no-entities"])
    assert result.exit_code == 0
    assert "skipped: " in result.stderr and "outside the folders given; not followed" in result.stderr
    assert result.stdout.startswith("Files: 1 added, 0 updated, 0 removed, 0 unchanged, 0 failed, 1 link not followed;")

