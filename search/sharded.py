"""A sharded index: N indexes searched as one (the scatter and gather of `index.gather`).

Searching one takes three rounds of a call per shard, each run by a `cluster` runner
(threads here, or tasks on a Dask cluster): the figures BM25 needs for the query's
words, summed; each shard's first matches and facet counts, scored with the sums;
then the hits of the page, from the shards that hold them. The answer is the one a
single index of the same articles gives: totals, hits, scores, facets and pages.
Feedback and related articles take a few more rounds of the same kind (each shard's
figures summed, then each scores with the sums): see `Rescoring` and `related`.
Copies are grouped over all shards after each run (`shard_runs.settle_copies`), so one
hit per story is too, and a hit whose story has copies in other shards asks them for
their count. The calls each shard runs are in `shard_calls`.
"""
from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .article import Article
from .cluster import ShardRunner, runner_for
from .config import search_time_limit
from .errors import IndexMissingError, NewsSearchError
from .index import NewsIndex
from .index.copy_groups import ranked_sources
from .index.gather import (
    Candidate,
    Rescoring,
    ShardPart,
    group_count,
    merged_facets,
    merged_order,
    window_of,
)
from .index.ranking import (
    COMMON_SHARE,
    FEEDBACK_DOCUMENTS,
    NEARNESS_WINDOW,
    expansion_query,
    feedback_model,
    feedback_words,
)
from .index.related import likeness_first, related_query, telling_words
from .index.subjects import SAMPLE, SampleKey, SubjectSpace, SubjectSpaces
from .index.searching import MAX_COPIES_SHOWN
from .index.spelling import SUGGEST_BELOW, Speller
from .index.statistics import GlobalStatistics
from .model import Export, Hit, IndexStats, RelatedArticles, SearchRequest, SearchResult
from .shard_calls import (
    each,
    shard_article,
    shard_body_frequency_bounds,
    shard_copy_counts,
    shard_feedback_tokens,
    shard_highest_extra,
    shard_hits,
    shard_live_frequencies,
    shard_part,
    shard_query_statistics,
    shard_related_part,
    shard_related_source,
    shard_rows,
    shard_sampled_words,
    shard_statistics,
    shard_stats,
    shard_story_members,
    shard_story_of,
    shard_subject_sample,
    shard_word_counts,
)
from .shard_layout import ShardLayout

ROUND_TRIP = 5.0  # seconds a cluster may add to a search's own time limit, per round
EXPORT_CHUNK = 1000  # rows asked of the shards at a time
MAX_EXPORT = 2**62  # "every match", as a count of matches wanted


class ShardedIndex:
    """The shards of `layout`, searched as one index; their work runs on `runner`."""

    def __init__(self, layout: ShardLayout, runner: ShardRunner | None = None) -> None:
        self.layout = layout
        self.roots = layout.shard_roots()
        self.runner = runner or runner_for(None)
        self._speller = Speller(lambda words: sum(map(Counter, self._map(shard_word_counts, words)), Counter()))
        self._spaces = SubjectSpaces(layout.root)
        self._shard_samples: dict[str, tuple[str, list[SampleKey]]] = {}  # root: (digest, keys) last sent

    def _map(self, function, *args, roots: list[Path] | None = None, deadline: float | None = None) -> list:
        """`function(root, *args)` on every shard (or on `roots`), answered by `deadline` (a search's
        rounds share one: its time limit plus ROUND_TRIP), else a ClusterError naming the late shards."""
        deadline = deadline or _deadline()
        try:
            return self.runner.map(function, self.roots if roots is None else roots, *args,
                                   timeout=max(0.0, deadline - time.monotonic()))
        except IndexMissingError as error:  # a shard folder deleted: the sharded index's own run rebuilds it
            root = self.layout.root
            raise NewsSearchError(f"{str(error).splitlines()[0].rstrip('.')} (a shard of the sharded index at {root}); "
                                  f"`news-search --index {root} index PATH...` builds it again") from None

    def search(self, request: SearchRequest) -> SearchResult:
        wanted = request.page * request.per_page
        deadline = _deadline()
        parts, order = self._gathered(request, wanted, deadline)
        page = order[(request.page - 1) * request.per_page:wanted]
        found = {hit.id: hit for hits in self._from_owners(shard_hits, request, parts, page, deadline) for hit in hits}
        across = self._copies_across(page, deadline)
        total = sum(part.total for part in parts)
        selected = request.filters() if request.facets_leave_own_filter_out else {}
        suggestion = self._speller.suggestion(request.query) if total < SUGGEST_BELOW else None
        return SearchResult(
            query=request.query, total=total, page=request.page, per_page=request.per_page,
            hits=[_with_copies(found[key], across) for key in _keys(page) if key in found],
            facets=merged_facets(parts, request.facet_limit, selected),
            groups=group_count(parts), suggestion=suggestion, collapsed=request.collapse)

    def export(self, request: SearchRequest, *, body: bool = False) -> Export:
        """Every match of `request` in its order (see IndexSearcher.export), read from the shards a
        thousand at a time. Each thousand is read from the shards as they are then."""
        parts, order = self._gathered(request, MAX_EXPORT, _deadline())
        return Export(len(order), self._rows(parts, order, body))

    def _rows(self, parts: list[ShardPart], order: list[Candidate], body: bool) -> Iterator[dict]:
        for start in range(0, len(order), EXPORT_CHUNK):
            chunk = order[start:start + EXPORT_CHUNK]
            deadline = _deadline()
            found = {row["id"]: row for rows in self._from_owners(shard_rows, body, parts, chunk, deadline)
                     for row in rows}
            for key, (count, sources) in self._copies_across(chunk, deadline).items():
                if key in found:
                    found[key].update(copies=count, copy_sources=sources)
            yield from (found[key] for key in _keys(chunk) if key in found)

    def _gathered(self, request: SearchRequest, wanted: int,
                  deadline: float) -> tuple[list[ShardPart], list[Candidate]]:
        """The shards' parts of a search, and the first `wanted` of its matches in order."""
        statistics = GlobalStatistics.summed(self._map(shard_statistics, request, deadline=deadline))
        sort = request.effective_sort
        if not (request.feedback and sort == "relevance"):
            parts: list[ShardPart] = self._map(shard_part, request, statistics, wanted, None, deadline=deadline)
            return parts, merged_order(parts, sort, NEARNESS_WINDOW, request.collapse)[:wanted]
        # Feedback comes from the best matches, copies or not; then the matches are ordered (and
        # collapsed) by their new scores.
        every_match = dataclasses.replace(request, collapse=False)
        parts = self._map(shard_part, every_match, statistics, max(wanted, FEEDBACK_DOCUMENTS), None, deadline=deadline)
        order = merged_order(parts, sort, NEARNESS_WINDOW)
        rescoring = self._rescoring(request, statistics, parts, order, deadline)
        if rescoring is not None or request.collapse:
            parts = self._map(shard_part, request, statistics, wanted, rescoring, deadline=deadline)
            order = merged_order(parts, sort, NEARNESS_WINDOW, request.collapse)
        return parts, order[:wanted]

    def _rescoring(self, request: SearchRequest, statistics: GlobalStatistics, parts: list[ShardPart],
                   order: list[Candidate], deadline: float) -> Rescoring | None:
        """Feedback as one index gives it (`ranking.Feedback`), from the shards: the words of the best
        matches, checked against every shard's counts, and the highest score they give; None when
        feedback leaves the scores as they are."""
        top = order[:FEEDBACK_DOCUMENTS]
        if not top or top[0].score <= 0:
            return None
        tokens = dict(found for held in self._from_owners(shard_feedback_tokens, None, parts, top, deadline)
                      for found in held)
        model = feedback_model([tokens[candidate.id] for candidate in top],
                               np.array([candidate.score for candidate in top]))
        words = feedback_words(model, lambda batch: self._too_common(batch, deadline))
        if not words:
            return None
        expansion = expansion_query(words)
        rescoring = Rescoring(window_of(parts, NEARNESS_WINDOW), expansion,
                              GlobalStatistics.summed(self._map(shard_query_statistics, expansion, deadline=deadline)),
                              top[0].score)
        highest = max(self._map(shard_highest_extra, request, statistics, rescoring, deadline=deadline))
        return dataclasses.replace(rescoring, highest_extra=highest)

    def _too_common(self, words: list[str], deadline: float) -> set[str]:
        """Those of `words` that more than COMMON_SHARE of all the shards' articles hold."""
        live, holding = self._live_frequencies(words, deadline)
        return {word for word in words if holding[word] > COMMON_SHARE * live}

    def _live_frequencies(self, words: list[str], deadline: float) -> tuple[int, dict[str, int]]:
        """How many live articles the shards hold, and how many of them hold each of `words` in their body."""
        counts = self._map(shard_live_frequencies, words, deadline=deadline)
        return sum(live for live, _ in counts), {word: sum(found[word] for _, found in counts) for word in words}

    def _copies_across(self, candidates: list[Candidate], deadline: float) -> dict[str, tuple[int, list[str]]]:
        """For those of `candidates` whose stories have copies in other shards, how many copies they have
        in all shards and the sources of those (`copies` and `copy_sources` of a hit), by id."""
        asked = [(candidate.id, candidate.story) for candidate in candidates if candidate.spread]
        if not asked:
            return {}
        counted = self._map(shard_copy_counts, asked, deadline=deadline)
        across = {}
        for number, (article_id, _) in enumerate(asked):
            sources: Counter = sum((Counter(part[number][1]) for part in counted), Counter())
            across[article_id.decode("utf-8")] = (sum(part[number][0] for part in counted), ranked_sources(sources))
        return across

    def _from_owners(self, function, argument, parts: list[ShardPart], wanted: list[Candidate],
                     deadline: float) -> list:
        """`function(root, argument, [(id, score)…])` on each shard that holds some of `wanted`."""
        owners = {candidate.id: number for number, part in enumerate(parts) for candidate in part.candidates}
        per_shard = [[(c.id, c.score) for c in wanted if owners[c.id] == number] for number in range(len(parts))]
        asked = [number for number, items in enumerate(per_shard) if items]
        return self._map(each, function, argument, {str(self.roots[number]): per_shard[number] for number in asked},
                         roots=[self.roots[number] for number in asked], deadline=deadline)

    def article(self, article_id: str) -> Article | None:
        return next((article for article in self._map(shard_article, article_id) if article is not None), None)

    def stats(self) -> IndexStats:
        parts = self._map(shard_stats)
        sources = set().union(*(names for _, names in parts))
        stats = [part for part, _ in parts]
        first = [s.first_date for s in stats if s.first_date]
        last = [s.last_date for s in stats if s.last_date]
        indexed = [s.last_indexed for s in stats if s.last_indexed]
        return IndexStats(
            articles=sum(s.articles for s in stats), first_date=min(first, default=None),
            last_date=max(last, default=None), sources=len(sources),
            index_bytes=sum(s.index_bytes for s in stats), last_indexed=max(indexed, default=None),
            files=sum(s.files for s in stats), location=str(self.layout.root),
            posted_articles=sum(s.posted_articles for s in stats), inbox_batches=sum(s.inbox_batches for s in stats))

    def related(self, article_id: str, limit: int = 5) -> RelatedArticles | None:
        """As `NewsIndex.related`, over the shards: the article's words come from its shard; how many
        articles hold each, and the figures that score the query of its telling words, are summed over
        all; then each shard sends its best, one per story, and the first of each story are kept."""
        deadline = _deadline()
        sources = self._map(shard_related_source, article_id, deadline=deadline)
        source = next((found for found in sources if found is not None), None)
        if source is None:
            return None
        bounds = self._map(shard_body_frequency_bounds, set(source.frequencies), deadline=deadline)
        found_in = {word: (sum(part[word][0] for _, part in bounds), sum(part[word][1] for _, part in bounds))
                    for word in source.frequencies}
        words = telling_words(source.frequencies, found_in, sum(live for live, _ in bounds),
                              lambda unsure: self._live_frequencies(unsure, deadline)[1])
        if not words:
            return RelatedArticles(article_id, [])
        statistics = GlobalStatistics.summed(self._map(shard_query_statistics, related_query(words),
                                                       deadline=deadline))
        parts = self._map(shard_related_part, words, statistics, source.left_out, limit, source.story,
                          deadline=deadline)
        found = [match for part in parts for match in part]
        space = self._subject_space(deadline) if found else None
        best = likeness_first(found, source.frequencies, space, limit)
        across = self._copies_across([match.candidate for match in best], _deadline())  # the fit's time aside
        return RelatedArticles(article_id, [_with_copies(match.hit, across) for match in best])

    def _subject_space(self, deadline: float) -> SubjectSpace | None:
        """As `IndexSearcher.subject_space`, over the shards: the earliest articles of all, their words
        asked of the shards that hold them when the space of that sample is not at hand. A shard sends its
        earliest articles' keys (2,000, some 126 kB on Reuters) only when they changed since it last did."""
        held = dict(self._shard_samples)
        replies = self._map(shard_subject_sample, {root: digest for root, (digest, _) in held.items()},
                            deadline=deadline)
        for root, (digest, keys) in zip(map(str, self.roots), replies):
            if keys is not None:
                held[root] = (digest, keys)
        self._shard_samples = held
        sample = tuple(sorted(key for root in map(str, self.roots) for key in held[root][1])[:SAMPLE])
        ids = [key[2] for key in sample]

        def words() -> list[dict[str, int]]:
            held = {article_id: words for part in self._map(shard_sampled_words, ids, deadline=deadline)
                    for article_id, words in part.items()}
            return [held[article_id] for article_id in ids if article_id in held]  # unless deleted since
        return self._spaces.of(sample, words)

    def copies(self, article_id: str) -> list[Hit] | None:
        """The copies of the story of `article_id`, from every shard that holds some."""
        deadline = _deadline()
        story = next((found for found in self._map(shard_story_of, article_id, deadline=deadline)
                      if found is not None), None)
        if story is None:
            return None
        members = sorted((member for part in self._map(shard_story_members, story[0], article_id, deadline=deadline)
                          for member in part), key=lambda member: member[0])
        held = [hit for _, hit in members[:MAX_COPIES_SHOWN]]
        across = {} if not story[1] else self._copies_across(
            [Candidate(hit.id.encode("utf-8"), 0, story=story[0], spread=True) for hit in held], deadline)
        return [_with_copies(hit, across) for hit in held]

    def close(self) -> None:
        self.runner.close()


def open_index(root: Path | str, cluster: str | None = None) -> NewsIndex | ShardedIndex:
    """The index at `root`, sharded (its work run on the Dask `cluster`, see `cluster.runner_for`) or not."""
    layout = ShardLayout.of(root)
    return ShardedIndex(layout, runner_for(cluster)) if layout else NewsIndex(root)


def _deadline() -> float:
    """When a search (all its rounds) must be answered by."""
    return time.monotonic() + search_time_limit() + ROUND_TRIP


def _with_copies(hit: Hit, across: dict[str, tuple[int, list[str]]]) -> Hit:
    """`hit` with its copies in all shards, when `across` has them."""
    if hit.id not in across:
        return hit
    count, sources = across[hit.id]
    return dataclasses.replace(hit, copies=count, copy_sources=sources)


def _keys(candidates: list[Candidate]) -> list[str]:
    return [candidate.id.decode("utf-8") for candidate in candidates]
