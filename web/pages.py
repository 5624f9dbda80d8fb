"""The search page and the article page. Every state of a search lives in its URL."""
from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Blueprint, abort, render_template, request, url_for
from markupsafe import Markup, escape

from search import SearchResult
from search.model import FacetValue

from .requests import FILTER_PARAMETERS, news_index, search_request

blueprint = Blueprint("pages", __name__)

FACET_TITLES = {"source": "Source", "people": "People", "orgs": "Organisations", "places": "Places"}
FACET_PARAMETERS = {"source": "source", "people": "person", "orgs": "org", "places": "place"}
_ONLY_MARKS = re.compile(r"</?mark>")
RELATED_SHOWN = 5
SEARCH_PARAMETERS = {"q", "from", "to", "sort", "page", "feedback", "collapse", "facet_size", "more",
                     *FILTER_PARAMETERS}


@blueprint.get("/")
@blueprint.get("/search")
def search():
    """The search page: query box, facets, month histogram, hits."""
    started = time.perf_counter()
    result = news_index().search(search_request(request.args, page_view=True))
    links = Links(request.args.to_dict(flat=False))
    return render_template("search.html", result=result, links=links, args=request.args,
                           facets=facet_boxes(result, links), histogram=histogram(result.facets["month"], links),
                           counted_bars=COUNTED_BARS,
                           chips=links.chips(), pages=links.pages(result),
                           seconds=time.perf_counter() - started)


@blueprint.get("/articles/<article_id>")
def article(article_id: str):
    """One article in full, with its entities as links to searches."""
    index = news_index()
    found = index.article(article_id)
    if found is None:
        abort(404, f"there is no article with id {article_id!r}")
    back = Links({key: values for key, values in parse_qs(request.args.get("back", "")).items()
                  if key in SEARCH_PARAMETERS})
    return render_template("article.html", article=found, links=Links({}), source_url=web_url(found.url),
                           copies=index.copies(article_id) or [],
                           related=index.related(article_id, RELATED_SHOWN),
                           back=back.url() if request.args.get("back") else None)


def safe_snippet(snippet: str) -> Markup:
    """A snippet as markup, trusting only what the library promises: escaped text and bare <mark> tags."""
    if "<" in _ONLY_MARKS.sub("", snippet) or ">" in _ONLY_MARKS.sub("", snippet):
        return escape(snippet)
    return Markup(snippet)


def web_url(url: str | None) -> str | None:
    """`url` when it is a plain http(s) link, so that `javascript:` and friends never become links."""
    return url if url and urlsplit(url.strip()).scheme in ("http", "https") else None


blueprint.add_app_template_filter(safe_snippet, "snippet")


class Links:
    """URLs of the search page derived from the current one: toggles, removals, pages."""

    def __init__(self, params: dict[str, list[str]]) -> None:
        self.params = {key: [value for value in values if value != ""] for key, values in params.items()}

    def url(self, path: str = "/search", **changes: list[str] | str | None) -> str:
        """`path` with the current search's parameters, changed by `changes` (None removes one), from page 1."""
        params = dict(self.params)
        params.pop("page", None)
        for key, value in changes.items():
            if value is None or value == []:
                params.pop(key, None)
            else:
                params[key] = value if isinstance(value, list) else [value]
        query = urlencode([(key, value) for key, values in params.items() for value in values])
        return f"{path}?{query}" if query else path

    def feed(self) -> str:
        """The Atom feed of this search (its newest matches)."""
        return self.url("/feed.atom", sort=None, more=None, collapse=None)

    def export(self, export_format: str) -> str:
        """Every article this search matches, as a file (copies included)."""
        return self.url("/api/export", format=export_format, more=None, collapse=None)

    def article(self, article_id: str) -> str:
        """An article's page, remembering this search for its link back."""
        back = urlencode([(key, value) for key, values in self.params.items() for value in values])
        return url_for("pages.article", article_id=article_id, back=back or None)

    def toggle(self, parameter: str, value: str) -> str:
        """The URL with `value` added to, or removed from, the filter `parameter`."""
        current = self.params.get(parameter, [])
        chosen = [v for v in current if v != value] if value in current else [*current, value]
        return self.url(**{parameter: chosen})

    def selected(self, parameter: str, value: str) -> bool:
        return value in self.params.get(parameter, [])

    def chips(self) -> list[tuple[str, str]]:
        """(label, URL without it) for every filter in force."""
        found = []
        for parameter in FILTER_PARAMETERS:
            for value in self.params.get(parameter, []):
                found.append((f"{parameter}: {value}", self.toggle(parameter, value)))
        for parameter, label in (("from", "from"), ("to", "to")):
            for value in self.params.get(parameter, []):
                found.append((f"{label} {value}", self.url(**{parameter: None})))
        return found

    def month(self, month: str) -> str:
        """The URL narrowed to one month (`YYYY-MM`)."""
        return self.url(**{"from": month, "to": month})

    def pages(self, result: SearchResult) -> list[tuple[str, str | None]]:
        """(label, URL or None for the current page) around the current page."""
        last = result.page_count
        numbers = sorted({1, last, *range(max(1, result.page - 2), min(last, result.page + 2) + 1)})
        links = [(str(number), None if number == result.page else self.url(page=str(number))) for number in numbers]
        return links if last > 1 else []


@dataclass(frozen=True)
class FacetBox:
    """One facet of the sidebar: its title, and each value with whether it is selected and its toggle URL."""

    title: str
    values: list[tuple[FacetValue, bool, str]]
    more_url: str | None


def facet_boxes(result: SearchResult, links: Links) -> list[FacetBox]:
    boxes = []
    for name, title in FACET_TITLES.items():
        parameter = FACET_PARAMETERS[name]
        values = [(value, links.selected(parameter, value.value), links.toggle(parameter, value.value))
                  for value in result.facets.get(name, [])]
        more = links.url(more="1") if len(values) >= 10 and not links.params.get("more") else None
        if values:
            boxes.append(FacetBox(title, values, more))
    return boxes


@dataclass(frozen=True)
class Bar:
    """One month of the histogram: its tooltip, where it stands and how tall, its count and the URL of
    that month (None for a month without matches, which is drawn as an empty slot)."""

    label: str
    x: float
    height: float
    count: int
    url: str | None


COUNTED_BARS = 36  # up to this many months, each bar's count is written above it


def histogram(months: list[FacetValue], links: Links, width: int = 600, height: int = 70) -> list[Bar]:
    """One slot per month from the first month with matches to the last, in date order; each month
    with matches is a bar linking to the search narrowed to it, each without is left empty."""
    if not months:
        return []
    counts = {month.value: month.count for month in months}
    first, last = (_month_number(months[0].value), _month_number(months[-1].value))
    tallest = max(counts.values())
    step = width / (last - first + 1)
    bars = []
    for slot, number in enumerate(range(first, last + 1)):
        year, month = divmod(number, 12)
        value = f"{year:04d}-{month + 1:02d}"
        count = counts.get(value, 0)
        label = f"{calendar.month_abbr[month + 1]} {year}: {count}"
        bars.append(Bar(label, slot * step, max(1.0, height * count / tallest) if count else 0.0, count,
                        links.month(value) if count else None))
    return bars


def _month_number(value: str) -> int:
    year, month = value.split("-")
    return int(year) * 12 + int(month) - 1
