"""The request and result types of a search, shared by the command line, the pages and the API."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Literal

from .dates import parse_date_bound
from .errors import QuerySyntaxError

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[str, ...] = ("relevance", "newest", "oldest")
FACETS: tuple[str, ...] = ("source", "people", "orgs", "places", "month")
MAX_PER_PAGE = 1000
MAX_FACET_SIZE = 1000
MAX_RELATED = 50


@dataclass(frozen=True)
class SearchRequest:
    """What to search: the query text, filters (OR within a kind, AND across kinds), order and page.

    An empty query matches every article and is shown newest first.
    """

    query: str = ""
    sources: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 10
    facet_limit: int = 10
    # Count each facet over the matches of every filter but its own, so that a page can offer
    # a second source beside a selected one, and list the selected values even outside the top
    # `facet_limit`. Off by default: the contract counts all matches.
    facets_leave_own_filter_out: bool = False
    # Re-rank the matches with words from the best ten (pseudo-relevance feedback): better ranking
    # of topics, a few milliseconds more per search. The matches themselves do not change.
    feedback: bool = False
    # One hit per group of copies of a story (the best-placed one); `total` still counts articles.
    collapse: bool = False

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise QuerySyntaxError(f"unknown sort {self.sort!r}: use one of {', '.join(SORTS)}")
        if self.page < 1:
            raise QuerySyntaxError(f"page must be 1 or more, not {self.page}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QuerySyntaxError(f"per_page must be between 1 and {MAX_PER_PAGE}, not {self.per_page}")
        if not 1 <= self.facet_limit <= MAX_FACET_SIZE:
            raise QuerySyntaxError(f"facet_size must be between 1 and {MAX_FACET_SIZE}, not {self.facet_limit}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QuerySyntaxError(f"the date range is empty: from {self.date_from} is after to {self.date_to}")

    @classmethod
    def from_text(cls, *, date_from: str | None = None, date_to: str | None = None, **values) -> SearchRequest:
        """A request whose dates are given as `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (both bounds inclusive)."""
        try:
            start = parse_date_bound(date_from, end=False) if date_from else None
            end = parse_date_bound(date_to, end=True) if date_to else None
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from None
        return cls(date_from=start, date_to=end, **values)

    @property
    def effective_sort(self) -> Sort:
        """Relevance means nothing without query words: browsing is newest first."""
        return "newest" if self.sort == "relevance" and not self.query.strip() else self.sort

    def filters(self) -> dict[str, tuple[str, ...]]:
        """The entity and source filters by index field."""
        return {"source": self.sources, "people": self.people, "orgs": self.orgs, "places": self.places}


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    date: str | None
    source: str | None
    distributor: str | None
    url: str | None
    path: str
    score: float | None
    snippet: str
    people: list[str]
    orgs: list[str]
    places: list[str]
    copies: int  # how many other indexed articles are copies of the same story
    copy_sources: list[str]  # their sources, each once


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    groups: int = 0  # how many groups of copies the matches fall into
    suggestion: str | None = None  # the query with misspelt words corrected, when it finds little
    collapsed: bool = False  # one hit per group: pages are counted in groups

    @property
    def page_count(self) -> int:
        """How many pages the matches fill (at least one, even when empty)."""
        return max(1, -(-(self.groups if self.collapsed else self.total) // self.per_page))

    def to_dict(self) -> dict:
        """The contract's JSON object for a search."""
        found = asdict(self)
        del found["collapsed"]
        return found


@dataclass(frozen=True)
class Export:
    """Every match of a search: how many, and the articles as rows of hit fields, read as they are wanted."""

    total: int
    rows: Iterator[dict]


@dataclass(frozen=True)
class RelatedArticles:
    """The articles related to the article `id`, best first (the contract's JSON of `/related`)."""

    id: str
    hits: list[Hit]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class IndexStats:
    articles: int
    first_date: str | None
    last_date: str | None
    sources: int
    index_bytes: int
    last_indexed: str | None
    files: int
    location: str
    posted_articles: int = 0  # articles that came in over HTTP and are indexed
    inbox_batches: int = 0  # batches posted over HTTP and not yet indexed

    def to_dict(self) -> dict:
        return asdict(self)
