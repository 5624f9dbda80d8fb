"""Facet counts and date work over per-document arrays (`columns.Columns`).

Counting gathers the matching documents' value ids from flat arrays and counts
them with `numpy.bincount`, instead of asking Whoosh to group results (its
`groupedby` rebuilds every document's values from the postings on each search).
Counts are exact over all matches.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..model import FacetValue
from .schema import FACET_FIELDS, VALUE_SEPARATOR

if TYPE_CHECKING:
    from .columns import Columns


@dataclass(frozen=True)
class FacetColumn:
    """One facet field for every document: value ids, in name order, laid end to end.

    Document d's values are `value_ids[offsets[d]:offsets[d + 1]]`; ids index `names`,
    which is sorted, so ordering ties by id orders them by name.
    """

    names: list[str]
    offsets: np.ndarray
    value_ids: np.ndarray

    @classmethod
    def from_column(cls, raw) -> "FacetColumn":
        per_doc = [value.decode("utf-8").split(VALUE_SEPARATOR) if value else [] for value in raw]
        names = sorted({name for values in per_doc for name in values})
        ids = {name: number for number, name in enumerate(names)}
        lengths = np.fromiter((len(values) for values in per_doc), dtype=np.int64, count=len(per_doc))
        offsets = np.zeros(len(per_doc) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        value_ids = np.fromiter((ids[name] for values in per_doc for name in values), dtype=np.int32,
                                count=int(offsets[-1]))
        return cls(names, offsets, value_ids)

    @classmethod
    def concatenate(cls, parts: list[FacetColumn]) -> FacetColumn:
        """The columns of consecutive segments as one, over the union of their names."""
        names = sorted({name for part in parts for name in part.names})
        ids = {name: number for number, name in enumerate(names)}
        offsets, value_ids, start = [np.zeros(1, dtype=np.int64)], [], 0
        for part in parts:
            renumber = np.array([ids[name] for name in part.names], dtype=np.int32)
            value_ids.append(renumber[part.value_ids])
            offsets.append(part.offsets[1:] + start)
            start += int(part.offsets[-1])
        return cls(names, np.concatenate(offsets),
                   np.concatenate(value_ids) if value_ids else np.zeros(0, dtype=np.int32))

    def counts(self, docs: np.ndarray) -> np.ndarray:
        """How many of `docs` have each value (indexed by value id)."""
        starts = self.offsets[docs]
        lengths = self.offsets[docs + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(len(self.names), dtype=np.int64)
        # Positions of every value of every doc: each doc's start, then consecutive.
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        return np.bincount(self.value_ids[positions], minlength=len(self.names))


def count_values(columns: Columns, facet: str, docs: np.ndarray, limit: int,
                 always: tuple[str, ...] = ()) -> list[FacetValue]:
    """The `limit` most frequent values of a facet among `docs` (see `ranked_values`)."""
    column = columns.facet(facet)
    return ranked_values(column.names, column.counts(docs), limit, always)


def value_counts(columns: Columns, facet: str, docs: np.ndarray, always: tuple[str, ...] = ()) -> dict[str, int]:
    """Every value of a facet held by some of `docs`, with how many, and those of `always` (compared
    case-insensitively) that this index knows: a shard's share of the facet."""
    column = columns.facet(facet)
    counts = column.counts(docs)
    wanted = {value.casefold() for value in always}
    return {name: int(count) for name, count in zip(column.names, counts.tolist())
            if count or (wanted and name.casefold() in wanted)}


def ranked_values(names: list[str], counts: np.ndarray, limit: int, always: tuple[str, ...] = ()) -> list[FacetValue]:
    """The `limit` values (of sorted `names`) with the highest `counts`, ties by name; then those of
    `always` (compared case-insensitively) that did not make the cut, as a sidebar shows selected values."""
    present = np.flatnonzero(counts)
    ranked = present[np.lexsort((present, -counts[present]))][:limit].tolist()
    shown = {names[i].casefold() for i in ranked}
    extra = sorted({value.casefold() for value in always} - shown)
    ranked += [i for i, name in enumerate(names) if extra and name.casefold() in extra]
    return [FacetValue(names[i], int(counts[i])) for i in ranked]


def count_months(columns: Columns, docs: np.ndarray) -> list[FacetValue]:
    """Matches per `YYYY-MM`, in date order; undated articles are not counted."""
    days = columns.days[docs]
    months = days[days > 0] // 100  # YYYYMM
    if not len(months):
        return []
    first = int(months.min())
    counts = np.bincount(months - first)  # one slot per YYYYMM number in the span: cheaper than sorting
    present = np.flatnonzero(counts)
    return [FacetValue(f"{month // 100:04d}-{month % 100:02d}", int(counts[offset]))
            for offset, month in zip(present.tolist(), (present + first).tolist())]


def within_dates(columns: Columns, docs: np.ndarray, start: int, end: int) -> np.ndarray:
    """The documents dated between two YYYYMMDD numbers, both inclusive."""
    days = columns.days[docs]
    return docs[(days >= start) & (days <= end)]


def all_facets(columns: Columns, docs: np.ndarray, limit: int,
               docs_by_facet: dict[str, np.ndarray] | None = None,
               always: dict[str, tuple[str, ...]] | None = None) -> dict[str, list[FacetValue]]:
    """The contract's five facets: source, people, orgs, places and month.

    `docs_by_facet` gives some facets other documents to count over (for multi-select
    facets: the matches of every filter but their own); `always` lists values a facet shows
    even outside its top `limit` (the selected ones).
    """
    docs_by_facet, always = docs_by_facet or {}, always or {}
    facets = {facet: count_values(columns, facet, docs_by_facet.get(facet, docs), limit, always.get(facet, ()))
              for facet in FACET_FIELDS if facet != "distributor"}
    facets["month"] = count_months(columns, docs)
    return facets
