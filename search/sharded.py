"""A sharded index: N indexes searched as one (the scatter and gather of `index.gather`).

Searching one takes three rounds of a call per shard, each run by a `cluster` runner
(threads here, or tasks on a Dask cluster): the figures BM25 needs for the query's
words, summed; each shard's first matches and facet counts, scored with the sums;
then the hits of the page, from the shards that hold them. The answer is the one a
single index of the same articles gives: totals, hits, scores, facets and pages.
Feedback and related articles take a few more rounds of the same kind (each shard's
figures summed, then each scores with the sums): see `Rescoring` and `related`.
Copies are grouped over all shards after each run (`settle_copies`), so one hit per
story is too, and a hit whose story has copies in other shards asks them for their count.
"""
from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from contextlib import contextmanager, suppress
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from whoosh import query as wq

from .article import Article
from .cluster import LocalRunner, ShardRunner, runner_for
from .config import search_time_limit
from .errors import IndexLockedError, IndexMissingError, NewsSearchError
from .entities.across import NameVotes
from .index import IndexStore, NewsIndex
from .index.copy_groups import Story, ranked_sources
from .index.gather import (
    Candidate,
    Rescoring,
    ShardPart,
    by_relevance,
    first_of_stories,
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
from .index.related import related_query, telling_words
from .index.searching import MAX_COPIES_SHOWN, RelatedSource
from .index.shared_groups import CopyInputs, copy_inputs, groups_across, save
from .index.spelling import SUGGEST_BELOW, Speller
from .index.statistics import GlobalStatistics
from .indexer import Progress, index_paths
from .model import Export, Hit, IndexStats, RelatedArticles, SearchRequest, SearchResult
from .renaming import LOCK_WAIT as RENAME_LOCK_WAIT
from .renaming import name_votes, rename_shard
from .report import IndexReport
from .shard_layout import ShardLayout

ROUND_TRIP = 5.0  # seconds a cluster may add to a search's own time limit, per round
EXPORT_CHUNK = 1000  # rows asked of the shards at a time
BUSY_WAIT = 1.0  # seconds a failed run's settling of names waits for each shard's lock
MAX_EXPORT = 2**62  # "every match", as a count of matches wanted


class ShardedIndex:
    """The shards of `layout`, searched as one index; their work runs on `runner`."""

    def __init__(self, layout: ShardLayout, runner: ShardRunner | None = None) -> None:
        self.layout = layout
        self.roots = layout.shard_roots()
        self.runner = runner or runner_for(None)
        self._speller = Speller(lambda words: sum(map(Counter, self._map(shard_word_counts, words)), Counter()))

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
        return self._map(_each, function, argument, {str(self.roots[number]): per_shard[number] for number in asked},
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
        hits = {candidate.id: hit for part in parts for candidate, hit in part}
        best = first_of_stories(sorted((candidate for part in parts for candidate, _ in part), key=by_relevance))
        best = best[:limit]
        across = self._copies_across(best, deadline)
        return RelatedArticles(article_id, [_with_copies(hits[candidate.id], across) for candidate in best])

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


def index_shards(root: Path | str, paths: Iterable[Path | str], shards: int | None, *, rebuild: bool = False,
                 runner: ShardRunner | None = None, progress: Progress | None = None, **options) -> IndexReport:
    """Bring the sharded index at `root` up to date with the files under `paths` (see `index_paths`):
    each shard is one run over the files that hash to it. `shards` makes a new sharded index (a first
    build, or a rebuild of an index with as many shards); later runs keep the count recorded."""
    layout = ShardLayout.of(root)
    if shards is not None and layout is None and options.get("dry_run"):  # all would be added; write nothing
        return index_paths(IndexStore(root), paths, rebuild=rebuild, progress=progress, **options)
    if shards is not None and layout is None:
        if IndexStore(root).exists():
            raise NewsSearchError(f"{root} holds an index that is not sharded; build the sharded one in another "
                                  "folder (--index DIR)")
        layout = ShardLayout.create(root, shards)
    elif shards is not None and shards != layout.count:
        raise NewsSearchError(f"{root} holds an index of {layout.count} shards, not {shards}; to change the "
                              "count, build it in another folder (--index DIR)")
    paths = [str(Path(path).resolve()) for path in paths]
    roots = layout.shard_roots()
    with _runner_here(runner) as running:
        # Each shard's run settles names with the others' votes as they were; settle_names then
        # counts what the runs changed.
        elsewhere = {} if rebuild or options.get("dry_run") else _each_shards_votes_elsewhere(roots, running)
        try:
            if runner is None:  # here: one shard after another, each using every core
                reports = [index_paths(IndexStore(shard), paths, rebuild=rebuild, progress=progress,
                                       shard=(number, layout.count), names_elsewhere=elsewhere.get(str(shard)),
                                       **options) for number, shard in enumerate(roots)]
            else:
                reports = running.map(_each, roots, _index_shard, (paths, layout.count, rebuild, options),
                                      {str(root): elsewhere.get(str(root)) for root in roots})
        except BaseException:
            if not options.get("dry_run"):  # the shards that changed still settle with the rest
                with suppress(NewsSearchError):
                    settle(roots, running, options.get("aliases"), busy_wait=BUSY_WAIT)
            raise
        if not options.get("dry_run"):
            settle(roots, running, options.get("aliases"))
    return IndexReport.combined(reports)


def settle(roots: list[Path], runner: ShardRunner | None = None, aliases: Path | None = None, *,
           busy_wait: float | None = None) -> None:
    """What the shards must agree on after a run changed some: names (`settle_names`), then the groups
    of copies (`settle_copies`), which renaming leaves alone but finds at its new state."""
    with _runner_here(runner) as running:
        settle_names(roots, running, aliases, busy_wait=busy_wait)
        settle_copies(roots, running)


def settle_copies(roots: list[Path], runner: ShardRunner | None = None) -> None:
    """Find the groups of copies over all the shards' articles and give each shard its share
    (`index.shared_groups`). A shard that changed meanwhile keeps its own groups until the next time."""
    with _runner_here(runner) as running:
        inputs = running.map(shard_copy_inputs, roots)
        if any(found is None for found in inputs):  # a shard written before signatures were kept
            return
        settled, groups = groups_across(inputs)
        shares = {str(root): (found.state, *share) for root, found, share in zip(roots, inputs, groups)}
        running.map(_each, roots, shard_save_groups, settled, shares)


def settle_names(roots: list[Path], runner: ShardRunner | None = None, aliases: Path | None = None, *,
                 busy_wait: float | None = None) -> int:
    """Give the shards' articles the names all their articles settle (`entities.across`), as one index
    of them would show them; the number of articles rewritten. With `busy_wait`, a shard whose writer
    is busy past it is left for that writer to settle when it ends."""
    with _runner_here(runner) as running:
        elsewhere = _each_shards_votes_elsewhere(roots, running)
        return sum(running.map(_each, roots, shard_rename, (aliases, busy_wait), elsewhere))


def _each_shards_votes_elsewhere(roots: list[Path], runner: ShardRunner) -> dict[str, NameVotes]:
    """For each shard, the other shards' votes on names, summed."""
    votes = runner.map(shard_name_votes, roots)
    return {str(root): sum((other for number, other in enumerate(votes) if number != mine), NameVotes())
            for mine, root in enumerate(roots)}


def votes_elsewhere(roots: list[Path], shard: Path) -> NameVotes:
    """The votes on names of the shards but `shard`, read here (each shard's kept until it changes)."""
    return sum((name_votes(IndexStore(root)) for root in roots if root != shard), NameVotes())


@contextmanager
def _runner_here(runner: ShardRunner | None) -> Iterator[ShardRunner]:
    """`runner`, or threads of this process for the time of the block."""
    if runner is not None:
        yield runner
        return
    here = LocalRunner()
    try:
        yield here
    finally:
        here.close()


def index_root(store: IndexStore, paths: Iterable[Path | str], *, shards: int | None = None,
               runner: ShardRunner | None = None, **options) -> IndexReport:
    """`index_paths` for the index of `store`, or `index_shards` when it is sharded or `shards` asks
    for a sharded one (its shards indexed by `runner`, default here, one after another)."""
    if shards or ShardLayout.of(store.root):
        return index_shards(store.root, paths, shards, runner=runner, **options)
    return index_paths(store, paths, **options)


# The calls each shard runs (on a Dask worker: in that process, with its own open indexes).

_open_indexes: dict[str, NewsIndex] = {}
_open_lock = threading.Lock()


def _index_of(root: str) -> NewsIndex:
    with _open_lock:
        if root not in _open_indexes:
            _open_indexes[root] = NewsIndex(root)
        return _open_indexes[root]


def _index_shard(root: str, run: tuple[list[str], int, bool, dict], elsewhere: NameVotes | None) -> IndexReport:
    paths, count, rebuild, options = run
    number = int(Path(root).name.removeprefix("shard-"))
    return index_paths(IndexStore(root), paths, rebuild=rebuild, shard=(number, count), names_elsewhere=elsewhere,
                       **options)


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


def _each(root: str, function, argument, items: dict[str, list]):
    return function(root, argument, items[root])


def shard_statistics(root: str, request: SearchRequest) -> GlobalStatistics:
    return _index_of(root).on_searcher(lambda searcher: searcher.statistics(request))


def shard_part(root: str, request: SearchRequest, statistics: GlobalStatistics, wanted: int,
               rescoring: Rescoring | None) -> ShardPart:
    return _index_of(root).on_searcher(lambda searcher: searcher.part(request, statistics, wanted, rescoring))


def shard_feedback_tokens(root: str, _, ranked: list[tuple[bytes, float | None]]) -> list[tuple[bytes, list[str]]]:
    return _index_of(root).on_searcher(lambda searcher: searcher.feedback_tokens(ranked))


def shard_live_frequencies(root: str, words: list[str]) -> tuple[int, dict[str, int]]:
    return _index_of(root).on_searcher(lambda searcher: searcher.live_frequencies(words))


def shard_highest_extra(root: str, request: SearchRequest, statistics: GlobalStatistics,
                        rescoring: Rescoring) -> float:
    return _index_of(root).on_searcher(lambda searcher: searcher.highest_extra(request, statistics, rescoring))


def shard_hits(root: str, request: SearchRequest, ranked: list[tuple[bytes, float | None]]) -> list[Hit]:
    return _index_of(root).on_searcher(lambda searcher: searcher.hits(request, ranked))


def shard_rows(root: str, body: bool, ranked: list[tuple[bytes, float | None]]) -> list[dict]:
    return _index_of(root).on_searcher(lambda searcher: searcher.rows(ranked, body))


def shard_article(root: str, article_id: str) -> Article | None:
    return _index_of(root).article(article_id)


def shard_story_of(root: str, article_id: str) -> tuple[Story, bool] | None:
    return _index_of(root).on_searcher(lambda searcher: searcher.story_of(article_id))


def shard_story_members(root: str, story: Story, article_id: str) -> list[tuple[tuple, Hit]]:
    return _index_of(root).on_searcher(lambda searcher: searcher.story_members(story, article_id))


def shard_copy_counts(root: str, asked: list[tuple[bytes, Story]]) -> list[tuple[int, dict[str, int]]]:
    return _index_of(root).on_searcher(lambda searcher: searcher.copy_counts(asked))


def shard_stats(root: str) -> tuple[IndexStats, list[str]]:
    index = _index_of(root)
    return index.stats(), index.on_searcher(lambda searcher: searcher.source_names())


def shard_word_counts(root: str, words: set[str]) -> dict[str, int]:
    return _index_of(root).on_searcher(lambda searcher: searcher.word_counts(words))


def shard_related_source(root: str, article_id: str) -> RelatedSource | None:
    return _index_of(root).on_searcher(lambda searcher: searcher.related_source(article_id))


def shard_body_frequency_bounds(root: str, words: set[str]) -> tuple[int, dict[str, tuple[int, int]]]:
    return _index_of(root).on_searcher(lambda searcher: searcher.body_frequency_bounds(words))


def shard_query_statistics(root: str, query: wq.Query) -> GlobalStatistics:
    return _index_of(root).on_searcher(lambda searcher: searcher.query_statistics(query))


def shard_related_part(root: str, words: dict[str, float], statistics: GlobalStatistics, left_out: list[bytes],
                       limit: int, left_out_story: Story | None) -> list[tuple[Candidate, Hit]]:
    return _index_of(root).on_searcher(lambda searcher: searcher.related_part(words, statistics, left_out, limit,
                                                                             left_out_story))


def shard_copy_inputs(root: str) -> CopyInputs | None:
    store = IndexStore(root)
    generation = store.current_generation()
    with store.open(generation).reader() as reader:
        return copy_inputs(reader, generation)


def shard_save_groups(root: str, settled: str, found: tuple[str, np.ndarray, np.ndarray]) -> bool:
    store = IndexStore(root)
    generation = store.current_generation()
    with store.open(generation).reader() as reader:
        return save(reader, generation, found[0], settled, found[1], found[2])


def shard_name_votes(root: str) -> NameVotes:
    return name_votes(IndexStore(root))


def shard_rename(root: str, how: tuple[Path | None, float | None], elsewhere: NameVotes) -> int:
    aliases, busy_wait = how
    try:
        return rename_shard(IndexStore(root), elsewhere, aliases, lock_wait=busy_wait or RENAME_LOCK_WAIT)
    except IndexLockedError:
        if busy_wait is None:
            raise
        return 0
