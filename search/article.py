"""The article: the one record passed from readers through extraction to the index."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace


def article_id(file_below: str, entry_key: str) -> str:
    """A URL-safe id for the entry `entry_key` of the file `file_below` (its path below the folder
    given, that folder's name first): the same wherever the folder is moved or mounted."""
    digest = hashlib.blake2b(f"{file_below}\0{entry_key}".encode("utf-8", "surrogatepass"), digest_size=8)
    return digest.hexdigest()


def content_hash(*parts: str) -> str:
    """A short hash of the article's text, for caches keyed by content."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Article:
    """One news article, immutable once read.

    `file` is the absolute path of the file it came from (the key of the manifest),
    `path` the same file below the folder that was indexed (that folder's name first), as
    shown to users. `labels` holds metadata the source file
    carried (such as Reuters TOPICS), kept but not used as facets.
    """

    id: str
    file: str
    path: str
    title: str
    body: str
    date: dt.date | None = None
    source: str | None = None
    distributor: str | None = None
    url: str | None = None
    people: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.body)

    def same_as_read(self, other: Article) -> bool:
        """Equal in everything its file gives (people, orgs and places are found later)."""
        return replace(self, people=(), orgs=(), places=()) == replace(other, people=(), orgs=(), places=())

    def to_dict(self) -> dict:
        """The article as the contract's JSON object (`show --json`)."""
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source,
            "distributor": self.distributor,
            "url": self.url,
            "path": self.path,
            "people": list(self.people),
            "orgs": list(self.orgs),
            "places": list(self.places),
            "body": self.body,
            "labels": {name: list(values) for name, values in self.labels.items()},
        }
