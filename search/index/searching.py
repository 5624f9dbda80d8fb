"""Running searches: one IndexSearcher per open Whoosh searcher, and NewsIndex to keep it fresh."""
from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.index import EmptyIndexError

from ..article import Article
from ..config import TIME_LIMIT_ENV, search_time_limit
from ..dates import day_number, from_day_number
from ..errors import NewsSearchError, QuerySyntaxError, SearchTooSlowError
from ..inbox import Inbox
from ..model import Export, Hit, IndexStats, RelatedArticles, SearchRequest, SearchResult
from .columns import Columns
from . import shared_groups
from .copy_groups import CopyGroups, Story
from .facets import all_facets, count_months, value_counts, within_dates
from .matches import Matches
from .matching import OutOfTime, QueryMatcher, Unsupported
from .postings import PostingReader
from .query import (
    Spellings,
    TimedReader,
    check_patterns,
    filter_query,
    highlight_terms,
    make_parser,
    parse_query,
    with_spellings,
)
from .gather import FACET_NAMES, Candidate, Rescoring, ShardPart
from .ranking import NEARNESS_WINDOW, Feedback, best, plain_words, rescored, with_nearness, with_nearness_in
from .related import RELATED_BM25, RERANKED, RelatedMatch, likeness_first, related_query, telling_words
from .schema import TEXT_FIELDS, from_stored
from .snippets import SnippetMaker
from .spelling import SUGGEST_BELOW, Speller
from .subjects import SAMPLE, SampleKey, SubjectSpace, SubjectSpaces
from .store import IndexStore, whoosh_file_errors
from .statistics import GlobalStatistics, RecordedStatistics, Statistics
from .vocabulary import load_vocabulary, vocabulary_path

MAX_COPIES_SHOWN = 200  # copies listed on an article's page


@dataclass(frozen=True)
class RelatedSource:
    """What related articles start from: the article's words with their counts, and the ids of the
    article and its copies, which are never related to it."""

    frequencies: dict[str, int]
    left_out: list[bytes]
    story: Story | None = None  # its story, when it has copies in other shards too


@dataclass(frozen=True)
class Selection:
    """Documents matching the query and date range (`base`, in index order) and, per facet field,
    the documents its filter lets through."""

    base: np.ndarray
    filters: dict[str, np.ndarray]  # a boolean mask over all documents per filter

    def matches(self, leaving_out: str | None = None) -> np.ndarray:
        """The documents every filter lets through, but the one named by `leaving_out`."""
        keep = np.ones(len(self.base), dtype=bool)
        for field, mask in self.filters.items():
            if field != leaving_out:
                keep &= mask[self.base]
        return self.base[keep]


ColumnSource = Callable[[Any, Path], Columns]
EXPORT_CHUNK = 1000


@dataclass(frozen=True)
class Ranking:
    """A search's matches (`docs`, after filters) and `first(n)`: the first n in the asked order, with
    their scores (None when ordered by date)."""

    query: wq.Query
    terms: TimedReader
    selection: Selection
    docs: np.ndarray
    first: Callable[[int], tuple[np.ndarray, np.ndarray | None]]


class IndexSearcher:
    """Searches one generation of the index as it was when opened. Not thread-safe.

    `columns` gives the per-document arrays of a reader; NewsIndex passes one that
    shares them between its threads' searchers, and the `spaces` they share.
    """

    def __init__(self, store: IndexStore, columns: ColumnSource = Columns.of_reader,
                 spaces: SubjectSpaces | None = None) -> None:
        self.store = store
        self.generation = store.current_generation()
        self._identity = _identity(self.generation)
        self._index = store.open(self.generation)
        self._searcher = self._index.searcher()
        _open_lazy_files(self._searcher.reader())
        # Whoosh unpickles the schema on every `Index.schema` access, and with it a
        # fresh stemmer cache: read it once, so snippets reuse stems across searches.
        schema = self._index.schema
        self._parser = make_parser(schema)
        self._body_analyzer = schema["body"].analyzer
        self.columns = columns(self._searcher.reader(), self.generation)
        self._time_limit = search_time_limit()
        self._query_matcher = QueryMatcher(PostingReader(self._searcher), self.columns)
        self._feedback = Feedback(self._query_matcher, self.columns, self._text_of, self._body_analyzer)
        self._spellings = Spellings(store.manifest(self.generation).names)
        reader = self._searcher.reader()
        self._groups_file = shared_groups.file_identity(reader, self.generation)
        self._copies = CopyGroups(self.columns, shared_groups.load(reader, self.generation),
                                  shared_groups.state_of(reader, self.generation))
        self._vocabulary: Counter | None = None
        self._speller = Speller(self.word_counts)
        self._spaces = spaces or SubjectSpaces()
        self._sample: list[SampleKey] | None = None

    def close(self) -> None:
        self._searcher.close()

    def is_current(self) -> bool:
        """False once a commit or a rebuild has made this view old (or removed its files, or put another index
        in their place: a folder deleted and built again has generations of the same names), or the groups
        of copies over all shards have been found for it (`shared_groups`)."""
        try:
            return (self.store.current_generation() == self.generation and _identity(self.generation) == self._identity
                    and self._searcher.up_to_date()
                    and shared_groups.file_identity(self._searcher.reader(), self.generation) == self._groups_file)
        except (OSError, EmptyIndexError):
            return False

    def query_tree(self, text: str) -> wq.Query:
        """The query a search runs for the user's `text`: names found under all their spellings."""
        return with_spellings(parse_query(self._parser, text), self._spellings)

    def search(self, request: SearchRequest) -> SearchResult:
        deadline = time.monotonic() + self._time_limit
        ranking = self._ranking(request, deadline)
        wanted = request.page * request.per_page
        ranked, ranked_scores = ranking.first(wanted)
        start = (request.page - 1) * request.per_page
        page = _paired(ranked[start:], ranked_scores[start:] if ranked_scores is not None else None)
        snippets = SnippetMaker(self._body_analyzer, highlight_terms(ranking.query, ranking.terms))
        selection, docs = ranking.selection, ranking.docs
        facet_docs, selected = ({field: selection.matches(leaving_out=field) for field in selection.filters},
                                request.filters()) if request.facets_leave_own_filter_out else ({}, {})
        return SearchResult(
            query=request.query,
            total=len(docs),
            page=request.page,
            per_page=request.per_page,
            hits=[self._hit(doc, score, snippets, deadline) for doc, score in page],
            facets=all_facets(self.columns, docs, request.facet_limit, facet_docs, selected),
            groups=self._copies.group_count(docs),
            suggestion=self._speller.suggestion(request.query) if len(docs) < SUGGEST_BELOW else None,
            collapsed=request.collapse,
        )

    def export(self, request: SearchRequest, *, body: bool = False) -> Export:
        """Every match of `request` in its order (one per story with `collapse`), as the hit fields
        without snippet (and with `body` when asked), read a thousand at a time as they are wanted.
        The matches are found and ordered at once (a bad query raises here), within the time limit."""
        ranking = self._ranking(request, time.monotonic() + self._time_limit)
        ranked, scores = ranking.first(len(ranking.docs))
        return Export(len(ranked), self._rows(ranked, scores, body))

    def _rows(self, ranked: np.ndarray, scores: np.ndarray | None, body: bool) -> Iterator[dict]:
        for start in range(0, len(ranked), EXPORT_CHUNK):
            chunk = slice(start, start + EXPORT_CHUNK)
            for doc, score in _paired(ranked[chunk], scores[chunk] if scores is not None else None):
                yield self._exported(doc, score, body)

    def _ranking(self, request: SearchRequest, deadline: float) -> Ranking:
        """The matches of `request` that pass its filters, and their order."""
        user_query, terms, near_words, matches, selection = self._matched(request, deadline)
        docs = selection.matches()
        if request.effective_sort == "relevance":
            scores = self._final_scores(docs, matches.scores_of(docs), near_words, request.feedback, deadline)

            def first(count: int) -> tuple[np.ndarray, np.ndarray | None]:
                return best(docs, scores, count, self.columns)
        else:
            def first(count: int) -> tuple[np.ndarray, np.ndarray | None]:
                return self._by_date(docs, count, newest=request.effective_sort == "newest"), None
        if request.collapse:
            return Ranking(user_query, terms, selection, docs,
                           lambda count: self._copies.first_of_stories(first, count, len(docs)))
        return Ranking(user_query, terms, selection, docs, first)

    def _matched(self, request: SearchRequest, deadline: float, statistics: Statistics | None = None
                 ) -> tuple[wq.Query, TimedReader, list[str], Matches, Selection]:
        """The query of `request`, its words to look for side by side, its matches with their scores
        (by `statistics`, default this index's own), and which pass the dates and filters."""
        near = request.effective_sort == "relevance"
        user_query, terms, near_words, matches = self._user_matches(request, deadline, statistics, near=near)
        selection = self._select(matches.docs, request, deadline)
        self._check_time(deadline)
        return user_query, terms, near_words, matches, selection

    def _user_matches(self, request: SearchRequest, deadline: float, statistics: Statistics | None, *,
                      near: bool) -> tuple[wq.Query, TimedReader, list[str], Matches]:
        """The query of `request`, its words to look for side by side (when `near`), and its matches."""
        user_query = self.query_tree(request.query)
        terms = TimedReader(self._searcher.reader(), lambda: self._check_time(deadline))
        check_patterns(user_query, terms)
        near_words = plain_words(user_query) if near else []
        self._query_matcher.begin_search(with_positions=bool(near_words), statistics=statistics)
        return user_query, terms, near_words, self._matches(user_query, deadline)

    # A search over shards (see `gather`): figures, then each shard's part, then the hits of the page.

    def statistics(self, request: SearchRequest) -> GlobalStatistics:
        """This index's figures for the words of `request`, to be summed over shards."""
        recorded = RecordedStatistics(self._query_matcher.postings)
        self._user_matches(request, time.monotonic() + self._time_limit, recorded, near=False)
        return recorded.recorded(TEXT_FIELDS)

    def part(self, request: SearchRequest, statistics: GlobalStatistics, wanted: int,
             rescoring: Rescoring | None = None) -> ShardPart:
        """This shard's share of a search scored with `statistics` (summed over the shards): its first
        `wanted` matches (one per story with `collapse`; and its nearness window), and the full counts
        of its facets; with `rescoring`, its first matches by their scores after feedback (see `Rescoring`)."""
        deadline = time.monotonic() + self._time_limit
        if rescoring is not None:
            selection, docs, scores, extra = self._rescoring_inputs(request, statistics, rescoring, deadline)
            final = rescored(scores, extra, rescoring.highest, rescoring.highest_extra)
            candidates = self._candidates(*self._stories_if(request.collapse, len(docs),
                                                            lambda count: best(docs, final, count, self.columns),
                                                            wanted))
        else:
            _, _, near_words, matches, selection = self._matched(request, deadline, statistics)
            docs = selection.matches()
            candidates = self._first_candidates(request, docs, matches, near_words, wanted, deadline)
        leave_out, selected = request.facets_leave_own_filter_out, request.filters()
        counts = {facet: value_counts(self.columns, facet, selection.matches(leaving_out=facet) if leave_out else docs,
                                      selected[facet] if leave_out else ())
                  for facet in FACET_NAMES}
        months = {value.value: value.count for value in count_months(self.columns, docs)}
        return ShardPart(len(docs), candidates, counts, months, *self._copies.group_count_parts(docs))

    def _first_candidates(self, request: SearchRequest, docs: np.ndarray, matches: Matches, near_words: list[str],
                          wanted: int, deadline: float) -> list[Candidate]:
        """The first `wanted` of `docs` in the asked order (one per story with `collapse`); by relevance,
        with this shard's nearness window (each with its score before and after the bonus) besides."""
        if request.effective_sort != "relevance":
            newest = request.effective_sort == "newest"
            ranked, _ = self._stories_if(request.collapse, len(docs),
                                         lambda count: (self._by_date(docs, count, newest=newest), None), wanted)
            return self._candidates(ranked, None)
        window = np.zeros(0, dtype=np.int64)
        candidates = []
        if near_words:
            window = np.sort(best(docs, matches.scores_of(docs), NEARNESS_WINDOW, self.columns)[0])
            before = matches.scores_of(window)
            candidates = self._candidates(window, before, self._final_scores(window, before, near_words, False,
                                                                             deadline), windowed=True)
        rest = np.setdiff1d(docs, window, assume_unique=True)
        scores = matches.scores_of(rest)
        return candidates + self._candidates(*self._stories_if(request.collapse, len(rest),
                                                               lambda count: best(rest, scores, count, self.columns),
                                                               wanted))

    def _stories_if(self, collapse: bool, available: int, first: Callable[[int], tuple[np.ndarray, np.ndarray | None]],
                    wanted: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The first `wanted` documents of the order `first` gives (of `available`), one per story if `collapse`."""
        return self._copies.first_of_stories(first, wanted, available) if collapse else first(wanted)

    def _candidates(self, docs: np.ndarray, scores: np.ndarray | None, with_bonus: np.ndarray | None = None,
                    windowed: bool = False) -> list[Candidate]:
        """`docs` as candidates of a gather, with their scores (None in an order by date), after the
        nearness bonus if given, and their stories."""
        ids, days, copies = self.columns.ids, self.columns.days, self._copies
        scores_list = scores.tolist() if scores is not None else [None] * len(docs)
        bonus_list = with_bonus.tolist() if with_bonus is not None else scores_list
        return [Candidate(ids[doc], int(days[doc]), score, bonus, windowed, copies.story(doc), copies.spread(doc))
                for doc, score, bonus in zip(docs.tolist(), scores_list, bonus_list)]

    # Feedback over shards (see `Rescoring`): the best matches' words, how many articles hold each,
    # and the highest score of the feedback words in the matches.

    def feedback_tokens(self, ranked: list[tuple[bytes, float | None]]) -> list[tuple[bytes, list[str]]]:
        """The first words (see `Feedback.tokens`) of the articles of this shard among `ranked` (by id)."""
        return [(self.columns.ids[doc], self._feedback.tokens(doc)) for doc, _ in self._held(ranked)]

    def live_frequencies(self, words: list[str]) -> tuple[int, dict[str, int]]:
        """How many live articles there are, and how many hold each of `words` in their body."""
        return self._query_matcher.postings.live_count, {word: self._feedback.live_frequency(word) for word in words}

    def highest_extra(self, request: SearchRequest, statistics: GlobalStatistics, rescoring: Rescoring) -> float:
        """The highest score of the feedback words among this shard's matches (0 for none)."""
        _, _, _, extra = self._rescoring_inputs(request, statistics, rescoring, time.monotonic() + self._time_limit)
        return float(extra.max()) if len(extra) else 0.0

    def _rescoring_inputs(self, request: SearchRequest, statistics: GlobalStatistics, rescoring: Rescoring,
                          deadline: float) -> tuple[Selection, np.ndarray, np.ndarray, np.ndarray]:
        """This shard's matches, their scores with the nearness bonus where the whole index gives it, and
        the feedback words' scores in them."""
        _, _, near_words, matches, selection = self._matched(request, deadline, statistics)
        docs = selection.matches()
        window = docs[np.isin(self.columns.ids[docs], rescoring.window)]
        try:
            scores = with_nearness_in(self._query_matcher, near_words, docs, matches.scores_of(docs), window)
            self._query_matcher.begin_search(statistics=rescoring.statistics)
            extra = self._feedback.extra_scores(docs, rescoring.expansion, deadline)
        except OutOfTime:
            raise self._too_slow() from None
        return selection, docs, scores, extra

    def hits(self, request: SearchRequest, ranked: list[tuple[bytes, float | None]]) -> list[Hit]:
        """The hits of articles of this shard (by id, with the scores the gather gave them), their
        snippets marked for `request`."""
        deadline = time.monotonic() + self._time_limit
        user_query = self.query_tree(request.query)
        terms = TimedReader(self._searcher.reader(), lambda: self._check_time(deadline))
        snippets = SnippetMaker(self._body_analyzer, highlight_terms(user_query, terms))
        return [self._hit(doc, score, snippets, deadline) for doc, score in self._held(ranked)]

    def source_names(self, live: np.ndarray | None = None) -> list[str]:
        """The sources of the live articles (`live`, when already at hand), each once."""
        live = self._live_docs() if live is None else live
        column = self.columns.facet("source")
        return [column.names[value] for value in np.flatnonzero(column.counts(live)).tolist()]

    def _live_docs(self) -> np.ndarray:
        return np.fromiter(self._searcher.reader().all_doc_ids(), dtype=np.int64)

    def rows(self, ranked: list[tuple[bytes, float | None]], body: bool) -> list[dict]:
        """Exported rows (see `export`) of articles of this shard, by id, with the scores the gather gave them."""
        return [self._exported(doc, score, body) for doc, score in self._held(ranked)]

    def _held(self, ranked: list[tuple[bytes, float | None]]) -> list[tuple[int, float | None]]:
        """The documents of the articles (by id) that this index holds, with their scores, in order."""
        docs = [self._searcher.document_number(id=article_id.decode("utf-8")) for article_id, _ in ranked]
        return [(doc, score) for doc, (_, score) in zip(docs, ranked) if doc is not None]

    def word_counts(self, words: set[str]) -> dict[str, int]:
        """How many articles hold each of `words` (as written), from the vocabulary, read when first needed."""
        if self._vocabulary is None:
            path = vocabulary_path(self.generation, self._searcher.reader().generation())
            self._vocabulary = load_vocabulary(path) or Counter()
        return {word: self._vocabulary[word] for word in words if word in self._vocabulary}

    def _text_of(self, doc: int) -> str:
        stored = self._searcher.stored_fields(doc)
        return f"{stored.get('title') or ''}\n{stored.get('body') or ''}"

    def article(self, article_id: str) -> Article | None:
        stored = self._searcher.document(id=article_id)
        return from_stored(stored) if stored else None

    def copies(self, article_id: str) -> list[Hit] | None:
        """The other articles that are copies of the story of `article_id`, oldest first; None when
        there is no such article."""
        doc = self._searcher.document_number(id=article_id)
        if doc is None:
            return None
        return [self._plain_hit(other) for other in self._by_date(self._copies.of(doc), MAX_COPIES_SHOWN,
                                                                   newest=False).tolist()]

    # Copies over shards (see `shared_groups`): a story's articles in every shard.

    def story_of(self, article_id: str) -> tuple[Story, bool] | None:
        """The story of `article_id`, and whether it has copies in other shards; None when this index
        does not hold it."""
        doc = self._searcher.document_number(id=article_id)
        return (self._copies.story(doc), self._copies.spread(doc)) if doc is not None else None

    def story_members(self, story: Story, article_id: str) -> list[tuple[tuple, Hit]]:
        """The first MAX_COPIES_SHOWN articles here of `story` but `article_id`, oldest first, each with
        its place in that order."""
        members = self._members_but(story, article_id.encode("utf-8"))
        days, ids = self.columns.days, self.columns.ids
        return [((days[doc] == 0, int(days[doc]), ids[doc]), self._plain_hit(doc))
                for doc in self._by_date(members, MAX_COPIES_SHOWN, newest=False).tolist()]

    def copy_counts(self, asked: list[tuple[bytes, Story]]) -> list[tuple[int, dict[str, int]]]:
        """For each article (by id) and its story, how many articles here are its copies, and their sources."""
        return [(len(members), self._copies.source_counts(members))
                for members in (self._members_but(story, article_id) for article_id, story in asked)]

    def _members_but(self, story: Story, article_id: bytes) -> np.ndarray:
        """The articles here of `story`, but the one of `article_id`."""
        members = self._copies.members(story)
        return members[self.columns.ids[members] != article_id]

    def related(self, article_id: str, limit: int = 5) -> RelatedArticles | None:
        """The `limit` articles most about the same story or subject as `article_id`, best first: those
        its telling words find (`related`), one per story, never it or its copies. None when there is
        no such article."""
        source = self.related_source(article_id)
        if source is None:
            return None
        article_count, found_in = self.body_frequency_bounds(set(source.frequencies))
        words = telling_words(source.frequencies, found_in, article_count,
                              lambda unsure: self.live_frequencies(unsure)[1])
        found = self.related_part(words, None, source.left_out, limit) if words else []
        space = self.subject_space() if found else None
        return RelatedArticles(article_id, [match.hit for match in likeness_first(found, source.frequencies, space,
                                                                                  limit)])

    def subject_space(self) -> SubjectSpace | None:
        """The subject space of this index's SAMPLE earliest articles (see `subjects`)."""
        sample = self.subject_sample()
        return self._spaces.of(tuple(sample), lambda: list(self.sampled_words([key[2] for key in sample]).values()))

    def subject_sample(self) -> list[SampleKey]:
        """The keys of this index's SAMPLE earliest live articles, in order (undated ones last)."""
        if self._sample is None:
            live = self._live_docs()
            days, ids = self.columns.days[live], self.columns.ids[live]
            order = np.lexsort((ids, days, days == 0))[:SAMPLE].tolist()
            self._sample = [(bool(days[i] == 0), int(days[i]), bytes(ids[i]),
                             self._searcher.stored_fields(int(live[i])).get("content_hash") or "") for i in order]
        return self._sample

    def sampled_words(self, article_ids: list[bytes]) -> dict[bytes, dict[str, int]]:
        """The words of those of `article_ids` this index holds live (see `_words_of`), in that order."""
        live = self._live_docs()
        held = live[np.isin(self.columns.ids[live], article_ids)]
        docs = dict(zip(self.columns.ids[held].tolist(), held.tolist()))
        return {article_id: self._words_of(docs[article_id]) for article_id in article_ids if article_id in docs}

    # Related articles in steps, for shards too: the article's words; how many articles hold each
    # (bounds, then exact counts of the words whose choice depends on it);
    # the figures BM25 needs for the query of its telling words; and each shard's best matches.

    def related_source(self, article_id: str) -> RelatedSource | None:
        """The words of `article_id` (as indexed, with how often it uses each), and the ids of it and
        its copies; None when this index does not hold it."""
        doc = self._searcher.document_number(id=article_id)
        if doc is None:
            return None
        left_out = [bytes(self.columns.ids[other]) for other in np.r_[doc, self._copies.of(doc)].tolist()]
        return RelatedSource(self._words_of(doc), left_out, self._copies.story(doc) if self._copies.spread(doc) else None)

    def _words_of(self, doc: int) -> dict[str, int]:
        """The words of an article's title and body, as indexed, with how often it uses each."""
        return dict(Counter(token.text for token in self._body_analyzer(self._text_of(doc))))

    def body_frequency_bounds(self, words: set[str]) -> tuple[int, dict[str, tuple[int, int]]]:
        """How many live articles there are, and between how many and how many of them hold each of
        `words` in the body (see `PostingReader.frequency_bounds`; `live_frequencies` counts exactly)."""
        postings = self._query_matcher.postings
        return postings.live_count, {word: postings.frequency_bounds("body", word.encode("utf-8")) for word in words}

    def query_statistics(self, query: wq.Query) -> GlobalStatistics:
        """This index's figures for the words of `query` (related articles' or feedback's), to be summed
        over shards."""
        recorded = RecordedStatistics(self._query_matcher.postings)
        self._query_matcher.begin_search(statistics=recorded)
        self._matches(query, time.monotonic() + self._time_limit)
        return recorded.recorded(TEXT_FIELDS)

    def related_part(self, words: dict[str, float], statistics: GlobalStatistics | None, left_out: list[bytes],
                     limit: int, left_out_story: Story | None = None) -> list[RelatedMatch]:
        """The best articles the query of `words` finds here (scored with `statistics`, default this
        index's own), enough for `likeness_first` to keep `limit`: one per story, none of `left_out` (ids)
        or `left_out_story`, each with its hit and its words."""
        deadline = time.monotonic() + self._time_limit
        self._query_matcher.begin_search(statistics=statistics, bm25=RELATED_BM25)
        found = self._matches(related_query(words), deadline)
        keep = ~np.isin(self.columns.ids[found.docs], left_out)
        if left_out_story is not None:
            keep &= ~np.isin(found.docs, self._copies.members(left_out_story))
        docs, scores = found.docs[keep], found.scores[keep]
        ranked, ranked_scores = self._copies.first_of_stories(lambda count: best(docs, scores, count, self.columns),
                                                              max(limit, RERANKED), len(docs))
        return [RelatedMatch(candidate, self._plain_hit(doc), self._words_of(doc))
                for candidate, doc in zip(self._candidates(ranked, ranked_scores), ranked.tolist())]

    def _plain_hit(self, doc: int) -> Hit:
        """A hit without a score, whose snippet is the article's start."""
        return self._hit(doc, None, SnippetMaker(self._body_analyzer, frozenset()), math.inf)

    def stats(self) -> IndexStats:
        live = self._live_docs()
        days = self.columns.days[live]
        days = days[days > 0].tolist()
        manifest = self.store.manifest(self.generation)
        inbox = Inbox(self.store.root)
        return IndexStats(
            articles=len(live),
            first_date=from_day_number(min(days)).isoformat() if days else None,
            last_date=from_day_number(max(days)).isoformat() if days else None,
            sources=len(self.source_names(live)),
            index_bytes=self.store.size_bytes(),
            last_indexed=manifest.last_indexed,
            files=len(manifest.files),
            location=str(self.store.root),
            posted_articles=inbox.indexed_articles(manifest),
            inbox_batches=len(inbox.waiting()),
        )

    def _matches(self, whoosh_query: wq.Query, deadline: float) -> Matches:
        """Every match with its score (see `matching` for what each kind of query means)."""
        try:
            matches = self._query_matcher.matches(whoosh_query, deadline)
        except OutOfTime:
            raise self._too_slow() from None
        except Unsupported as error:
            raise QuerySyntaxError(f"{error} are not supported") from None
        self._check_time(deadline)
        return matches

    def _check_time(self, deadline: float) -> None:
        if time.monotonic() > deadline:
            raise self._too_slow()

    def _too_slow(self) -> SearchTooSlowError:
        return SearchTooSlowError(f"the search took longer than the limit of {self._time_limit:g} s "
                                  f"(set by {TIME_LIMIT_ENV}); make the query more specific")

    def _select(self, docs: np.ndarray, request: SearchRequest, deadline: float) -> Selection:
        """Of the query's matches (`docs`, sorted), those in the date range, and those passing each facet filter."""
        if request.date_from or request.date_to:
            start = day_number(request.date_from) if request.date_from else 1
            end = day_number(request.date_to) if request.date_to else 99_999_999
            docs = within_dates(self.columns, docs, start, end)
        filters = {}
        for field, values in request.filters().items():
            if values:
                mask = np.zeros(self._searcher.reader().doc_count_all(), dtype=bool)
                mask[self._matches(filter_query(field, values, self._spellings), deadline).docs] = True
                filters[field] = mask
        return Selection(docs, filters)

    def _final_scores(self, docs: np.ndarray, scores: np.ndarray, near_words: list[str], feedback: bool,
                      deadline: float) -> np.ndarray:
        """The query's scores of `docs` with the nearness bonus, and feedback when asked."""
        try:
            scores = with_nearness(self._query_matcher, near_words, docs, scores, self.columns)
            return self._feedback.rescored(docs, scores, deadline) if feedback else scores
        except OutOfTime:
            raise self._too_slow() from None

    def _by_date(self, docs: np.ndarray, count: int, *, newest: bool) -> np.ndarray:
        """The first `count` documents by date; undated ones come last either way; one day's by id, so that
        the order does not depend on where the articles sit in the index."""
        days = self.columns.days[docs]
        order = np.lexsort((self.columns.ids[docs], -days if newest else days, days == 0))
        return docs[order[:count]]

    def _exported(self, doc: int, score: float | None, body: bool) -> dict:
        """One exported article: the hit's fields but the snippet; its body when asked."""
        article = from_stored(self._searcher.stored_fields(doc))
        row = asdict(self._hit_of(article, doc, score, snippet=""))
        del row["snippet"]
        if body:
            row["body"] = article.body
        return row

    def _hit(self, doc: int, score: float | None, snippets: SnippetMaker, deadline: float) -> Hit:
        """One hit; past the deadline its snippet is the article's start, unmarked."""
        article = from_stored(self._searcher.stored_fields(doc))
        return self._hit_of(article, doc, score, snippets.snippet(article.body, deadline))

    def _hit_of(self, article: Article, doc: int, score: float | None, snippet: str) -> Hit:
        copies = self._copies.of(doc)
        return Hit(
            id=article.id, title=article.title,
            date=article.date.isoformat() if article.date else None,
            source=article.source, distributor=article.distributor, url=article.url, path=article.path,
            score=round(score, 4) if score is not None else None,
            snippet=snippet,
            people=list(article.people), orgs=list(article.orgs), places=list(article.places),
            copies=len(copies), copy_sources=self._copies.sources(copies),
        )


def _identity(directory: Path) -> tuple[int, int]:
    """Which directory `directory` is (device and inode), whatever its name."""
    found = directory.stat()
    return found.st_dev, found.st_ino


def _paired(docs: np.ndarray, scores: np.ndarray | None) -> list[tuple[int, float | None]]:
    """(document, score) pairs; every score None when `scores` is (an order by date)."""
    return list(zip(docs.tolist(), scores.tolist() if scores is not None else [None] * len(docs)))


def _open_lazy_files(reader) -> None:
    """Open each segment's stored fields and field lengths now: Whoosh opens them at first use, and a
    commit that merges segments deletes their files, which an open file outlives but a later open
    does not. A searcher (or an export) that runs through commits then keeps reading what it began on."""
    for leaf, _ in reader.leaf_readers():
        if leaf.doc_count_all():
            leaf.stored_fields(0)
            for field in TEXT_FIELDS:
                leaf.doc_field_length(0, field)


class NewsIndex:
    """The index as seen by a long-running reader: a searcher per thread, reopened when the index changed."""

    def __init__(self, root: Path | str) -> None:
        self.store = IndexStore(root)
        self._local = threading.local()
        self._columns: tuple[tuple, Columns] | None = None
        self._columns_lock = threading.Lock()
        self._spaces = SubjectSpaces(self.store.root)

    def searcher(self) -> IndexSearcher:
        current = getattr(self._local, "searcher", None)
        if current is not None and current.is_current():
            return current
        fresh = self._open()
        if current is not None:
            current.close()
        self._local.searcher = fresh
        return fresh

    def _open(self, attempts: int = 3) -> IndexSearcher:
        """A searcher of the current generation; when a rebuild replaces that generation while it is
        being opened (its files vanish), the new one is opened instead."""
        for _ in range(attempts - 1):
            generation = self.store.current_generation()
            try:
                return self._new_searcher(generation)
            except (NewsSearchError, OSError):
                if self.store.current_generation() == generation:
                    raise
        return self._new_searcher(self.store.current_generation())

    def _new_searcher(self, generation: Path) -> IndexSearcher:
        with whoosh_file_errors(generation):
            return IndexSearcher(self.store, self._shared_columns, self._spaces)

    def _shared_columns(self, reader, directory: Path) -> Columns:
        """One copy of the newest index state's arrays for all threads (they are read-only)."""
        key = (str(directory), _identity(directory), reader.generation())  # a folder built again reuses names
        with self._columns_lock:
            if self._columns is None or self._columns[0] != key:
                self._columns = (key, Columns.of_reader(reader, directory))
            return self._columns[1]

    def search(self, request: SearchRequest) -> SearchResult:
        return self.on_searcher(lambda searcher: searcher.search(request))

    def on_searcher(self, call: Callable[[IndexSearcher], Any]) -> Any:
        """`call` on this thread's current searcher, a damaged file reported as such."""
        searcher = self.searcher()
        with whoosh_file_errors(searcher.generation):
            return call(searcher)

    def article(self, article_id: str) -> Article | None:
        return self.on_searcher(lambda searcher: searcher.article(article_id))

    def copies(self, article_id: str) -> list[Hit] | None:
        return self.on_searcher(lambda searcher: searcher.copies(article_id))

    def related(self, article_id: str, limit: int = 5) -> RelatedArticles | None:
        return self.on_searcher(lambda searcher: searcher.related(article_id, limit))

    def export(self, request: SearchRequest, *, body: bool = False) -> Export:
        """Every match of `request`, in order (see IndexSearcher.export), from a searcher of its own that
        stays open until the last one is read: an export is of one state of the index."""
        searcher = self._open()
        try:
            with whoosh_file_errors(searcher.generation):
                found = searcher.export(request, body=body)
        except BaseException:
            searcher.close()
            raise
        return Export(found.total, self._closing(searcher, found.rows))

    @staticmethod
    def _closing(searcher: IndexSearcher, rows: Iterator[dict]) -> Iterator[dict]:
        try:
            with whoosh_file_errors(searcher.generation):
                yield from rows
        finally:
            searcher.close()

    def stats(self) -> IndexStats:
        return self.on_searcher(lambda searcher: searcher.stats())

    def close(self) -> None:
        current = getattr(self._local, "searcher", None)
        if current is not None:
            current.close()
            self._local.searcher = None

