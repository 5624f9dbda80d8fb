"""Applying the index-wide naming (`search.entities.across`) to the stored articles.

Runs after each index run's changes are committed, in a second commit of the
same run: articles whose shown people, orgs or places differ from what the
names across the whole index make of their own ones are written again. The
table it used is kept in the manifest, for searches to find every spelling.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from .entities import Aliases
from .entities.across import names_across
from .index.store import IndexStore
from .index.writing import Batch, entities_of_documents
from .manifest import Manifest


PARALLEL_REWRITE = 2000  # articles to write again before a new generation is written with every core


def rename_across_index(store: IndexStore, generation: Path, manifest: Manifest, aliases: Aliases, *,
                        new_generation: bool = False) -> int:
    """Bring every article of `generation` in line with the names across the index; the number rewritten.
    A `new_generation` (not in use yet) is rewritten with one process per core when there is plenty to do."""
    with store.open(generation).reader() as reader:
        documents = list(entities_of_documents(reader))
    names = names_across((own for _, own, _ in documents), aliases)
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
