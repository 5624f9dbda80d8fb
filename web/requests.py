"""Turning a URL's query string into a SearchRequest, the same way for pages and the API."""
from __future__ import annotations

from flask import current_app
from werkzeug.datastructures import MultiDict

from search import NewsIndex, QuerySyntaxError, SearchRequest
from search.model import MAX_FACET_SIZE
from search.sharded import ShardedIndex

FILTER_PARAMETERS = {"source": "sources", "person": "people", "org": "orgs", "place": "places"}
MORE_FACET_VALUES = 50
MAX_FILTER_VALUES = 50  # values of one filter parameter in one request
API_MAX_PER_PAGE = 100


def news_index() -> NewsIndex | ShardedIndex:
    return current_app.extensions["news_index"]


def search_request(args: MultiDict, *, page_view: bool) -> SearchRequest:
    """The request a URL describes. Pages use multi-select facets and a fixed page size, and show each
    story once unless `collapse=0`; the API counts facets over
    all matches, takes `per_page` (1 to MAX_PER_PAGE) and lists every copy unless `collapse=1`."""
    filters = {field: _filter_values(args, name) for name, field in FILTER_PARAMETERS.items()}
    per_page = 10 if page_view else integer_parameter(args, "per_page", 10, 1, current_app.config["MAX_PER_PAGE"])
    return SearchRequest.from_text(
        query=args.get("q", ""),
        date_from=args.get("from") or None,
        date_to=args.get("to") or None,
        sort=args.get("sort") or "relevance",
        page=integer_parameter(args, "page", 1, 1, 10_000),
        per_page=per_page,
        facet_limit=integer_parameter(args, "facet_size", MORE_FACET_VALUES if page_view and args.get("more") else 10,
                             1, MAX_FACET_SIZE),
        facets_leave_own_filter_out=page_view,
        feedback=flag_parameter(args, "feedback"),
        collapse=flag_parameter(args, "collapse", default=page_view),
        **filters,
    )


def _filter_values(args: MultiDict, name: str) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(value for value in args.getlist(name) if value.strip()))
    if len(values) > MAX_FILTER_VALUES:
        raise QuerySyntaxError(f"{len(values)} values of {name}; a search takes at most {MAX_FILTER_VALUES}")
    return values


def flag_parameter(args: MultiDict, name: str, default: bool = False) -> bool:
    text = args.get(name, "")
    if text not in ("", "0", "1"):
        raise QuerySyntaxError(f"{name} must be 1 or 0, not {text[:20]!r}")
    return default if text == "" else text == "1"


def integer_parameter(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    text = args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise QuerySyntaxError(f"{name} must be a whole number, not {text[:20]!r}") from None
    if not low <= value <= high:
        raise QuerySyntaxError(f"{name} must be between {low} and {high}, not {value}")
    return value
