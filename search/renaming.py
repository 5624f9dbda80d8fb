"""Applying the index-wide naming (`search.entities.across`) to the stored articles.

Runs after each index run's changes are committed, in a second commit of the
same run: articles whose shown people, orgs or places differ from what the
names across the whole index make of their own ones are written again. The
table it used is kept in the manifest, for searches to find every spelling. The
shards of a sharded index settle names together: after a run, each is renamed
again with the votes of all (`rename_shard`), as one index of their articles would be.
"""
from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

from .entities import Aliases
from .config import aliases_file
from .entities.across import NameVotes
from .index.store import IndexStore
from .index.writing import Batch, entities_of_documents
from .manifest import Manifest


PARALLEL_REWRITE = 2000  # articles to write again before a new generation is written with every core
LOCK_WAIT = 60.0  # seconds a shard's renaming waits for its write lock


def rename_across_index(store: IndexStore, generation: Path, manifest: Manifest, aliases: Aliases, *,
                        new_generation: bool = False, elsewhere: NameVotes | None = None) -> int:
    """Bring every article of `generation` in line with the names across the index; the number rewritten.
    A `new_generation` (not in use yet) is rewritten with one process per core when there is plenty to do.
    `elsewhere` are the votes of the other shards of a sharded index, which count as much as its own."""
    with store.open(generation).reader() as reader:
        documents = list(entities_of_documents(reader))
    votes = NameVotes.of(own for _, own, _ in documents)
    names = (votes + elsewhere if elsewhere is not None else votes).names(aliases)
    spellings = names.spellings(aliases)
    wanted = {docnum: (own, shown_now) for docnum, own, shown in documents
              if (shown_now := names.apply(own)) != shown}
    if not wanted and spellings == manifest.names:
        return 0
    manifest.names = spellings
    parallel = new_generation and len(wanted) >= PARALLEL_REWRITE and (os.cpu_count() or 1) > 1
    with Batch(store, generation, parallel=parallel) as batch:
        for docnum, (own, shown) in wanted.items():
            stored = batch.stored(docnum)
            article = dataclasses.replace(stored.article, **{kind: tuple(values) for kind, values in shown.items()})
            batch.replace(stored, article, own)
        batch.manifest = manifest
    return len(wanted)


def name_votes(store: IndexStore) -> NameVotes:
    """The votes of the articles of the index's current state (see `NameVotes`); none for an index not
    built yet. Kept for each state, so a shard's are read again only once it has changed."""
    if not store.exists():
        return NameVotes()
    generation = store.current_generation()
    index = store.open(generation)
    state = (str(store.root), generation.stat().st_ino, index.latest_generation())
    with _votes_lock:
        if _votes.get(str(store.root), (None,))[0] == state:
            return _votes[str(store.root)][1]
    with index.reader() as reader:
        votes = NameVotes.of(own for _, own, _ in entities_of_documents(reader))
    with _votes_lock:
        _votes[str(store.root)] = (state, votes)
    return votes


_votes: dict[str, tuple[tuple, NameVotes]] = {}  # per index folder: its state and that state's votes
_votes_lock = threading.Lock()


def rename_shard(store: IndexStore, elsewhere: NameVotes, aliases: Path | None = None, *,
                 lock_wait: float = LOCK_WAIT) -> int:
    """Bring a shard in line with the names its votes and the other shards' (`elsewhere`) settle, in a
    commit of its own under its write lock; the number of articles rewritten."""
    with store.write_lock(lock_wait):
        return rename_across_index(store, store.current_generation(), store.manifest(),
                                   Aliases.load(aliases_file(store.root, aliases)), elsewhere=elsewhere)
