import datetime as dt

import pytest

from search import FacetValue, NewsIndex, QuerySyntaxError, SearchRequest, index_paths
from search.index.schema import text_analyzer
from search.index.snippets import SnippetMaker

from .conftest import write_jsonl


def ordered(index, **request):
    return [hit.title for hit in index.search(SearchRequest.from_text(per_page=100, **request)).hits]


def found(index, **request):
    return sorted(hit.title for hit in index.search(SearchRequest.from_text(per_page=100, **request)).hits)


@pytest.mark.parametrize("query, expected", [
    ("oil", ["Oil and gas output", "Oil prices rise", "Undated oil note"]),
    ("oil gas", ["Oil and gas output"]),                                   # AND by default
    ("grain OR storage", ["Gas storage", "Grain harvest"]),
    ("gas NOT oil", ["Gas storage"]),
    ("shipping", ["Grain harvest", "Oil prices rise"]),                     # stemmed: ships, shipping
    ("stor*", ["Gas storage"]),
    ('"stock exchange"', ["Oil prices rise"]),                              # not "stock of the exchange"
    ('"stock of the exchange"', ["Oil and gas output"]),
    ("title:gas", ["Gas storage", "Oil and gas output"]),
    ('source:"wire a"', ["Gas storage", "Oil prices rise"]),
    ("(oil OR grain) AND NOT prices", ["Grain harvest", "Oil and gas output", "Undated oil note"]),
])
def test_query_language(newsroom, query, expected):
    assert found(newsroom, query=query) == expected


def test_filters_or_within_a_kind_and_across_kinds(newsroom):
    assert found(newsroom, query="oil", sources=("Wire A", "wire b")) == ["Oil and gas output", "Oil prices rise"]
    assert found(newsroom, sources=("Wire A",), date_from="2024-02") == ["Gas storage"]
    assert found(newsroom, sources=("Nobody",)) == []


@pytest.mark.parametrize("date_from, date_to, expected", [
    ("2024", None, ["Gas storage", "Oil and gas output", "Oil prices rise"]),
    ("2024-02-03", "2024-02-03", ["Oil and gas output"]),
    (None, "2024-01", ["Grain harvest", "Oil prices rise"]),
    ("2023-12-31", "2024-01-15", ["Grain harvest", "Oil prices rise"]),
])
def test_date_bounds_are_inclusive(newsroom, date_from, date_to, expected):
    assert found(newsroom, date_from=date_from, date_to=date_to) == expected


def test_empty_query_browses_newest_first_with_undated_last(newsroom):
    assert ordered(newsroom) == ["Gas storage", "Oil and gas output", "Oil prices rise", "Grain harvest",
                                 "Undated oil note"]


def test_sorting_by_date_keeps_undated_articles_last(newsroom):
    assert ordered(newsroom, query="oil", sort="newest") == ["Oil and gas output", "Oil prices rise", "Undated oil note"]
    assert ordered(newsroom, query="oil", sort="oldest") == ["Oil prices rise", "Oil and gas output", "Undated oil note"]


def test_relevance_ranks_hits_by_score(newsroom):
    result = newsroom.search(SearchRequest(query="gas"))
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True) and all(score > 0 for score in scores)
    assert result.hits[0].title == "Gas storage"


def test_pages_split_the_same_order(newsroom):
    everything = [hit.id for hit in newsroom.search(SearchRequest(per_page=100)).hits]
    pages = [newsroom.search(SearchRequest(page=page, per_page=2)) for page in (1, 2, 3, 4)]
    assert [hit.id for result in pages for hit in result.hits] == everything
    assert {result.total for result in pages} == {5}
    assert pages[3].hits == []


def test_facets_count_all_matches_not_just_the_page(newsroom):
    result = newsroom.search(SearchRequest(query="oil", per_page=1))
    assert result.total == 3 and len(result.hits) == 1
    assert result.facets["source"] == [FacetValue("Wire A", 1), FacetValue("Wire B", 1), FacetValue("Wire C", 1)]
    assert result.facets["month"] == [FacetValue("2024-01", 1), FacetValue("2024-02", 1)]
    assert set(result.facets) == {"source", "people", "orgs", "places", "month"}


def test_facet_values_sort_by_count_then_name(newsroom):
    result = newsroom.search(SearchRequest())
    assert result.facets["source"] == [FacetValue("Wire A", 2), FacetValue("Wire C", 2), FacetValue("Wire B", 1)]
    assert result.facets["month"] == [FacetValue("2023-12", 1), FacetValue("2024-01", 1), FacetValue("2024-02", 2)]


def test_snippets_mark_matches_and_escape_everything_else(store, articles_dir):
    write_jsonl(articles_dir / "x.jsonl", [{"id": "x", "title": "<script>alert(1)</script>",
                                          "body": 'Oil <b>bold</b> & "quotes" <img src=x onerror=alert(1)> oil.'}])
    index_paths(store, [articles_dir])
    hit, = NewsIndex(store.root).search(SearchRequest(query="oil")).hits
    assert hit.snippet == ('<mark>Oil</mark> &lt;b&gt;bold&lt;/b&gt; &amp; "quotes" '
                           '&lt;img src=x onerror=alert(1)&gt; <mark>oil</mark>.')
    assert hit.title == "<script>alert(1)</script>"  # data stays data; pages escape it


def test_snippets_find_matches_beyond_32k_characters(store, articles_dir):
    body = "filler words here. " * 3000 + "The needle is here."
    write_jsonl(articles_dir / "long.jsonl", [{"id": "long", "title": "Long", "body": body}])
    index_paths(store, [articles_dir])
    hit, = NewsIndex(store.root).search(SearchRequest(query="needle")).hits
    assert "<mark>needle</mark>" in hit.snippet


def test_negated_words_are_not_highlighted(newsroom):
    hit, = newsroom.search(SearchRequest(query="output NOT prices")).hits
    assert "<mark>output</mark>" in hit.snippet and "<mark>oil</mark>" not in hit.snippet.lower()


def test_browse_snippet_is_the_escaped_lead(newsroom):
    hit = newsroom.search(SearchRequest(sources=("Wire C",), date_from=dt.date(2023, 1, 1))).hits[0]
    assert hit.snippet == "The grain harvest was the largest on record; ships were loading."


@pytest.mark.parametrize("request_values, message", [
    ({"query": "colour:red"}, "unknown field 'colour'"),
    ({"query": "x" * 3000}, "the limit is 2000"),
    ({"date_from": "2024-13"}, "not a real date"),
    ({"date_from": "2024-03", "date_to": "2024-01"}, "the date range is empty"),
    ({"sort": "random"}, "unknown sort"),
    ({"page": 0}, "page must be 1 or more"),
    ({"query": "*ing"}, "the pattern '\\*ing' starts with a wildcard"),
    ({"query": "o?l*a*b*c*d*e*f*g*h"}, "has more than 8 wildcards"),
    ({"query": " ".join(["oil"] * 10_000)}, "the limit is 2000"),
    ({"date_to": "9999-12"}, None),  # the last month there is: answered, not "year 10000 is out of range"
    ({"query": '"unclosed'}, "unclosed quote"),
    ({"query": "title:"}, "'title:' must be followed at once by a word"),
    ({"query": "title: oil"}, "'title:' must be followed at once by a word"),
    ({"query": "oil title:~2"}, "'title:' must be followed at once by a word"),
    ({"query": "title:title:oil"}, "a field inside a field"),
    ({"query": "oil AND(prices)"}, "put spaces around AND"),
    ({"query": "(oil)OR gas"}, "put spaces around OR"),
    ({"query": "(NOT-oil)"}, "put spaces around NOT"),
    ({"query": "oil^" + "9" * 400}, "boosts multiply to more than 1,000"),
    ({"query": "(oil^40 gas)^40"}, "boosts multiply to more than 1,000"),
    ({"query": "oil -gas"}, "write NOT before it"),
    ({"query": "(oil)~2"}, "fuzzy matching is not supported"),
    ({"query": "[a TO"}, "unclosed range"),
    ({"query": "NOT NOT oil"}, "write NOT once"),
    ({"query": "((("}, "opens a parenthesis it never closes"),
    ({"query": "oil)"}, "closes a parenthesis it never opened"),
    ({"query": "AND"}, "AND needs a word or phrase"),
    ({"query": "oil NOT"}, "NOT needs a word or phrase on its right"),
    ({"query": "oil OR OR gas"}, "OR needs a word or phrase"),
    ({"query": 'author:"smith"'}, "unknown field 'author'"),
    ({"query": "oil|foo:bar"}, "unknown field 'foo'"),
    ({"query": 'date:"2020"'}, "unknown field 'date'.*from and to"),
    ({"query": "oil~"}, "fuzzy matching is not supported"),
])
def test_bad_requests_raise_clear_errors(newsroom, request_values, message):
    if message is None:
        assert newsroom.search(SearchRequest.from_text(**request_values)).total == 4  # every dated article
        return
    with pytest.raises(QuerySyntaxError, match=message):
        newsroom.search(SearchRequest.from_text(**request_values))


def test_quoted_field_like_words_are_searched_as_text(newsroom):
    assert found(newsroom, query='"colour:red"') == []


@pytest.mark.parametrize("query, expected", [
    ("Title:oil", 3), ("Exclusive: oil", 0), ("oil AND NOT gas", 2),  # field names in any case; "name: " is a word
    ("*", 5), ("title:*", 5),                       # Whoosh's own "every article"
    ('"oil prices"~3', 1), ("oil^2", 3),             # proximity and boost
    ("body:[gas TO grain]", 3),                     # a range of words (gas, grain)
])
def test_queries_whoosh_answers_itself_are_answered(newsroom, query, expected):
    assert newsroom.search(SearchRequest(query=query)).total == expected


def test_article_lookup_round_trips_every_field(newsroom):
    article = newsroom.article(newsroom.search(SearchRequest(query="grain")).hits[0].id)
    assert (article.title, article.date, article.source) == ("Grain harvest", dt.date(2023, 12, 31), "Wire C")
    assert article.body == "The grain harvest was the largest on record; ships were loading."
    assert newsroom.article("no-such-id") is None


def test_stats_describe_the_index(newsroom):
    stats = newsroom.stats()
    assert (stats.articles, stats.first_date, stats.last_date, stats.sources, stats.files) == (
        5, "2023-12-31", "2024-02-20", 3, 1)
    assert stats.index_bytes > 0 and stats.last_indexed


def test_multi_select_facets_count_each_facet_without_its_own_filter(newsroom):
    plain = newsroom.search(SearchRequest(sources=("Wire A",)))
    assert plain.facets["source"] == [FacetValue("Wire A", 2)]
    multi = newsroom.search(SearchRequest(sources=("Wire A",), facets_leave_own_filter_out=True))
    assert multi.total == plain.total == 2
    assert multi.facets["source"] == [FacetValue("Wire A", 2), FacetValue("Wire C", 2), FacetValue("Wire B", 1)]
    assert multi.facets["month"] == plain.facets["month"]
    both = newsroom.search(SearchRequest(query="oil", sources=("Wire A",), date_from=dt.date(2024, 1, 1),
                                         facets_leave_own_filter_out=True))
    assert both.facets["source"] == [FacetValue("Wire A", 1), FacetValue("Wire B", 1)]


def test_numpy_facet_counts_equal_a_plain_count_for_any_subset_of_documents():
    import random
    from collections import Counter

    import numpy as np

    from search.index.facets import FacetColumn

    rng = random.Random(7)
    names = ["Ann", "Bo", "Cy", "Dee", "Ed"]
    per_doc = [rng.sample(names, rng.randint(0, 3)) for _ in range(500)]
    column = FacetColumn.from_column([("\x1f".join(values)).encode() if values else b"" for values in per_doc])
    for _ in range(50):
        docs = np.array(sorted(rng.sample(range(500), rng.randint(0, 500))), dtype=np.int64)
        expected = Counter(name for doc in docs for name in per_doc[doc])
        counts = column.counts(docs)
        assert {column.names[i]: int(c) for i, c in enumerate(counts) if c} == dict(expected)


def test_a_pattern_for_too_many_words_is_refused(tmp_path):
    from search import IndexStore
    from search.index.query import MAX_EXPANSIONS
    folder = tmp_path / "words"
    folder.mkdir()
    write_jsonl(folder / "many.jsonl", [{"id": "many", "title": "Many words",
                                        "body": " ".join(f"ship{n}" for n in range(MAX_EXPANSIONS + 1))}])
    store = IndexStore(tmp_path / "index")
    index_paths(store, [folder], entities=False)
    index = NewsIndex(store.root)
    assert index.search(SearchRequest.from_text(query="ship99*")).total == 1
    with pytest.raises(QuerySyntaxError, match="matches more than 1,000 different words; make it longer"):
        index.search(SearchRequest.from_text(query="ship*"))
    index.close()


@pytest.mark.parametrize("query", ["oil", '"oil prices"~3', '"crude oil prices"'])  # arrays, Whoosh, a phrase
def test_a_search_over_the_time_limit_is_stopped_with_a_clear_error(newsroom, monkeypatch, query):
    from search.errors import SearchTooSlowError
    monkeypatch.setenv("NEWS_SEARCH_TIME_LIMIT", "1e-9")
    newsroom.close()  # a fresh searcher reads the setting
    with pytest.raises(SearchTooSlowError, match=r"longer than the limit of 1e-09 s \(set by NEWS_SEARCH_TIME_LIMIT\)"):
        newsroom.search(SearchRequest.from_text(query=query))
    monkeypatch.setenv("NEWS_SEARCH_TIME_LIMIT", "10")
    newsroom.close()
    assert newsroom.search(SearchRequest.from_text(query=query)).total > 0


def test_every_spelling_of_an_entity_finds_it_in_filters_and_field_queries(tmp_path, store):
    folder = tmp_path / "names"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", [
        {"id": "1", "title": "1", "body": "Donald Trump met reporters in London on Monday, officials said."},
        {"id": "2", "title": "2", "body": "Speaking in Britain later, Mr Trump said he was pleased with the talks."},
        {"id": "3", "title": "3", "body": "OPEC ministers met in Vienna on Tuesday to discuss oil output."},
    ])
    index_paths(store, [folder])
    index = NewsIndex(store.root)
    try:
        assert found(index, query="trump") == ["1", "2"]
        for name in ("Trump", "trump", "DONALD TRUMP", "President Trump"):
            assert found(index, people=(name,)) == ["1", "2"]
        for query in ("person:trump", 'person:"donald trump"', "person:TRUMP", "person:trump AND place:london"):
            assert found(index, query=query) == (["1"] if "london" in query else ["1", "2"])
        assert found(index, places=("uk",)) == found(index, query="place:britain") == ["2"]
        assert found(index, orgs=("opec",)) == found(index, orgs=("Organization of Petroleum Exporting Countries",)) \
            == ["3"]
        assert found(index, people=("Donald",)) == []
    finally:
        index.close()


def test_snippets_show_two_passages_with_every_match_in_them_marked():
    maker = SnippetMaker(text_analyzer(), frozenset({"tax"}))
    body = ("Opening words of the story. " * 5 + "The new tax rules and a tax cut were announced. "
            + "Unrelated words follow here. " * 12 + "Later the taxes rose again. " + "More filler text. " * 20
            + "A third tax mention far away.")
    snippet = maker.snippet(body)
    passages = snippet.split(" … ")
    assert snippet.startswith("… ") and snippet.endswith(" …") and len(passages) == 2
    assert snippet.count("<mark>") == 3 and "third" not in snippet  # the third passage is not shown
    plain = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "tax rules and a tax cut" in plain and "taxes rose" in plain
    assert all(len(passage) <= 260 for passage in plain.split(" … "))
    assert plain.count("tax") == snippet.count("<mark>")  # no match shown unmarked


def test_an_operator_just_inside_an_opening_bracket_works(newsroom):
    inside = newsroom.search(SearchRequest(query="(NOT prices AND output)"))
    plain = newsroom.search(SearchRequest(query="output NOT prices"))
    assert inside.total == plain.total >= 1
    assert [hit.id for hit in inside.hits] == [hit.id for hit in plain.hits]


def test_relative_dates_filter_from_today(store, articles_dir):
    today = dt.date.today()
    write_jsonl(articles_dir / "recent.jsonl", [
        {"id": str(days), "title": f"Harbour {days}", "body": "Ships in the harbour.",
         "date": (today - dt.timedelta(days=days)).isoformat()} for days in (0, 1, 6, 7, 40)])
    index_paths(store, [articles_dir], entities=False)
    index = NewsIndex(store.root)
    titles = {bound: sorted(hit.title for hit in index.search(SearchRequest.from_text(date_from=bound)).hits)
              for bound in ("today", "yesterday", "7d", "1w", "2m")}
    assert titles["today"] == ["Harbour 0"] and titles["yesterday"] == ["Harbour 0", "Harbour 1"]
    assert titles["7d"] == titles["1w"] == ["Harbour 0", "Harbour 1", "Harbour 6"]
    assert len(titles["2m"]) == 5
    assert index.search(SearchRequest.from_text(date_to="yesterday")).total == 4


def test_snippets_stay_short_around_a_very_long_word_and_mark_no_false_cuts():
    maker = SnippetMaker(text_analyzer(), frozenset({"a" * 5000, "oil"}))
    assert len(maker.snippet("a" * 5000 + " oil " + "b" * 5000)) < 300
    adjacent = "oil " + " ".join(f"w{i}" for i in range(27)) + " oil " + " ".join(f"v{i}" for i in range(40))
    snippet = maker.snippet(adjacent)
    assert snippet.count("…") == 1 and snippet.endswith(" …")  # nothing left out between the passages
    assert maker.snippet("  oil\tspills\nhere") == "<mark>oil</mark>\tspills\nhere"
