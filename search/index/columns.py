"""Each document's date and facet values as numpy arrays, kept in a file beside each segment.

Whoosh keeps them in columns read one document at a time: turning those into
arrays costs about a second per 100,000 articles. So the writer does it once per
new segment (`write_missing`), and a searcher loads the files and lays the
segments end to end; a segment without a file (an index from an older version)
is read from its columns instead. The files are named after their segment, so
Whoosh deletes them together with it when segments are merged.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..files import write_atomically
from .facets import FacetColumn
from .schema import FACET_FIELDS, VALUE_SEPARATOR, column_name

SUFFIX = ".columns.npz"


@dataclass(frozen=True)
class Columns:
    """Dates (YYYYMMDD, 0 for none) and facet values of every document of a reader, by document number."""

    days: np.ndarray
    facets: dict[str, FacetColumn]

    def facet(self, name: str) -> FacetColumn:
        return self.facets[name]

    @classmethod
    def of_reader(cls, reader, directory: Path) -> Columns:
        """The columns of every segment of `reader`, from their files where present."""
        parts = [_load(directory / f"{name}{SUFFIX}") or _from_segment(leaf) for leaf, name in _segments(reader)]
        if not parts:  # an empty index
            return cls(np.zeros(0, dtype=np.int32), {facet: FacetColumn.concatenate([]) for facet in FACET_FIELDS})
        return cls(np.concatenate([part.days for part in parts]),
                   {facet: FacetColumn.concatenate([part.facets[facet] for part in parts]) for facet in FACET_FIELDS})


def write_missing(reader, directory: Path) -> None:
    """Write the column file of every segment that has none (durably: a crash leaves no half file)."""
    for leaf, name in _segments(reader):
        path = directory / f"{name}{SUFFIX}"
        if not path.exists():
            _save(_from_segment(leaf), path)


def _segments(reader):
    """Each segment's reader and name (an empty index has a reader but no segment)."""
    for leaf, _ in reader.leaf_readers():
        segment = leaf.segment()
        if segment is not None:
            yield leaf, segment.segment_id()


def _from_segment(leaf) -> Columns:
    days = np.fromiter(leaf.column_reader("day"), dtype=np.int32, count=leaf.doc_count_all())
    return Columns(days, {facet: FacetColumn.from_column(leaf.column_reader(column_name(facet)))
                          for facet in FACET_FIELDS})


def _save(columns: Columns, path: Path) -> None:
    arrays = {"days": columns.days}
    for facet, column in columns.facets.items():
        arrays[f"{facet}.names"] = np.frombuffer(VALUE_SEPARATOR.join(column.names).encode("utf-8"), dtype=np.uint8)
        arrays[f"{facet}.offsets"] = column.offsets
        arrays[f"{facet}.ids"] = column.value_ids
    saved = io.BytesIO()
    np.savez(saved, **arrays)
    write_atomically(path, saved.getvalue())


def _load(path: Path) -> Columns | None:
    """The columns saved at `path`; None when there is no such file or it cannot be read."""
    try:
        with np.load(path) as saved:
            facets = {}
            for facet in FACET_FIELDS:
                joined = saved[f"{facet}.names"].tobytes().decode("utf-8")
                facets[facet] = FacetColumn(joined.split(VALUE_SEPARATOR) if joined else [],
                                            saved[f"{facet}.offsets"], saved[f"{facet}.ids"])
            return Columns(saved["days"], facets)
    except (OSError, KeyError, ValueError):
        return None
