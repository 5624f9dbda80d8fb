"""Matching and scoring (search/index/matching.py): the same documents as Whoosh's own matchers, the
scores of the reference (tests/reference.py), and an order that does not depend on the index's layout."""
from __future__ import annotations

import math

import pytest

from search import IndexStore, NewsIndex, SearchRequest, index_paths
from search.index.query import filter_query, parse_query

from .conftest import write_jsonl
from .reference import Article, Reference, analyse
from .test_ranking import check_query

WORDS = ("oil prices rose as crude stocks fell in the stock exchange while gas output held and "
         "the central bank said interest rates would stay high for shipping and grain traders").split()

QUERIES = [
    "oil", "stock", "said", "oil gas", "oil OR gas", "oil OR gas OR grain", "bank NOT oil", "NOT oil",
    '"crude stocks"', '"interest rates"', '"the stock exchange"', '"oil oil"', '"rates would stay"',
    '"oil prices"~3', "ship*", "s*", "gr?in", "[a TO c]", "title:oil", "title:oil AND body:gas", "oil^3 gas",
    "(oil OR gas)^2 bank", "oil OR (gas AND NOT bank)", "oil ANDMAYBE gas", "source:wire", "title:*",
    "nothingmatches", "oil nothingmatches", "",
]


def varied_records(prefix: str, count: int, seed: int) -> list[dict]:
    """Articles of different lengths and word mixes, so scores differ by frequency and length."""
    import numpy as np
    rng = np.random.default_rng(seed)
    records = []
    for n in range(count):
        body = " ".join(rng.choice(WORDS, size=int(rng.integers(5, 120))))
        if n % 5 == 0:
            body += ". The tankers waited in Rotterdam."
        title = " ".join(rng.choice(WORDS, size=int(rng.integers(2, 6))))
        records.append({"id": f"{prefix}{n}", "url": f"https://example.test/{prefix}{n}", "title": title,
                        "body": body, "date": f"2024-0{1 + n % 9}-15", "source": ["Wire", "Daily"][n % 2]})
    return records


def reference_of(records: list[dict]) -> Reference:
    return Reference([Article(key=r["url"], day=int(r["date"].replace("-", "")),
                              words={"title": analyse(r["title"]), "body": analyse(r["body"])},
                              values={"source": {r["source"].lower()}}) for r in records])


def build(root, parts: list[list[dict]], *, commits: bool, entities: bool = False) -> NewsIndex:
    """The files of `parts`, indexed one commit each (`commits`) or all in one run."""
    folder = root / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    store = IndexStore(root / "index")
    for number, records in enumerate(parts):
        write_jsonl(folder / f"part{number}.jsonl", records)
        if commits:
            index_paths(store, [folder], jobs=1, entities=entities)
    index_paths(store, [folder], jobs=1, entities=entities)
    return NewsIndex(store.root)


@pytest.fixture(scope="module")
def segmented(tmp_path_factory):
    """An index of three commits (so several segments) in which an edit left deleted documents,
    and the reference for its 160 live articles."""
    root = tmp_path_factory.mktemp("segmented")
    parts = [varied_records(f"p{number}-", 60, seed=number) for number in range(3)]
    index = build(root, parts, commits=True, entities=True)
    parts[1] = varied_records("p1-", 40, seed=7)  # replaces 60 articles by 40
    write_jsonl(root / "articles" / "part1.jsonl", parts[1])
    index_paths(IndexStore(root / "index"), [root / "articles"], jobs=1)
    yield index, reference_of([r for part in parts for r in part])
    index.close()


def test_the_fixture_has_segments_and_deletions(segmented):
    reader = segmented[0].searcher()._searcher.reader()
    assert len(list(reader.leaf_readers())) > 1
    assert reader.doc_count_all() > reader.doc_count() == 160


@pytest.mark.parametrize("text", QUERIES)
def test_the_same_documents_as_whoosh_and_the_references_scores(segmented, text):
    index, reference = segmented
    searcher = index.searcher()
    query = parse_query(searcher._parser, text)
    ours = searcher._matches(query, math.inf).docs.tolist()
    assert ours == sorted(searcher._searcher.docs_for_query(query))
    assert len(ours) > 0 or "nothingmatches" in text
    check_query(index, reference, text)


def test_facet_filters_select_the_same_documents_as_whoosh(segmented):
    searcher = segmented[0].searcher()
    for field, values in {"source": ("Wire",), "places": ("rotterdam", "Nowhere")}.items():
        query = filter_query(field, values)
        docs = searcher._query_matcher.matches(query).docs.tolist()
        assert docs == sorted(searcher._searcher.docs_for_query(query)) and len(docs) >= 32


def test_the_order_does_not_depend_on_how_the_index_was_written(tmp_path):
    """The same articles written in one run and in three: the same hits, scores and order, ties included."""
    parts = [varied_records(f"p{number}-", 60, seed=number) for number in range(3)]
    grown = build(tmp_path, parts, commits=True)
    store = IndexStore(tmp_path / "once")  # the same files (so the same ids), in one run
    index_paths(store, [tmp_path / "articles"], jobs=1, entities=False)
    once = NewsIndex(store.root)
    try:
        assert len(list(grown.searcher()._searcher.reader().leaf_readers())) == 3
        ties = 0
        for text in ('"stock exchange"', "grain NOT oil", "ship*", "s*", "NOT oil"):
            request = SearchRequest.from_text(query=text, per_page=100)
            ranked = [[(hit.url, hit.score) for hit in index.search(request).hits] for index in (once, grown)]
            assert ranked[0] == ranked[1], text
            ties += len(ranked[0]) - len({score for _, score in ranked[0]})
        assert ties > 20  # equal scores that only the rule orders
    finally:
        once.close()
        grown.close()


def test_a_prefix_is_graded_and_keeps_its_boost(tmp_path):
    """`ship*` is one word standing for ship, shipment, shipping…: an article saying "shipment" twenty
    times outranks articles saying "ship" once, in a small index too, and a boost multiplies the score."""
    records = [{"id": str(n), "title": "t", "body": "the ship sailed with grain and oil today"} for n in range(30)]
    records.append({"id": "many", "title": "t", "body": " ".join(["shipment"] * 20 + ["grain oil"] * 2)})
    index = build(tmp_path, [records], commits=False)
    try:
        hits = index.search(SearchRequest.from_text(query="ship*")).hits
        assert hits[0].score > hits[1].score
        assert index.searcher().article(hits[0].id).body.startswith("shipment")
        boosted = index.search(SearchRequest.from_text(query="shipm*^3")).hits
        alone = index.search(SearchRequest.from_text(query="shipm*")).hits
        assert boosted[0].score == pytest.approx(3 * alone[0].score, rel=1e-3)
    finally:
        index.close()
