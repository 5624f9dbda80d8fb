"""Runs over the shards of a sharded index: indexing each shard, then settling what all shards must
agree on (names, and groups of copies), here or on a Dask cluster (`cluster`)."""
from __future__ import annotations

from contextlib import contextmanager, suppress
from collections.abc import Iterable, Iterator
from pathlib import Path

from .cluster import LocalRunner, ShardRunner
from .entities.across import NameVotes
from .errors import NewsSearchError
from .index import IndexStore
from .index.shared_groups import groups_across
from .indexer import Progress, index_paths
from .renaming import name_votes
from .report import IndexReport
from .shard_calls import each, index_shard, shard_copy_inputs, shard_name_votes, shard_rename, shard_save_groups
from .shard_layout import ShardLayout

BUSY_WAIT = 1.0  # seconds a failed run's settling of names waits for each shard's lock


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
                reports = running.map(each, roots, index_shard, (paths, layout.count, rebuild, options),
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
        running.map(each, roots, shard_save_groups, settled, shares)


def settle_names(roots: list[Path], runner: ShardRunner | None = None, aliases: Path | None = None, *,
                 busy_wait: float | None = None) -> int:
    """Give the shards' articles the names all their articles settle (`entities.across`), as one index
    of them would show them; the number of articles rewritten. With `busy_wait`, a shard whose writer
    is busy past it is left for that writer to settle when it ends."""
    with _runner_here(runner) as running:
        elsewhere = _each_shards_votes_elsewhere(roots, running)
        return sum(running.map(each, roots, shard_rename, (aliases, busy_wait), elsewhere))


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
