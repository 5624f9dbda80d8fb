"""Property-based fuzzing (hypothesis): readers, the query parser and every API parameter.

A reader's own bugs are caught by `read_entries` and reported as "could not be
read as …: SomeError": these tests fail on any such report, so every bad input
must meet a specific, deliberate error. Searches must answer or refuse the
query (400), never fail otherwise.
"""
from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import QuerySyntaxError, SearchRequest
from search.article import Article
from search.readers import ReadError, SourceFile, read_entries, reader_for
from web import create_app

from .conftest import write_jsonl

ENDINGS = [".txt", ".jsonl", ".csv", ".html", ".html.gz", ".sgm"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Inputs shaped like each format, so the fuzzing reaches past the first check.
TEXT_LIKE = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
SHAPED = {
    ".txt": st.builds(lambda head, body: f"{head}\n\n{body}".encode(), TEXT_LIKE, TEXT_LIKE),
    ".jsonl": st.lists(st.one_of(
        st.dictionaries(st.sampled_from(["id", "title", "body", "text", "date", "source", "url", "x"]),
                        st.one_of(st.none(), st.integers(), st.floats(), TEXT_LIKE, st.lists(st.integers()))),
        TEXT_LIKE), max_size=5).map(lambda rows: "\n".join(
            json.dumps(row) if isinstance(row, dict) else row for row in rows).encode()),
    ".csv": st.lists(st.lists(TEXT_LIKE, max_size=5), max_size=5).map(
        lambda rows: ("url,date,title,text\n" + "\n".join(",".join(row) for row in rows)).encode()),
    ".html": st.builds(lambda title, meta, body, depth: (
        f"<html><head><title>{title}</title><meta property='article:published_time' content='{meta}'></head>"
        f"<body>{'<div>' * depth}<p>{body}</p>{'</div>' * depth}</body></html>").encode(),
        TEXT_LIKE, TEXT_LIKE, TEXT_LIKE, st.integers(0, 3000)),
    ".sgm": st.builds(lambda newid, date, title, body: (
        f'<REUTERS NEWID="{newid}"><DATE>{date}</DATE><TEXT><TITLE>{title}</TITLE>'
        f"<BODY>{body}</BODY></TEXT></REUTERS>").encode(), TEXT_LIKE, TEXT_LIKE, TEXT_LIKE, TEXT_LIKE),
}
SHAPED[".html.gz"] = SHAPED[".html"].map(gzip.compress)


def read(ending: str, data: bytes) -> list:
    path = Path(f"/fuzz/input{ending}")
    return list(read_entries(SourceFile(str(path), str(path), data), reader_for(path, data)))


def assert_clear(entries: list) -> None:
    for entry in entries:
        if isinstance(entry, ReadError):
            assert "could not be read as" not in entry.message, entry.message
            assert entry.path == entry.path.strip() and entry.message
        else:
            assert isinstance(entry, Article) and isinstance(entry.title, str) and isinstance(entry.body, str)


@pytest.mark.parametrize("ending", ENDINGS)
@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_get_a_clear_error_or_articles(ending, data):
    assert_clear(read(ending, data))


# Pieces of every format's markup, and bytes that have broken readers before, to repeat into large files.
PIECES = [b'<REUTERS NEWID="1">', b"</REUTERS>", b"<DATE>1-JAN-1987</DATE>", b"<D>", b"<TITLE>", b"<TEXT>", b"<p>",
          b"<div>", b"<html>", b'"', b",", b"\n", b"\n\n", b"{", b'{"title": "t", "body": "', b"}", b"Mr. ", b"A.",
          b"Paris ", b"word ", b"\x1b[2J", b"\xff", b"\r"]


@pytest.mark.parametrize("ending", ENDINGS)
@settings(max_examples=6, deadline=None)
@given(parts=st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=16)), min_size=1, max_size=20),
       size=st.integers(100_000, 500_000))
def test_large_inputs_get_a_clear_error_or_articles(ending, parts, size):
    """Up to 500 KB of repeated markup pieces (the random inputs above stop at 2,000 bytes)."""
    unit = b"".join(parts) or b"x"
    assert_clear(read(ending, (unit * (size // len(unit) + 1))[:size]))


@pytest.mark.parametrize("ending", ENDINGS)
@FUZZ
@given(data=st.data())
def test_format_shaped_input_gets_a_clear_error_or_articles(ending, data):
    payload = data.draw(SHAPED[ending])
    for encoded in (payload, payload.decode("utf-8", "replace").encode("utf-16"),
                    payload.decode("utf-8", "replace").encode("latin-1", "replace")):
        assert_clear(read(ending, encoded))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from search import IndexStore, index_paths
    root = tmp_path_factory.mktemp("fuzz")
    folder = root / "articles"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", [
        {"id": f"a{n}", "title": f"Harbour story {n}", "date": f"2024-0{1 + n % 9}-1{n % 10}",
         "source": ["Wire A", "Wire B"][n % 2], "body": f"Ships and oil prices on day {n} at the harbour."}
        for n in range(30)])
    store = IndexStore(root / "index")
    index_paths(store, [folder], entities=False)
    return create_app({"INDEX": str(store.root), "TESTING": True})


QUERY_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(["oil", "ship*", "*", "?", "AND", "OR", "NOT", "(", ")", '"', "title:", "person:",
                              "harbour", "~", "^2", "[", "TO", "]", "{", "}", "-", "+", ":", "\\", "*a*b*c*"]),
             max_size=40).map(" ".join),
)


@FUZZ
@given(text=QUERY_TEXT)
def test_any_query_text_is_answered_or_refused(app, text):
    index = app.extensions["news_index"]
    started = time.monotonic()
    try:
        result = index.search(SearchRequest.from_text(query=text))
    except QuerySyntaxError as error:
        assert str(error)
    else:
        assert 0 <= result.total <= 30
    assert time.monotonic() - started < 5


API_PARAMETERS = ["q", "source", "person", "org", "place", "from", "to", "sort", "page", "per_page"]
PARAMETER_VALUES = st.one_of(st.text(max_size=60), st.integers(-10**12, 10**12).map(str),
                             st.sampled_from(["2024", "2024-02", "2024-02-30", "0000-01-01", "9999-12-31", "newest",
                                              "relevance", "", " ", "1e9", "-1", "0", "NaN"]))


@pytest.mark.parametrize("parameter", API_PARAMETERS)
@FUZZ
@given(value=PARAMETER_VALUES, repeat=st.integers(1, 3))
def test_every_api_parameter_gets_200_or_400(app, parameter, value, repeat):
    client = app.test_client()
    for path in ("/api/search", "/search"):
        response = client.get(path, query_string=[(parameter, value)] * repeat)
        assert response.status_code in (200, 400), (path, parameter, value, response.status_code)
        if path == "/api/search" and response.status_code == 400:
            assert response.get_json()["error"]
