"""Plain-text articles, including the wire format of the seed article.

A wire file starts with a header line such as ` date 2024-10-19 (MENAFN- Khaama Press)`:
the date, then the distributor and the original source in parentheses. A photo credit
line (`Image/Reuters.`) may follow; it is neither body nor source. Without a header the
file is still an article, with no date: a short first line followed by a blank line is
its title, otherwise the title is the body's first sentence.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from ..dates import parse_article_date
from ..text import join_paragraphs, paragraphs
from .base import Entry, ReadError, SourceFile

name = "text"
version = 2  # 2: metadata as single clean lines, without control characters
endings = (".txt", ".text")

_HEADER = re.compile(
    r"^\s*date\s+(?P<date>\S+)\s*(?:\((?:(?P<distributor>[^()\-]+?)\s*-\s*)?(?P<source>[^()]*)\))?\s*$",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"^\(?(?:image|photo|photograph|picture|pic|file photo|credit|photo credit)s?\b\s*(?:[/:|\-–—]|by\b)\s*\S.{0,80}$",
    re.IGNORECASE,
)
_TITLE_LINE_MAX = 150


def sniff(head: str) -> bool:
    return True


def read(source: SourceFile) -> Iterator[Entry]:
    lines = source.text().splitlines()
    first = next((number for number, line in enumerate(lines) if line.strip()), None)
    if first is None:
        yield ReadError(source.path, "empty file: no article text")
        return

    header = _HEADER.match(lines[first])
    date = distributor = origin = title = None
    if header:
        try:
            date = parse_article_date(header["date"])
        except ValueError as error:
            yield ReadError(source.path, f"header date: {error}", line=first + 1)
            return
        distributor = (header["distributor"] or "").strip() or None
        origin = (header["source"] or "").strip() or None
        lines = lines[first + 1:]

    parts = [part for part in paragraphs("\n".join(lines)) if not _CREDIT.match(part)]
    if not header and len(parts) > 1 and _is_title_line(parts[0]):
        title = parts.pop(0)
    if not parts:
        yield ReadError(source.path, "no article text after the header")
        return
    yield source.article("", title=title, body=join_paragraphs(parts), date=date,
                         source=origin, distributor=distributor)


def _is_title_line(paragraph: str) -> bool:
    """A headline: one short line that does not read like the end of a sentence."""
    return len(paragraph) <= _TITLE_LINE_MAX and not paragraph.endswith((".", ",", ";", ":"))
