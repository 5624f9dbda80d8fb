"""An article page's metadata, read with BeautifulSoup: title, date, source, author, URL, language.

Each field tries the most deliberate statement first: JSON-LD (schema.org
NewsArticle and kin), then OpenGraph and `article:` meta tags, then common
`<meta>` names and visible markup, then what the URL says.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from dateutil import parser as date_parser

from .base import site_of

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                 "opinionnewsarticle", "report", "webpage", "liveblogposting"}
DATE_META_NAMES = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
                   "date", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date", "parsely-pub-date",
                   "article.published", "publish-date", "cxenseparse:recs:publishtime")
# Zone abbreviations pages use, as UTC offsets in seconds (dateutil knows only UTC and GMT by name).
ZONE_OFFSETS = {name: int(hours * 3600) for name, hours in (
    ("UTC", 0), ("GMT", 0), ("EST", -5), ("EDT", -4), ("CST", -6), ("CDT", -5), ("MST", -7), ("MDT", -6),
    ("PST", -8), ("PDT", -7), ("BST", 1), ("CET", 1), ("CEST", 2), ("IST", 5.5), ("JST", 9), ("AEST", 10))}
_URL_DATE = re.compile(r"/(20\d\d|19\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|[-_]|$)")
_TITLE_SUFFIX = re.compile(r"\s+[|\-–—:·»]\s+[^|\-–—:·»]{2,60}$")


@dataclass(frozen=True)
class PageMetadata:
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None


def read_metadata(soup: BeautifulSoup, fallback_url: str | None = None) -> PageMetadata:
    """The metadata a parsed page states about itself."""
    ld = _json_ld_article(soup)
    url = (_link(soup, "canonical") or _meta(soup, "og:url") or _text_of(ld.get("url")) or fallback_url)
    return PageMetadata(
        title=_title(soup, ld),
        date=_date(soup, ld, url),
        source=_publisher(ld) or _meta(soup, "og:site_name") or site_of(url),
        author=_author(ld) or _not_a_link(_meta(soup, "author") or _meta(soup, "article:author")),
        url=url,
        language=_language(soup, ld),
    )


def _meta(soup: BeautifulSoup, key: str) -> str | None:
    """The content of a `<meta>` whose property, name or itemprop is `key` (case-insensitive)."""
    for tag in soup.find_all("meta"):
        names = (tag.get("property"), tag.get("name"), tag.get("itemprop"))
        if any(name and name.strip().lower() == key for name in names):
            content = decoded(tag.get("content") or "")
            if content:
                return content
    return None


def _link(soup: BeautifulSoup, rel: str) -> str | None:
    tag = soup.find("link", rel=lambda value: value and rel in (value if isinstance(value, list) else [value]))
    href = (tag.get("href") or "").strip() if tag else ""
    return href if href.startswith(("http://", "https://")) else None


def _json_ld_objects(soup: BeautifulSoup) -> Iterator[dict]:
    for script in soup.find_all("script", type=lambda value: value and "ld+json" in value.lower()):
        try:
            data = json.loads(script.string or script.get_text() or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if "@graph" in item:
                    stack.append(item["@graph"])


def _json_ld_article(soup: BeautifulSoup) -> dict:
    """The first JSON-LD object of an article type (the page's own statement about itself)."""
    for item in _json_ld_objects(soup):
        types = item.get("@type")
        names = types if isinstance(types, list) else [types]
        if any(isinstance(name, str) and name.lower() in ARTICLE_TYPES for name in names):
            if item.get("headline") or item.get("datePublished"):
                return item
    return {}


def _text_of(value) -> str | None:
    """A JSON-LD value as text: strings as they are, objects by their name or @id."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id")
    return decoded(value) or None if isinstance(value, str) else None


def decoded(value: str) -> str:
    """A metadata value with its character references decoded: JSON-LD is not HTML, so the parser
    leaves `&#163;` and `&amp;` in it, and pages often escape meta content twice (`&amp;amp;`)."""
    for _ in range(2):
        if "&" not in value:
            break
        value = html.unescape(value)
    return value.strip()


def _title(soup: BeautifulSoup, ld: dict) -> str | None:
    for candidate in (_text_of(ld.get("headline")), _meta(soup, "og:title"), _meta(soup, "twitter:title")):
        if candidate:
            return _clean(candidate)
    heading = soup.find("h1")
    if heading and heading.get_text(strip=True):
        return _clean(heading.get_text(" ", strip=True))
    if soup.title and soup.title.get_text(strip=True):
        return _clean(_TITLE_SUFFIX.sub("", soup.title.get_text(" ", strip=True)))
    return None


def _date(soup: BeautifulSoup, ld: dict, url: str | None) -> dt.date | None:
    candidates = [_text_of(ld.get("datePublished")), _text_of(ld.get("dateCreated"))]
    candidates += [_meta(soup, name) for name in DATE_META_NAMES]
    candidates += [tag.get("datetime") for tag in soup.find_all("time", datetime=True)[:3]]
    for candidate in candidates:
        parsed = parse_page_date(candidate)
        if parsed:
            return parsed
    match = _URL_DATE.search(urlsplit(url).path) if url else None
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            return None
    return None


def parse_page_date(value: str | None) -> dt.date | None:
    """The UTC day of a date as pages write it, or None when it is not a plausible date."""
    if not value or not value.strip():
        return None
    try:
        parsed = date_parser.parse(value.strip(), default=dt.datetime(1, 1, 1), tzinfos=ZONE_OFFSETS)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.date() if parsed.year >= 1900 else None


def _publisher(ld: dict) -> str | None:
    return _text_of(ld.get("publisher"))


def _author(ld: dict) -> str | None:
    authors = ld.get("author")
    names = [_text_of(author) for author in (authors if isinstance(authors, list) else [authors])]
    names = [name for name in map(_not_a_link, names) if name]
    return ", ".join(dict.fromkeys(names)) or None


def _language(soup: BeautifulSoup, ld: dict) -> str | None:
    html = soup.find("html")
    language = (html.get("lang") if html else None) or _meta(soup, "og:locale") or _text_of(ld.get("inLanguage"))
    return language.strip().replace("_", "-") if language and language.strip() else None


def _not_a_link(value: str | None) -> str | None:
    return None if value is None or value.startswith(("http://", "https://")) else value


def _clean(text: str) -> str:
    return " ".join(text.split())
