"""What every reader shares: the file it reads, the problems it reports, the articles it builds."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, Union
from urllib.parse import urlsplit

from ..article import Article, article_id
from ..text import UndecodableError, decode, first_sentence, one_line


class FileError(Exception):
    """Raised by a reader when the whole file is unusable; the message says why."""


@dataclass(frozen=True)
class SourceFile:
    """A file being read: its absolute path (`key`), the path users see, its bytes, and its path below
    the folder given (`below`, by default the path users see): what names its articles."""

    key: str
    path: str
    data: bytes
    below: str = ""

    def text(self) -> str:
        """The file's bytes as text, without a leading BOM; FileError when they are not text."""
        try:
            return decode(self.data).lstrip("\ufeff")
        except UndecodableError as error:
            raise FileError(f"not a text file: {error}") from None

    def article(self, entry_key: str, *, title: str | None, body: str, date: dt.date | None = None,
                source: str | None = None, distributor: str | None = None, url: str | None = None,
                labels: dict | None = None) -> Article:
        """An article of this file; the title falls back to the body's first sentence. Metadata
        values are made single clean lines (no control characters), whatever the file held."""
        url = one_line(url) or None
        below = self.below or self.path
        return Article(
            id=article_id(below, entry_key),
            file=self.key,
            path=below,
            title=one_line(title) or first_sentence(body),
            body=body,
            date=date,
            source=one_line(source) or site_of(url),
            distributor=one_line(distributor) or None,
            url=url,
            labels={name: tuple(filter(None, map(one_line, values))) for name, values in (labels or {}).items()},
        )


@dataclass(frozen=True)
class ReadError:
    """A problem with a file, or with one entry of it when `line` is set."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "error": self.message}


Entry = Union[Article, ReadError]


class Reader(Protocol):
    """Reads one format. `version` changes whenever the same file would read differently."""

    name: str
    version: int
    endings: tuple[str, ...]

    def sniff(self, head: str) -> bool:
        """True when text starting with `head` looks like this format."""

    def read(self, source: SourceFile) -> Iterator[Entry]:
        """The file's articles, and a ReadError for each part that could not be read."""


def site_of(url: str | None) -> str | None:
    """The site a URL names (`https://www.bbc.co.uk/news/x` → `bbc.co.uk`), or None."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host
