"""Each document's id, date, facet values and copy signature as numpy arrays, kept in a file beside each segment.

Whoosh keeps them in columns read one document at a time: turning those into
arrays costs about a second per 100,000 articles. So the writer does it once per
new segment (`write_missing`), and a searcher reads each file in one go and lays
the segments end to end; a segment without a file (an index from an older
version) is read from Whoosh's columns instead, and given a file at the next
commit. The files are named after their segment, so Whoosh deletes them
together with it when segments are merged. After each commit the writer also
saves all segments laid end to end in one file, so that opening a searcher
reads one file and merges nothing. That file also holds each article's group of
copies (`search.copies`), found over the whole index at each commit; it leaves out the
signatures the groups are found from, which only the writer reads.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import copies
from ..files import write_atomically
from .facets import FacetColumn
from .schema import FACET_FIELDS, SIGNATURE_FIELD, VALUE_SEPARATOR, column_name

SUFFIX = ".columns"
_OLD_SUFFIX = ".columns.npz"  # the format before ids were kept; replaced at the next commit
_WHOLE = "whole-index-"  # not a segment's name, which Whoosh would delete as unused


@dataclass(frozen=True)
class Columns:
    """Ids, dates (YYYYMMDD, 0 for none) and facet values of every document of a reader, by document number.
    A deleted document's id may be empty. A segment's columns hold the documents' copy signatures;
    the whole index's hold their groups instead (a number per group of copies; -1 for deleted documents)."""

    ids: np.ndarray  # bytes
    days: np.ndarray
    facets: dict[str, FacetColumn]
    signatures: np.ndarray | None = None  # n × copies.PERMUTATIONS
    shingles: np.ndarray | None = None  # n: how many shingles each signature was made from
    numbers: np.ndarray | None = None  # n × copies.NUMBER_SLOTS
    groups: np.ndarray | None = None

    def copy_groups(self) -> np.ndarray:
        """The group of copies of each document (every document alone in an index written before groups)."""
        return self.groups if self.groups is not None else np.arange(len(self.ids))

    def facet(self, name: str) -> FacetColumn:
        return self.facets[name]

    @classmethod
    def of_reader(cls, reader, directory: Path) -> Columns:
        """The columns of every document of `reader`: from the file the writer made for this state of
        the index, else from each segment's file (or Whoosh's columns), laid end to end, with the groups
        of copies found here (the writer makes that file just after it commits: a searcher opened
        in between must not take every article for a story of its own)."""
        whole = _load(_whole_path(reader, directory), reader.doc_count_all())
        if whole is not None:
            return whole
        parts = cls.of_segments(reader, directory)
        return _with_groups(parts, live_documents(reader)) if parts.signatures is not None else parts

    @classmethod
    def of_segments(cls, reader, directory: Path) -> Columns:
        return cls.end_to_end([_load(directory / f"{name}{SUFFIX}", leaf.doc_count_all()) or _from_segment(leaf)
                               for leaf, name in _segments(reader)])

    @classmethod
    def end_to_end(cls, parts: list[Columns]) -> Columns:
        """The columns of consecutive segments as one."""
        if not parts:  # an empty index
            return cls(np.zeros(0, dtype="S1"), np.zeros(0, dtype=np.int32),
                       {facet: FacetColumn.concatenate([]) for facet in FACET_FIELDS},
                       np.zeros((0, copies.PERMUTATIONS), dtype=np.uint32), np.zeros(0, dtype=np.uint32),
                       np.zeros((0, copies.NUMBER_SLOTS), dtype=np.uint32))
        signed = all(part.signatures is not None and part.numbers is not None for part in parts)
        return cls(np.concatenate([part.ids for part in parts]), np.concatenate([part.days for part in parts]),
                   {facet: FacetColumn.concatenate([part.facets[facet] for part in parts]) for facet in FACET_FIELDS},
                   *([np.concatenate([getattr(part, name) for part in parts])
                      for name in ("signatures", "shingles", "numbers")] if signed else [None] * 3))


def write_missing(reader, directory: Path) -> None:
    """Write the column file of every segment that has none, and the one of the whole index as
    `reader` sees it (durably: a crash leaves no half file)."""
    parts = []
    for leaf, name in _segments(reader):
        path = directory / f"{name}{SUFFIX}"
        found = _load(path, leaf.doc_count_all()) if path.exists() else None
        if found is None or found.numbers is None:  # none yet, or written before copy signatures were kept
            found = _from_segment(leaf)
            _save(found, path)
        parts.append(found)
    whole = _whole_path(reader, directory)
    _save(_with_groups(Columns.end_to_end(parts), live_documents(reader)), whole)
    for older in directory.glob(f"{_WHOLE}*{SUFFIX}"):
        if older != whole:
            older.unlink(missing_ok=True)


def whole_file_holds_groups(reader, directory: Path) -> bool:
    """Whether the file of the whole index for `reader` can be read, and holds the groups of copies."""
    whole = _load(_whole_path(reader, directory), reader.doc_count_all())
    return whole is not None and whole.groups is not None


def _with_groups(columns: Columns, live: np.ndarray) -> Columns:
    """The whole index's columns with each live article's group of copies, without the signatures."""
    groups = np.full(len(columns.ids), -1, dtype=np.int32)
    outlets = np.stack([first_values(columns.facet(facet), live) for facet in ("source", "distributor")], axis=1)
    order = np.lexsort((columns.ids[live], columns.days[live]))
    groups[live] = copies.find_groups(columns.signatures[live], columns.shingles[live], columns.numbers[live],
                                      outlets, order)
    return Columns(columns.ids, columns.days, columns.facets, groups=groups)


def first_values(column: FacetColumn, docs: np.ndarray) -> np.ndarray:
    """Each document's first value id, -1 for none."""
    if not len(column.value_ids):
        return np.full(len(docs), -1, dtype=np.int64)
    starts, ends = column.offsets[docs], column.offsets[docs + 1]
    return np.where(ends > starts, column.value_ids[np.minimum(starts, len(column.value_ids) - 1)], -1)


def live_documents(reader) -> np.ndarray:
    """The numbers of the documents `reader` sees live."""
    return np.fromiter(reader.all_doc_ids(), dtype=np.int64)


def _whole_path(reader, directory: Path) -> Path:
    """The file of all segments laid end to end, for one commit (generation) of the index."""
    return directory / f"{_WHOLE}{reader.generation()}{SUFFIX}"


def _segments(reader):
    """Each segment's reader and name (an empty index has a reader but no segment)."""
    for leaf, _ in reader.leaf_readers():
        segment = leaf.segment()
        if segment is not None:
            yield leaf, segment.segment_id()


def _from_segment(leaf) -> Columns:
    days = np.fromiter(leaf.column_reader("day"), dtype=np.int32, count=leaf.doc_count_all())
    signatures = [*_signatures(leaf)]
    return Columns(_ids(leaf), days, {facet: FacetColumn.from_column(leaf.column_reader(column_name(facet)))
                                      for facet in FACET_FIELDS},
                   np.array([found.values for found in signatures], dtype=np.uint32).reshape(-1, copies.PERMUTATIONS),
                   np.array([found.shingles for found in signatures], dtype=np.uint32),
                   np.array([found.numbers for found in signatures], dtype=np.uint32).reshape(-1, copies.NUMBER_SLOTS))


def _signatures(leaf):
    """Each document's copy signature; one written before signatures were kept is made from its body."""
    column = leaf.column_reader(SIGNATURE_FIELD) if SIGNATURE_FIELD in leaf.schema else None
    for docnum in range(leaf.doc_count_all()):
        found = copies.Signature.from_bytes(column[docnum]) if column is not None else None
        if found is None:
            found = copies.signature(leaf.stored_fields(docnum).get("body") or "") \
                if not leaf.is_deleted(docnum) else copies.EMPTY
        yield found


def _ids(leaf) -> np.ndarray:
    """Each document's id, from the id field's terms (each names its one live document)."""
    ids = [b""] * leaf.doc_count_all()
    for text, info in leaf.iter_field("id"):
        if info.doc_frequency() == 1:
            ids[info.min_id()] = text
        else:  # earlier versions of the article, deleted, in the same segment
            for doc in leaf.postings("id", text).all_ids():
                ids[doc] = text
    return np.array(ids, dtype=bytes) if ids else np.zeros(0, dtype="S1")


def _save(columns: Columns, path: Path) -> None:
    """One file: an 8-byte header length, a JSON header (each array's name, dtype, length and offset),
    then the arrays' bytes, each at a multiple of 8."""
    arrays = {"ids": columns.ids, "days": columns.days}
    if columns.signatures is not None:
        arrays["signatures"] = columns.signatures.reshape(-1)
        arrays["shingles"] = columns.shingles
        arrays["numbers"] = columns.numbers.reshape(-1)
    if columns.groups is not None:
        arrays["groups"] = columns.groups
    for facet, column in columns.facets.items():
        arrays[f"{facet}.names"] = np.frombuffer(VALUE_SEPARATOR.join(column.names).encode("utf-8"), dtype=np.uint8)
        arrays[f"{facet}.offsets"] = column.offsets
        arrays[f"{facet}.ids"] = column.value_ids
    header, chunks, offset = {}, [], 0
    for name, array in arrays.items():
        data = np.ascontiguousarray(array).tobytes()
        header[name] = [array.dtype.str, len(array), offset]
        padded = data + bytes(-len(data) % 8)
        chunks.append(padded)
        offset += len(padded)
    head = json.dumps(header).encode("utf-8")
    head += b" " * (-len(head) % 8)
    write_atomically(path, len(head).to_bytes(8, "little") + head + b"".join(chunks))
    path.with_name(path.name.replace(SUFFIX, _OLD_SUFFIX)).unlink(missing_ok=True)


def _load(path: Path, count: int) -> Columns | None:
    """The columns of `count` documents saved at `path`; None when there is no such file, or it
    cannot be read or does not hold what it should (the caller then reads Whoosh's columns)."""
    try:
        data = path.read_bytes()
        size = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + size])
        start = 8 + size

        def array(name: str, expected: str) -> np.ndarray:
            """The array `name`, of the dtype `expected` (for "S": bytes of any length)."""
            # A copy: numpy counted facets over views of the read-only file bytes about 30% slower
            # (browsing all of ten copies of Reuters: 35 ms against 27 ms), and copying costs little.
            dtype, length, offset = header[name]
            found = np.dtype(dtype)
            if (found.kind != "S") if expected == "S" else (found != np.dtype(expected)):
                raise ValueError(f"{name} holds {dtype}")
            return np.frombuffer(data, dtype=found, count=length, offset=start + offset).copy()

        facets = {}
        for facet in FACET_FIELDS:
            joined = array(f"{facet}.names", "u1").tobytes().decode("utf-8")
            facets[facet] = FacetColumn(joined.split(VALUE_SEPARATOR) if joined else [],
                                        array(f"{facet}.offsets", "<i8"), array(f"{facet}.ids", "<i4"))
        signed = "numbers" in header
        columns = Columns(array("ids", "S"), array("days", "<i4"), facets,
                          array("signatures", "<u4").reshape(-1, copies.PERMUTATIONS) if signed else None,
                          array("shingles", "<u4") if signed else None,
                          array("numbers", "<u4").reshape(-1, copies.NUMBER_SLOTS) if signed else None,
                          array("groups", "<i4") if "groups" in header else None)
    except (OSError, ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError, MemoryError):
        return None
    return columns if _holds(columns, count) else None


def _holds(columns: Columns, count: int) -> bool:
    """Whether the arrays describe `count` documents consistently."""
    if len(columns.ids) != count or len(columns.days) != count:
        return False
    if any(len(array) != count for array in (columns.signatures, columns.shingles, columns.numbers, columns.groups)
           if array is not None):
        return False
    groups = columns.groups
    if groups is not None and len(groups) and (groups.min() < -1 or groups.max() >= count):
        return False
    for column in columns.facets.values():
        offsets, ids = column.offsets, column.value_ids
        if len(offsets) != count + 1 or offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0):
            return False
        if len(ids) and (ids.min() < 0 or ids.max() >= len(column.names)):
            return False
    return True
