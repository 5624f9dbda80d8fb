"""Facet counts and date work over per-document columns, read once per searcher.

Counting reads each matching document's values from memory instead of asking
Whoosh to group results (its `groupedby` rebuilds every document's values from
the postings on each search). Counts are exact over all matches.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from ..model import FacetValue
from .schema import FACET_FIELDS, VALUE_SEPARATOR, column_name


class Columns:
    """Per-document values of one reader, loaded on first use: dates and facet values."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._facets: dict[str, list[tuple[str, ...]]] = {}
        self._days: list[int] | None = None

    @property
    def days(self) -> list[int]:
        """Each document's date as YYYYMMDD, 0 when it has none."""
        if self._days is None:
            self._days = list(self._reader.column_reader("day"))
        return self._days

    def values(self, facet: str) -> list[tuple[str, ...]]:
        """Each document's display values of a facet field."""
        if facet not in self._facets:
            raw = self._reader.column_reader(column_name(facet))
            self._facets[facet] = [tuple(v.decode("utf-8").split(VALUE_SEPARATOR)) if v else () for v in raw]
        return self._facets[facet]


def count_values(columns: Columns, facet: str, docs: Iterable[int], limit: int) -> list[FacetValue]:
    """The `limit` most frequent values of a facet among `docs`, by count then name."""
    values = columns.values(facet)
    counts = Counter(value for doc in docs for value in values[doc])
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [FacetValue(value, count) for value, count in ranked[:limit]]


def count_months(columns: Columns, docs: Iterable[int]) -> list[FacetValue]:
    """Matches per `YYYY-MM`, in date order; undated articles are not counted."""
    days = columns.days
    counts = Counter(days[doc] // 100 for doc in docs if days[doc])
    return [FacetValue(f"{month // 100:04d}-{month % 100:02d}", count) for month, count in sorted(counts.items())]


def within_dates(columns: Columns, docs: Sequence[int], start: int, end: int) -> list[int]:
    """The documents dated between two YYYYMMDD numbers, both inclusive."""
    days = columns.days
    return [doc for doc in docs if start <= days[doc] <= end]


def all_facets(columns: Columns, docs: Sequence[int], limit: int,
               docs_by_facet: dict[str, Sequence[int]] | None = None) -> dict[str, list[FacetValue]]:
    """The contract's five facets: source, people, orgs, places and month.

    `docs_by_facet` gives some facets other documents to count over (for multi-select
    facets: the matches of every filter but their own).
    """
    docs_by_facet = docs_by_facet or {}
    facets = {facet: count_values(columns, facet, docs_by_facet.get(facet, docs), limit)
              for facet in FACET_FIELDS if facet != "distributor"}
    facets["month"] = count_months(columns, docs)
    return facets
