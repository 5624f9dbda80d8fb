"""Array matching and scoring (search/index/matching.py) against Whoosh's own matchers."""
from __future__ import annotations

import numpy as np
import pytest

from search import IndexStore, NewsIndex, SearchRequest, index_paths
from search.index.matching import (
    Matches,
    PostingReader,
    QueryMatcher,
    Unsupported,
    whoosh_matches,
)
from search.index.query import filter_query, parse_query

from .conftest import write_jsonl

WORDS = ("oil prices rose as crude stocks fell in the stock exchange while gas output held and "
         "the central bank said interest rates would stay high for shipping and grain traders").split()

QUERIES = [
    "oil", "stock", "said", "oil gas", "oil OR gas", "oil OR gas OR grain", "bank NOT oil", "NOT oil",
    '"crude stocks"', '"interest rates"', '"the stock exchange"', '"oil oil"', '"rates would stay"',
    "ship*", "s*", "gr?in", "title:oil", "title:oil AND body:gas", "oil^3 gas", "(oil OR gas)^2 bank",
    "oil OR (gas AND NOT bank)", "source:wire", "places:rotterdam", "nothingmatches", "oil nothingmatches", "",
]


def varied_records(prefix: str, count: int, seed: int) -> list[dict]:
    """Articles of different lengths and word mixes, so scores differ by frequency and length."""
    rng = np.random.default_rng(seed)
    records = []
    for n in range(count):
        body = " ".join(rng.choice(WORDS, size=int(rng.integers(5, 120))))
        if n % 5 == 0:  # a place for the entity extractor to find, and the places facet to hold
            body += ". The tankers waited in Rotterdam."
        title = " ".join(rng.choice(WORDS, size=int(rng.integers(2, 6))))
        records.append({"id": f"{prefix}{n}", "title": title, "body": body, "date": f"2024-0{1 + n % 9}-15",
                        "source": ["Wire", "Daily"][n % 2]})
    return records


@pytest.fixture(scope="module")
def segmented(tmp_path_factory) -> NewsIndex:
    """An index of three commits (so several segments) in which an edit left deleted documents."""
    root = tmp_path_factory.mktemp("segmented")
    folder = root / "articles"
    folder.mkdir()
    store = IndexStore(root / "index")
    for number in range(3):
        write_jsonl(folder / f"part{number}.jsonl", varied_records(f"p{number}-", 60, seed=number))
        index_paths(store, [folder], jobs=1)
    write_jsonl(folder / "part1.jsonl", varied_records("p1-", 40, seed=7))  # replaces 60 articles by 40
    index_paths(store, [folder], jobs=1)
    index = NewsIndex(store.root)
    yield index
    index.close()


def fast_and_whoosh(index: NewsIndex, text: str) -> tuple[Matches, Matches]:
    searcher = index.searcher()
    whoosh_searcher = searcher._searcher
    query = parse_query(searcher._parser, text)
    return QueryMatcher(PostingReader(whoosh_searcher)).matches(query), whoosh_matches(whoosh_searcher, query)


def test_the_fixture_has_segments_and_deletions(segmented):
    reader = segmented.searcher()._searcher.reader()
    assert len(list(reader.leaf_readers())) > 1
    assert reader.doc_count_all() > reader.doc_count() == 160


@pytest.mark.parametrize("text", QUERIES)
def test_same_documents_and_scores_as_whoosh(segmented, text):
    fast, whoosh = fast_and_whoosh(segmented, text)
    assert fast.docs.tolist() == whoosh.docs.tolist()
    assert len(fast.docs) > 0 or "nothingmatches" in text
    np.testing.assert_allclose(fast.scores, whoosh.scores, rtol=1e-9)


@pytest.mark.parametrize("text", ["oil", "oil OR gas", '"interest rates"', "bank NOT oil", "ship*"])
def test_top_ten_in_whooshs_order(segmented, text):
    searcher = segmented.searcher()
    ours = searcher.search(SearchRequest.from_text(query=text, per_page=10))
    query = parse_query(searcher._parser, text)
    theirs = [searcher._searcher.stored_fields(hit.docnum)["id"] for hit in searcher._searcher.search(query, limit=10)]
    assert [hit.id for hit in ours.hits] == theirs


def test_facet_filters_select_the_same_documents(segmented):
    searcher = segmented.searcher()
    for field, values in {"source": ("Wire",), "places": ("rotterdam", "Nowhere")}.items():
        query = filter_query(field, values)
        docs = searcher._query_matcher.matches(query).docs.tolist()
        assert docs == sorted(searcher._searcher.docs_for_query(query)) and len(docs) >= 32


def test_queries_it_does_not_evaluate_go_through_whoosh(segmented):
    searcher = segmented.searcher()
    sloppy = parse_query(searcher._parser, '"oil prices"~3')
    with pytest.raises(Unsupported):
        searcher._query_matcher.matches(sloppy)
    result = searcher.search(SearchRequest.from_text(query='"oil prices"~3'))
    assert result.total == len(list(searcher._searcher.docs_for_query(sloppy))) > 0


def test_a_prefix_is_scored_per_segment_as_whoosh_does(tmp_path):
    """Whoosh decides a prefix's strategy in each segment: in a segment of up to 5,000 documents, three
    words or more score 1 per match, while the same prefix is scored by BM25F in a larger segment."""
    folder = tmp_path / "articles"
    folder.mkdir()
    write_jsonl(folder / "big.jsonl", [{"id": str(n), "title": "t", "body": WORDS[n % len(WORDS)]}
                                       for n in range(5001)])
    store = IndexStore(tmp_path / "index")
    index_paths(store, [folder], jobs=1, entities=False)
    write_jsonl(folder / "small.jsonl", varied_records("s-", 30, seed=3))
    index_paths(store, [folder], jobs=1, entities=False)
    index = NewsIndex(store.root)
    try:
        fast, whoosh = fast_and_whoosh(index, "s*")
        assert len(list(index.searcher()._searcher.reader().leaf_readers())) == 2
        assert 1.0 in whoosh.scores.tolist() and len(set(whoosh.scores.tolist())) > 1  # both strategies
        assert fast.docs.tolist() == whoosh.docs.tolist()
        np.testing.assert_allclose(fast.scores, whoosh.scores, rtol=1e-9)
    finally:
        index.close()
