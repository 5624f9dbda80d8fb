"""Real corpora from ../shared/corpora: every article accounted for, facet counts checked by a direct scan."""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest

from search import IndexStore, NewsIndex, SearchRequest, index_paths
from search.index.query import parse_query
from search.index.schema import text_analyzer
from search.readers import ReadError, SourceFile, read_entries, reader_for

from .conftest import CORPORA, needs_corpus
from .reference import Article, Reference
from .test_ranking import check_query

REUTERS = CORPORA / "reuters21578"
WIKINEWS = CORPORA / "wikinews-2019-2020"
REUTERS_STORIES = 21578

pytestmark = [needs_corpus("reuters21578"), needs_corpus("wikinews-2019-2020")]


def parse(paths: list[Path]):
    articles, errors = [], []
    for path in paths:
        data = path.read_bytes()
        # Named as the index names a file given by itself: by its name (articles' ids come from it).
        source = SourceFile(str(path.resolve()), str(path), data, path.name)
        for entry in read_entries(source, reader_for(path, data)):
            (errors if isinstance(entry, ReadError) else articles).append(entry)
    return articles, errors


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Reuters and Wikinews indexed together, and the same articles parsed directly."""
    files = sorted(REUTERS.glob("reut2-*.sgm")) + sorted(WIKINEWS.glob("*.csv"))
    store = IndexStore(tmp_path_factory.mktemp("corpora") / "index")
    report = index_paths(store, files, entities=False)  # these tests check text, dates and sources, not names
    articles, errors = parse(files)
    words = {article.id: tokens(article.title) + ["\0"] + tokens(article.body) for article in articles}
    index = NewsIndex(store.root)
    yield report, articles, words, index
    index.close()


def test_every_reuters_story_is_indexed_or_reported(corpus):
    report, articles, _, index = corpus
    reuters_articles = sum(1 for a in articles if a.source == "Reuters")
    reuters_errors = [e for e in report.errors if "reut2-" in e.path]
    stories = sum(path.read_bytes().count(b"<REUTERS ") for path in REUTERS.glob("reut2-*.sgm"))
    assert stories == REUTERS_STORIES
    assert reuters_articles + len(reuters_errors) == REUTERS_STORIES
    assert [(Path(e.path).name, e.message) for e in reuters_errors] == [
        ("reut2-012.sgm", "story NEWID=12793 has neither title nor text")]
    assert index.stats().articles == len(articles) == report.articles


ANALYZER = text_analyzer()


def tokens(text: str) -> list[str]:
    """The words the index holds for `text`: the same analysis, applied outside the index."""
    return [token.text for token in ANALYZER(text)]


def contains_phrase(words: list[str], phrase: list[str]) -> bool:
    return any(words[i:i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1))


def direct_facets(matching) -> dict[str, list[dict]]:
    sources = Counter(a.source for a in matching)
    months = Counter(a.date.strftime("%Y-%m") for a in matching if a.date)
    return {
        "source": [{"value": v, "count": c} for v, c in sorted(sources.items(), key=lambda i: (-i[1], i[0]))][:10],
        "month": [{"value": v, "count": c} for v, c in sorted(months.items())],
    }


@pytest.mark.parametrize("query, predicate", [
    ("oil", lambda words: "oil" in words),
    ('"interest rates"', lambda words: contains_phrase(words, tokens("interest rates"))),
    ("coffee OR cocoa", lambda words: "coffe" in words or "cocoa" in words),
])
def test_facet_counts_equal_a_direct_count_over_the_parsed_corpus(corpus, query, predicate):
    _, articles, words, index = corpus
    matching = [a for a in articles if predicate(words[a.id])]
    result = index.search(SearchRequest(query=query))
    assert result.total == len(matching) > 50
    facets = result.to_dict()["facets"]
    assert {name: facets[name] for name in ("source", "month")} == direct_facets(matching)


def test_date_filter_counts_match_the_parsed_dates(corpus):
    _, articles, _, index = corpus
    expected = sum(1 for a in articles if a.date and "1987-03-01" <= a.date.isoformat() <= "1987-03-31")
    result = index.search(SearchRequest.from_text(date_from="1987-03", date_to="1987-03"))
    assert result.total == expected > 1000
    assert [m.value for m in result.facets["month"]] == ["1987-03"]


def test_wikinews_sources_come_from_the_url(corpus):
    _, _, _, index = corpus
    result = index.search(SearchRequest(sources=("en.wikinews.org",)))
    assert result.total == 295
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.hits[0].date)


def test_the_benchmark_queries_find_whooshs_documents_with_the_references_scores(corpus):
    """On real text: the documents Whoosh's own matchers find, scored and ordered as the reference says."""
    from bench.queries import QUERIES
    _, articles, words, index = corpus
    reference = Reference([
        Article(key=article.id, day=int(article.date.strftime("%Y%m%d")) if article.date else 0,
                words=dict(zip(("title", "body"), split_fields(words[article.id]))),
                values={"source": {article.source.lower()}}) for article in articles])
    searcher = index.searcher()
    for text in sorted({values["query"] for values in QUERIES}):
        query = parse_query(searcher._parser, text)
        assert searcher._matches(query, math.inf).docs.tolist() == sorted(searcher._searcher.docs_for_query(query))
        check_query(index, reference, text, key="id")


def split_fields(words: list[str]) -> tuple[list[str], list[str]]:
    at = words.index("\0")
    return words[:at], words[at + 1:]


def test_the_read_pool_of_related_articles_names_reuters_stories_as_the_bench_index_does():
    from bench.related import POOL, marked_judged

    files = sorted(REUTERS.glob("reut2-*.sgm"))  # the bench indexes them one by one, as `parse` reads them
    articles, _ = parse(files)
    labelled = {article.id for article in articles if article.labels.get("topics")}
    judged = labelled | marked_judged({(str(path), path.name) for path in files})
    pool = json.loads(POOL.read_text(encoding="utf-8"))
    pairs = [(article, story) for article, story, _ in pool["pool"] + pool["controls"]]
    assert len(set(pairs)) == len(pairs) == 1626 + 320
    assert {answer for _, _, answer in pool["pool"] + pool["controls"]} == {"yes", "no"}
    assert {article for article, _ in pairs} <= labelled
    assert {story for _, story, _ in pool["pool"]} <= {article.id for article in articles} - judged
    assert {story for _, story, _ in pool["controls"]} <= judged
