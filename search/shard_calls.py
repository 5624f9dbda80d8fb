"""The calls each shard of a sharded index runs: on a Dask worker, in that process, with its own open
indexes; here, in threads. Each takes the shard's folder first (see `cluster.ShardRunner.map`)."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from whoosh import query as wq

from .article import Article
from .entities.across import NameVotes
from .errors import IndexLockedError
from .index import IndexStore, NewsIndex
from .index.copy_groups import Story
from .index.gather import Rescoring, ShardPart
from .index.related import RelatedMatch
from .index.searching import IndexSearcher, RelatedSource
from .index.shared_groups import CopyInputs, copy_inputs, save
from .index.statistics import GlobalStatistics
from .index.subjects import SampleKey, sample_digest
from .indexer import index_paths
from .model import Hit, IndexStats, SearchRequest
from .renaming import LOCK_WAIT as RENAME_LOCK_WAIT
from .renaming import name_votes, rename_shard
from .report import IndexReport

_open_indexes: dict[str, NewsIndex] = {}
_open_lock = threading.Lock()


def _index_of(root: str) -> NewsIndex:
    with _open_lock:
        if root not in _open_indexes:
            _open_indexes[root] = NewsIndex(root)
        return _open_indexes[root]


def index_shard(root: str, run: tuple[list[str], int, bool, dict], elsewhere: NameVotes | None) -> IndexReport:
    paths, count, rebuild, options = run
    number = int(Path(root).name.removeprefix("shard-"))
    return index_paths(IndexStore(root), paths, rebuild=rebuild, shard=(number, count), names_elsewhere=elsewhere,
                       **options)


def each(root: str, function, argument, items: dict[str, list]):
    """`function(root, argument, items[root])`: a call whose last argument differs from shard to shard."""
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
                       limit: int, left_out_story: Story | None) -> list[RelatedMatch]:
    return _index_of(root).on_searcher(lambda searcher: searcher.related_part(words, statistics, left_out, limit,
                                                                             left_out_story))


def shard_subject_sample(root: str, known: dict[str, str]) -> tuple[str, list[SampleKey] | None]:
    """The digest of this shard's sample (`IndexSearcher.subject_sample`), and its keys unless the caller
    holds them already (`known[root]` is that digest)."""
    def sample(searcher: IndexSearcher) -> tuple[str, list[SampleKey] | None]:
        keys = searcher.subject_sample()
        digest = sample_digest(tuple(keys))
        return digest, None if known.get(root) == digest else keys
    return _index_of(root).on_searcher(sample)


def shard_sampled_words(root: str, article_ids: list[bytes]) -> dict[bytes, dict[str, int]]:
    return _index_of(root).on_searcher(lambda searcher: searcher.sampled_words(article_ids))


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
