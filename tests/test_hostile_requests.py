"""Requests a hostile or careless client can send, to the server and the command line: each gets an
answer or a clear refusal, never a 500, a traceback or a hang (issue 11, items 9, 13-18)."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from whoosh import query as wq

from cli import cli
from search import Article, IndexStore, NewsIndex, NewsSearchError, SearchRequest, index_paths
from search.index import searching
from search.index.query import TimedReader
from search.index.schema import text_analyzer
from search.index.snippets import SCANNED_CHARS, SnippetMaker
from search.index.writing import Batch
from web import create_app
from web.errors import SECURITY_HEADERS
from web.requests import MAX_FILTER_VALUES
from web.server import CLI, running_server
from web.serving import listening_socket, make_server

from .conftest import oil_stories, write_jsonl


@pytest.fixture
def index_root(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", oil_stories(9) + [
        {"id": f"m{n}", "title": f"More oil {n}", "date": f"2024-04-0{n + 1}", "source": "Wire C",
         "body": "Oil and harbour news."} for n in range(6)])
    store = IndexStore(tmp_path / "index")
    index_paths(store, [folder], entities=False)
    return store.root


@pytest.fixture
def client(index_root):
    return create_app({"INDEX": str(index_root), "TESTING": True}).test_client()


@pytest.mark.parametrize("query, total", [("*", 15), ("title:*", 15), ('"oil prices"~1000', 9),
                                          ("body:[harbour TO harbour]", 15)])
def test_queries_whoosh_answers_itself_work_in_server_threads(client, query, total):
    # waitress answers in worker threads, where SIGALRM (Whoosh's time limit) cannot be set.
    with ThreadPoolExecutor(1) as pool:
        response = pool.submit(client.get, "/api/search", query_string={"q": query}).result()
    assert (response.status_code, response.get_json()["total"]) == (200, total)


def test_snippets_stay_small_and_inside_the_deadline():
    maker = SnippetMaker(text_analyzer(), frozenset({"zeppelin"}))
    early = "A zeppelin was seen. " + "Filler words here. " * 50_000
    assert "<mark>zeppelin</mark>" in maker.snippet(early)
    assert "<mark>" not in maker.snippet(early, deadline=time.monotonic() - 1)  # past it: the plain lead
    late = "Filler words here. " * (SCANNED_CHARS // 19 + 10) + "A zeppelin at last."
    assert maker.snippet(late).startswith("Filler words here.")  # only the article's start is read


def test_too_many_filter_values_are_refused(client):
    places = [("place", f"Port {n}") for n in range(MAX_FILTER_VALUES + 1)]
    for path in ("/search", "/api/search"):
        response = client.get(path, query_string=places)
        assert response.status_code == 400
        assert f"{MAX_FILTER_VALUES + 1} values of place; a search takes at most {MAX_FILTER_VALUES}" in \
            response.get_data(as_text=True)
    assert client.get("/api/search", query_string=places[:MAX_FILTER_VALUES]).status_code == 200


@pytest.mark.parametrize("query", ['author:"smith"', "oil|foo:bar", 'date:"2020"', '"oil prices', "oil NOT",
                                   "title: oil", "oil~", "NOT NOT oil", "oil NOT NOT gas"])
def test_malformed_queries_are_400_with_the_reason(client, query):
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 400 and "STORED" not in response.get_json()["error"]


def test_a_page_past_the_last_links_to_the_last(client):
    page = client.get("/search?q=oil&page=7").get_data(as_text=True)
    assert "Page 7 is past the last page" in page and 'href="/search?q=oil&amp;page=2"' in page
    assert "Nothing matches" not in page


def test_a_generation_removed_while_a_searcher_opens_is_replaced_by_the_new_one(index_root, monkeypatch):
    folder = index_root.parent / "articles"
    store = IndexStore(index_root)
    real_init = searching.IndexSearcher.__init__
    calls = []

    def rebuilt_meanwhile(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the generation vanished under us, as a rebuild removes old ones
            index_paths(store, [folder], rebuild=True, entities=False)
            raise NewsSearchError("the index at … cannot be opened: [Errno 2] No such file or directory")
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(searching.IndexSearcher, "__init__", rebuilt_meanwhile)
    assert NewsIndex(index_root).search(SearchRequest(query="oil")).total == 15
    assert len(calls) == 2


def test_a_damaged_index_is_503_not_500(client, index_root):
    next((index_root / "current").glob("_MAIN_*.toc")).write_bytes(b"\x00garbage")
    for path in ("/api/search?q=oil", "/search?q=oil", "/api/stats"):
        assert client.get(path).status_code == 503


def test_terminal_output_carries_no_control_characters(index_root):
    store = IndexStore(index_root)
    with Batch(store, store.current_generation()) as batch:  # as an index made before titles were cleaned holds
        batch.add(Article(id="evil", file="/nowhere", path="evil", title="Evil\x1b]0;owned\x07\rFAKE", source="\x1b[2J",
                          body="Harbour \x1b[31mnews\x08\x08 here."))
    for command in (["search", "harbour news"], ["show", "evil"]):
        output = CliRunner().invoke(cli, ["--index", str(index_root), *command]).output
        assert not any(ch in output for ch in "\x1b\x07\x08\r"), output


def test_cli_json_prints_one_document_even_on_a_fatal_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWS_SEARCH_MAX_FILE_MB", "abc")
    result = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "index", str(tmp_path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"error": "NEWS_SEARCH_MAX_FILE_MB='abc' is not a usable setting: "
                                                  "give a number more than 0, such as 256"}


@pytest.mark.parametrize("value", ["inf", "nan", "-5", "0", "abc"])
def test_unusable_settings_are_refused_by_name(tmp_path, monkeypatch, value):
    monkeypatch.setenv("NEWS_SEARCH_MAX_FILE_MB", value)
    result = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "index", str(tmp_path)])
    assert result.exit_code == 1 and f"NEWS_SEARCH_MAX_FILE_MB={value!r} is not a usable setting" in result.stderr


def test_search_help_says_how_an_empty_query_is_sorted():
    text = " ".join(CliRunner().invoke(cli, ["search", "--help"]).output.split())
    assert "with an empty QUERY, relevance means newest first" in text


def test_serve_on_a_busy_port_says_so(index_root):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, str(CLI), "--index", str(index_root), "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: cannot serve on 127.0.0.1:{port}: Address already in use")
    assert "Serving" not in result.stderr and "Traceback" not in result.stderr


def _refused_requests(header_bytes: int) -> list[tuple[bytes, str]]:
    """A request that is no request, and one whose header is over `header_bytes` long."""
    return [(b"NOT A REQUEST LINE\r\n\r\n", "400"),
            (b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * header_bytes + b"\r\n\r\n", "431")]


def _answer_to(address: tuple[str, int], request_bytes: bytes) -> str:
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(request_bytes)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[0].decode()


def _assert_refused_securely(head: str, status: str) -> None:
    assert head.split()[1] == status
    for name, value in SECURITY_HEADERS.items():
        assert f"{name}: {value}" in head


@pytest.mark.parametrize("request_bytes, status", _refused_requests(3000))
def test_the_one_process_servers_own_refusals_carry_the_security_headers(index_root, request_bytes, status):
    server = make_server(create_app({"INDEX": str(index_root)}), listening_socket("127.0.0.1", 0), threads=1)
    server.adj.max_request_header_size = 2000  # so that the whole request is read before the answer
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    try:
        head = _answer_to(server.socket.getsockname(), request_bytes)
    finally:
        server.close()
    _assert_refused_securely(head, status)


def test_the_worker_processes_own_refusals_carry_the_security_headers(index_root):
    with running_server(index_root, workers=2) as base:
        address = ("127.0.0.1", int(base.rsplit(":", 1)[1]))
        for request_bytes, status in _refused_requests(9000):  # gunicorn's limit: 8190 bytes a header
            _assert_refused_securely(_answer_to(address, request_bytes), status)


def test_pattern_expansion_checks_the_time_as_it_walks_the_terms(tmp_path):
    folder = tmp_path / "words"
    folder.mkdir()
    words = " ".join(f"a{n:05d}" for n in range(3000))
    write_jsonl(folder / "w.jsonl", [{"id": "w", "title": "Words", "body": words}])
    store = IndexStore(tmp_path / "wordindex")
    index_paths(store, [folder], entities=False)
    index = NewsIndex(store.root)
    calls = []
    terms = TimedReader(index.searcher()._searcher.reader(), lambda: calls.append(1))
    assert list(wq.Wildcard("body", "a*zz").expanded_terms(terms)) == []  # matches nothing, walks 3,000 terms
    assert len(calls) >= 3000 // 256
    index.close()


def test_a_query_of_too_many_patterns_is_refused(client):
    query = " OR ".join(f"oil{n}*" for n in range(11))
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 400 and "11 prefixes, wildcards and ranges; the limit is 10" in response.get_json()["error"]


def test_a_damaged_segment_is_named_not_a_traceback(index_root):
    next((index_root / "current").glob("*.trm")).write_bytes(b"\x96\xaa\xbfB" * 25)
    result = CliRunner().invoke(cli, ["--index", str(index_root), "search", "oil"])
    assert result.exit_code == 1 and "is damaged" in result.stderr and "--rebuild" in result.stderr
    assert create_app({"INDEX": str(index_root), "TESTING": True}).test_client().get("/api/search?q=oil").status_code == 503


def test_file_names_and_a_lock_holder_print_no_control_characters(tmp_path):
    folder = tmp_path / "esc"
    folder.mkdir()
    (folder / "x\x1b]0;PWNED\x07y.txt").write_text("Title\n\nBody words.\n")
    index = tmp_path / "index"
    index.mkdir()
    (index / "write.lock").write_text('{"pid": 1, "command": "x\\u001b]0;PWNED\\u0007"}')
    output = CliRunner().invoke(cli, ["--index", str(index), "index", str(folder), "--dry-run"]).output
    assert "PWNED" in output and "\x1b" not in output and "\x07" not in output
    (index / "write.lock").write_text("1")  # JSON, but not an object
    assert CliRunner().invoke(cli, ["--index", str(index), "index", str(folder), "--no-entities"]).exit_code == 0
