"""Groups of copies over the shards of a sharded index, as one index of all their articles finds them.

Copies of a story often lie in files of different shards. So after each run the shards'
signatures are gathered (`CopyInputs`), the groups are found over all of them at once
(`groups_across`, with `copies.find_groups`: the same numbers one index gives its groups),
and each shard keeps its articles' groups in a file for its state of the index
(`save`; a searcher reads it with `load`). The file also names the run that found them
(`settled`): shards whose files name the same run share their groups; a shard that changed
since has no file for its new state, and groups its articles by itself until the next run.
"""
from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import copies
from ..files import write_atomically
from .columns import Columns, first_values, live_documents

log = logging.getLogger(__name__)

_PREFIX = "groups-across-"
_SUFFIX = ".npz"


@dataclass(frozen=True)
class CopyInputs:
    """What the groups of one shard's live articles are found from: their ids, days, signatures,
    and outlets (source and distributor names, "" for none), and the state they were read at."""

    state: str
    ids: np.ndarray
    days: np.ndarray
    signatures: np.ndarray
    shingles: np.ndarray
    numbers: np.ndarray
    outlets: list[tuple[str, str]]


@dataclass(frozen=True)
class SharedGroups:
    """A shard's share of the groups found over all shards: each document's group (-1 if deleted),
    whether its group has live articles in other shards too, and the run that found them."""

    settled: str
    groups: np.ndarray
    spread: np.ndarray


def copy_inputs(reader, directory: Path) -> CopyInputs | None:
    """The inputs of the live articles of `reader` (whose column files are in `directory`); None for
    an index written before signatures were kept, until its next commit adds them."""
    columns = Columns.of_segments(reader, directory)
    if columns.signatures is None:
        return None
    live = live_documents(reader)
    sources, distributors = (_first_names(columns, facet, live) for facet in ("source", "distributor"))
    return CopyInputs(state_of(reader, directory), columns.ids[live], columns.days[live], columns.signatures[live],
                      columns.shingles[live], columns.numbers[live], list(zip(sources, distributors)))


def groups_across(shards: list[CopyInputs]) -> tuple[str, list[tuple[np.ndarray, np.ndarray]]]:
    """The run's name, and for each shard its live articles' groups (in its order) and whether each
    group has articles in other shards."""
    ids = np.concatenate([shard.ids for shard in shards])
    numbering: dict[tuple[int, str], int] = {}  # a number per outlet name of a kind (source, distributor)
    outlets = np.array([[numbering.setdefault((kind, name), len(numbering)) if name else -1
                         for kind, name in enumerate(pair)] for shard in shards for pair in shard.outlets],
                       dtype=np.int64).reshape(len(ids), 2)
    days = np.concatenate([shard.days for shard in shards])
    groups = copies.find_groups(np.concatenate([shard.signatures for shard in shards]),
                                np.concatenate([shard.shingles for shard in shards]),
                                np.concatenate([shard.numbers for shard in shards]), outlets,
                                np.lexsort((ids, days)))
    shard_of = np.repeat(np.arange(len(shards)), [len(shard.ids) for shard in shards])
    held, shards_holding = np.unique(np.unique(np.stack([groups, shard_of], axis=1), axis=0)[:, 0],
                                     return_counts=True)
    spread_groups = held[shards_holding > 1]
    settled = hashlib.blake2b("\n".join(shard.state for shard in shards).encode("utf-8"), digest_size=8).hexdigest()
    bounds = np.cumsum([0] + [len(shard.ids) for shard in shards]).tolist()
    return settled, [(groups[start:end], np.isin(groups[start:end], spread_groups))
                     for start, end in zip(bounds[:-1], bounds[1:])]


def save(reader, directory: Path, inputs_state: str, settled: str, groups: np.ndarray, spread: np.ndarray) -> bool:
    """Keep the groups of the live articles of `reader` (in its order), found by the run `settled`,
    if `reader` is still at the state they were read at (`inputs_state`); whether it was."""
    if state_of(reader, directory) != inputs_state:
        return False
    live = live_documents(reader)
    all_groups = np.full(reader.doc_count_all(), -1, dtype=np.int64)
    all_spread = np.zeros(reader.doc_count_all(), dtype=bool)
    all_groups[live], all_spread[live] = groups, spread
    buffer = io.BytesIO()
    np.savez(buffer, settled=np.array(settled), groups=all_groups, spread=all_spread)
    path = _path(reader, directory)
    write_atomically(path, buffer.getvalue())
    for older in directory.glob(f"{_PREFIX}*{_SUFFIX}"):
        if older != path:
            older.unlink(missing_ok=True)
    return True


def load(reader, directory: Path) -> SharedGroups | None:
    """The groups kept for the state of `reader`; None when there are none, or they cannot be read
    (logged: the shard then groups its own articles until the next run writes them again)."""
    path = _path(reader, directory)
    if not path.exists():
        return None
    try:
        with np.load(path) as found:
            shared = SharedGroups(str(found["settled"]), found["groups"], found["spread"])
        if not _holds(shared, reader.doc_count_all()):
            raise ValueError("its arrays do not fit this state of the index")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        log.warning("the groups of copies over all shards in %s cannot be read (%s); this shard groups its own "
                    "articles until the next run", path, error)
        return None
    return shared


def _holds(shared: SharedGroups, count: int) -> bool:
    groups, spread = shared.groups, shared.spread
    return (groups.dtype == np.int64 and spread.dtype == np.bool_ and len(groups) == len(spread) == count
            and (not count or groups.min() >= -1))


def file_identity(reader, directory: Path) -> tuple[int, int] | None:
    """Which file of groups there is for the state of `reader` (its inode and time), None for none:
    a searcher opened before the groups were found takes them up when this changes."""
    try:
        found = _path(reader, directory).stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns


def state_of(reader, directory: Path) -> str:
    """Which state of which index `reader` sees: its folder and its commit."""
    return f"{directory.resolve()}#{reader.generation()}"


def _path(reader, directory: Path) -> Path:
    return directory / f"{_PREFIX}{reader.generation()}{_SUFFIX}"


def _first_names(columns: Columns, facet: str, docs: np.ndarray) -> list[str]:
    """Each document's first value of `facet`, "" for none (value numbers differ from shard to shard)."""
    names = columns.facet(facet).names
    return [names[value] if value >= 0 else "" for value in first_values(columns.facet(facet), docs).tolist()]
