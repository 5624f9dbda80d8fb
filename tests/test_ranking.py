"""The ranking against its reference (tests/reference.py), on random corpora and random queries.

Each corpus is indexed in one to three commits and then edited (articles deleted and changed), so
the index has several segments and deleted documents; a second index of the same final articles is
built in one run, and both must give the reference's matches, scores and order. One larger corpus
(over 5,000 articles, where Whoosh changes how it scores patterns) is checked the same way.
"""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from search import IndexStore, NewsIndex, SearchRequest, index_paths
from search.errors import QuerySyntaxError

from .conftest import write_jsonl
from .reference import Article, Reference, analyse

# Random corpora per run; RANKING_EXAMPLES=400 for a longer hunt than CI's.
EXAMPLES = int(os.environ.get("RANKING_EXAMPLES", "40"))
VOCABULARY = ("oil", "gas", "gold", "grain", "bank", "ship", "shipment", "shipper", "tin", "corn", "rate", "steel",
              "stock", "exchange")
SOURCES = ("Wire", "Daily", "Post")
DAYS = ("2024-01-05", "2024-01-06", "2024-02-01", None)

words = st.sampled_from(VOCABULARY)
record = st.fixed_dictionaries({
    "title": st.lists(words, min_size=1, max_size=4).map(" ".join),
    "body": st.lists(words, min_size=1, max_size=40).map(" ".join),  # an article without text is not indexed
    "date": st.sampled_from(DAYS),
    "source": st.sampled_from(SOURCES),
})


@st.composite
def patterns(draw) -> str:
    word = draw(words)
    kind = draw(st.sampled_from(["prefix", "wildcard", "range"]))
    if kind == "prefix":
        return word[:draw(st.integers(1, len(word)))] + "*"
    if kind == "wildcard":
        at = draw(st.integers(1, len(word) - 1))
        return word[:at] + "?" + word[at + 1:] + draw(st.sampled_from(["", "*"]))
    low, high = sorted(draw(st.lists(st.sampled_from("abcdefghorst"), min_size=2, max_size=2)))
    return f"{draw(st.sampled_from(['title:', 'body:', '']))}[{low} TO {high}]"


leaves = st.one_of(
    words,
    st.builds(lambda field, word: f"{field}:{word}", st.sampled_from(["title", "body"]), words),
    st.sampled_from(SOURCES).map(lambda source: f"source:{source.lower()}"),
    st.builds(lambda a, b, slop: f'"{a} {b}"{slop}', words, words, st.sampled_from(["", "~2", "~4"])),
    st.builds(lambda a, b, c: f'"{a} {b} {c}"', words, words, words),
    patterns(),
    st.sampled_from(["title:*", "*:*"]),
)


def combined(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: f"({p[0]} AND {p[1]})"),
        pair.map(lambda p: f"({p[0]} OR {p[1]})"),
        pair.map(lambda p: f"({p[0]} ANDNOT {p[1]})"),
        pair.map(lambda p: f"({p[0]} AND NOT {p[1]})"),
        pair.map(lambda p: f"({p[0]} ANDMAYBE {p[1]})"),
        pair.map(lambda p: f"({p[0]} REQUIRE {p[1]})"),
        pair.map(lambda p: f"{p[0]} {p[1]}"),
        st.tuples(children, st.sampled_from(["0.5", "2", "3"])).map(lambda p: f"({p[0]})^{p[1]}"),
        children.map(lambda q: f"NOT {q}"),
    )


queries = st.recursive(leaves, combined, max_leaves=5)


def url(number: int) -> str:
    return f"https://example.test/{number}"


def index_in_commits(folder: Path, index: Path, files: list[list[dict]], edits: dict[int, list[dict]]) -> NewsIndex:
    """Index `files` one commit each, then rewrite the files in `edits` (removing those left empty) and
    index again."""
    folder.mkdir(parents=True, exist_ok=True)
    store = IndexStore(index)
    for number, records in enumerate(files):
        write_jsonl(folder / f"part{number}.jsonl", records)
        index_paths(store, [folder], jobs=1, entities=False)
    if edits:
        for number, records in edits.items():
            if records:
                write_jsonl(folder / f"part{number}.jsonl", records)
            else:
                (folder / f"part{number}.jsonl").unlink()
        index_paths(store, [folder], jobs=1, entities=False)
    return NewsIndex(store.root)


def index_at_once(folder: Path, index: Path) -> NewsIndex:
    """The same files in one run: the same articles and ids, in one commit."""
    store = IndexStore(index)
    index_paths(store, [folder], jobs=1, entities=False)
    return NewsIndex(store.root)


def reference_of(records: list[dict]) -> Reference:
    return Reference([Article(key=r["url"], day=int(r["date"].replace("-", "")) if r.get("date") else 0,
                              words={"title": analyse(r["title"]), "body": analyse(r["body"])},
                              values={"source": {r["source"].lower()}}) for r in records])


def note(kind: str) -> None:
    """Count a kind of case in Hypothesis's statistics (when called from one of its tests)."""
    if currently_in_test_context():
        event(kind)


def check_query(index: NewsIndex, reference: Reference, text: str, key: str = "url") -> list | None:
    """Compare one query's matches, scores and order with the reference, the articles known by their
    stored `key` (url or id); the ranked (key, score) list, None when the query is refused."""
    searcher = index.searcher()
    try:
        hits = searcher.search(SearchRequest.from_text(query=text, per_page=100, sort="relevance")).hits
    except QuerySyntaxError:
        note("query refused by the parser")
        return None
    parsed = searcher.query_tree(text)
    stored = dict(searcher._searcher.reader().iter_docs())
    keys = {doc: values[key] for doc, values in stored.items()}
    ids = {values[key]: values["id"] for values in stored.values()}
    ours = searcher._matches(parsed, math.inf)
    found = {keys[doc]: score for doc, score in zip(ours.docs.tolist(), ours.scores.tolist())}
    expected = reference.scores(parsed)
    note("matches some" if expected else "matches none")
    assert set(found) == set(expected), text
    for name, score in expected.items():
        assert found[name] == pytest.approx(score, rel=1e-9, abs=1e-12), (text, name)
    if text.strip() and hits:
        ranked = reference.ranked(parsed, ids)[:len(hits)]
        assert [getattr(hit, key) for hit in hits] == [name for name, _ in ranked], text
        assert [hit.score for hit in hits] == pytest.approx([score for _, score in ranked], abs=1e-4), text
    return [(getattr(hit, key), hit.score) for hit in hits]


@settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records=st.lists(record, min_size=1, max_size=30), commits=st.integers(1, 3),
       deleted=st.sets(st.integers(0, 29), max_size=5), changed=st.sets(st.integers(0, 29), max_size=3),
       texts=st.lists(queries, min_size=1, max_size=8))
def test_small_corpora_match_the_reference(records, commits, deleted, changed, texts):
    records = [{**r, "id": str(n), "url": url(n)} for n, r in enumerate(records)]
    files = [records[part::commits] for part in range(commits)]
    final = [[{**r, "body": r["body"] + " gold oil"} if int(r["id"]) in changed else r
              for r in part if int(r["id"]) not in deleted] for part in files]
    edits = {number: part for number, part in enumerate(final) if part != files[number]}
    live = [r for part in final for r in part]
    reference = reference_of(live)
    with tempfile.TemporaryDirectory() as work:
        grown = index_in_commits(Path(work) / "articles", Path(work) / "grown", files, edits)
        at_once = index_at_once(Path(work) / "articles", Path(work) / "once")
        try:
            for text in texts:
                ranked = check_query(grown, reference, text)
                assert ranked == check_query(at_once, reference, text), text
        finally:
            grown.close()
            at_once.close()


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """6,000 articles in three commits, then 300 deleted and 300 changed: segments of over 5,000 and under."""
    import random
    chance = random.Random(13)
    records = [{"id": str(n), "url": url(n), "title": " ".join(chance.choices(VOCABULARY, k=chance.randint(1, 4))),
                "body": " ".join(chance.choices(VOCABULARY, k=chance.randint(1, 60))),
                "date": chance.choice(DAYS), "source": chance.choice(SOURCES)} for n in range(6000)]
    files = [records[:5200], records[5200:5700], records[5700:]]
    final = [[{**r, "body": "ship " + r["body"]} if int(r["id"]) % 20 == 1 else r
              for r in part if int(r["id"]) % 20 != 0] for part in files]
    root = tmp_path_factory.mktemp("large")
    index = index_in_commits(root / "articles", root / "index", files, dict(enumerate(final)))
    yield index, reference_of([r for part in final for r in part])
    index.close()


def test_the_large_index_has_big_and_small_segments_and_deletions(large):
    index, reference = large
    reader = index.searcher()._searcher.reader()
    sizes = [leaf.doc_count_all() for leaf, _ in reader.leaf_readers()]
    assert max(sizes) > 5000 and min(sizes) < 5000
    assert reader.doc_count_all() > reader.doc_count() == reference.count == 5700


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])
@given(text=queries)
def test_a_large_index_matches_the_reference(large, text):
    index, reference = large
    check_query(index, reference, text)
