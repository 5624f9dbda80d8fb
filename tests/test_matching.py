"""Matching and scoring (search/index/matching.py): the same documents as Whoosh's own matchers, the
scores of the reference (tests/reference.py), and an order that does not depend on the index's layout."""
from __future__ import annotations

import math
from functools import reduce

import numpy as np
import pytest

from search import IndexStore, NewsIndex, SearchRequest, index_paths
from search.errors import SearchTooSlowError
from search.index import searching
from search.index.matches import Matches
from search.index.matching import OutOfTime
from search.index.query import filter_query, parse_query
from search.index.ranking import FEEDBACK_DOCUMENTS, best, plain_words

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


@pytest.mark.parametrize("text, near", [
    ("oil gas", True), ("interest rates would", True), ("oil AND gas", True), ("oil", False), ("oil OR gas", False),
    ("title:oil gas", False), ('"oil gas"', False), ("oil^2 gas", False), ("oil NOT gas", False), ("oil ship*", False),
])
def test_nearness_is_added_to_several_plain_words_only(segmented, text, near):
    searcher = segmented[0].searcher()
    assert bool(plain_words(searcher.query_tree(text))) == near


TOPICS = [("grain", "wheat", "harvest", "silo", "barley", "farmers"),
          ("bank", "loans", "deposits", "lender", "credit", "branch"),
          ("ship", "tanker", "port", "cargo", "freight", "harbour"),
          ("oil", "crude", "barrels", "refinery", "opec", "pipeline"),
          *[tuple(f"topic{t}word{w}" for w in range(6)) for t in range(4, 12)]]
COMMON = "the said on in of for to a and was by with that at from".split()


def topic_records(count: int = 240, seed: int = 5) -> list[dict]:
    """Articles on twelve topics (so that no topic's words are in a tenth of them), each told with its
    own words among common ones (and one word of another topic)."""
    import random
    chance = random.Random(seed)
    records = []
    for n in range(count):
        own, other = TOPICS[n % len(TOPICS)], TOPICS[(n + 1) % len(TOPICS)]
        words = chance.choices(COMMON, k=40) + chance.choices(own, k=chance.randint(3, 12)) + [chance.choice(other)]
        chance.shuffle(words)
        records.append({"id": f"t{n}", "url": f"https://example.test/t{n}", "title": " ".join(chance.sample(own, 2)),
                        "body": " ".join(words), "date": f"2024-0{1 + n % 9}-15", "source": "Wire"})
    return records


def test_words_standing_together_rank_first(tmp_path):
    """Twenty articles hold "interest" and "rates" apart, five as a phrase, otherwise alike."""
    apart = [{"id": f"a{n}", "title": "Markets", "body": f"interest in the bank grew while rates {'held ' * (n % 3)}"}
             for n in range(20)]
    together = [{"id": f"t{n}", "title": "Markets", "body": f"the bank said interest rates {'held ' * (n % 3)}"}
                for n in range(5)]
    index = build(tmp_path, [apart + together], commits=False)
    try:
        hits = index.search(SearchRequest.from_text(query="interest rates", per_page=25)).hits
        assert len(hits) == 25
        assert {index.searcher().article(hit.id).body.startswith("the bank said") for hit in hits[:5]} == {True}
    finally:
        index.close()


def test_feedback_reorders_the_same_matches_the_same_way_in_any_layout(tmp_path):
    records = topic_records()
    grown = build(tmp_path, [records[0::3], records[1::3], records[2::3]], commits=True)
    store = IndexStore(tmp_path / "once")
    index_paths(store, [tmp_path / "articles"], jobs=1, entities=False)
    once = NewsIndex(store.root)
    try:
        changed = 0
        for text in ("wheat", "loans OR credit", "tank*"):
            plain = once.search(SearchRequest.from_text(query=text, per_page=200))
            results = [index.search(SearchRequest.from_text(query=text, per_page=200, feedback=True))
                       for index in (once, grown)]
            assert [(h.id, h.score) for h in results[0].hits] == [(h.id, h.score) for h in results[1].hits]
            assert results[0].total == plain.total and results[0].facets == plain.facets
            assert {h.id for h in results[0].hits} == {h.id for h in plain.hits}
            assert all(0 <= h.score <= 1 for h in results[0].hits)
            changed += [h.id for h in results[0].hits] != [h.id for h in plain.hits]
        assert changed == 3
    finally:
        once.close()
        grown.close()


def test_feedback_words_describe_the_best_matches(tmp_path):
    """The best matches of "wheat" are grain stories: their own words come back, common ones do not."""
    index = build(tmp_path, [topic_records()], commits=False)
    try:
        searcher = index.searcher()
        matches = searcher._matches(searcher.query_tree("wheat"), math.inf)
        top = best(matches.docs, matches.scores, FEEDBACK_DOCUMENTS, searcher.columns)
        words = searcher._feedback.words(*top)
        assert len(set(TOPICS[0]) & set(words)) >= 5 and not set(COMMON) & set(words)
    finally:
        index.close()


@pytest.mark.parametrize("step", ["with_nearness", "Feedback.rescored"])
def test_running_out_of_time_while_ranking_is_the_usual_too_slow_error(segmented, monkeypatch, step):
    def out_of_time(*args, **kwargs):
        raise OutOfTime
    if step == "with_nearness":
        monkeypatch.setattr(searching, "with_nearness", out_of_time)
    else:
        monkeypatch.setattr(searching.Feedback, "rescored", out_of_time)
    with pytest.raises(SearchTooSlowError):
        segmented[0].search(SearchRequest.from_text(query="interest rates", feedback=True))


def test_a_union_of_many_parts_adds_their_scores_as_pairwise_unions_do():
    rng = np.random.default_rng(7)
    parts = [Matches.none()]
    for _ in range(20):
        docs = np.unique(rng.integers(0, 500, rng.integers(0, 200)))
        parts.append(Matches(docs, rng.random(len(docs)) * 10))
    pairwise, at_once = reduce(Matches.__or__, parts), Matches.union(parts)
    assert at_once.docs.tolist() == pairwise.docs.tolist()
    assert at_once.scores.tolist() == pairwise.scores.tolist()  # the same sums, to the last bit
    assert Matches.union([Matches.none(), Matches.none()]).scores.dtype == np.float64
