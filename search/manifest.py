"""The manifest: for each indexed file, what it was when it was read.

Incremental indexing compares files on disk with it: same size and modification
time means unchanged without reading; otherwise the content hash decides. A file
is also read again when its reader's version changed.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import IndexDamagedError
from .files import write_atomically

# 2: article ids name files by their path below the folder given, not by their absolute path.
FORMAT_VERSION = 2
IDS_BY_ABSOLUTE_PATH = 1
MANIFEST_NAME = "manifest.json"
# Written just before a Whoosh commit and renamed to MANIFEST_NAME just after, so
# that a crash in between still leaves the manifest of what was committed.
PENDING_NAME = "manifest.next.json"


@dataclass(frozen=True)
class FileRecord:
    size: int
    mtime_ns: int
    sha256: str
    reader: str
    articles: int


@dataclass
class Manifest:
    files: dict[str, FileRecord]
    last_indexed: str | None = None
    entities: str | None = None  # the fingerprint of the rules and aliases the entities were made with
    toc: int | None = None  # the Whoosh commit (table-of-contents generation) it describes
    # Per kind, each case-folded name that stands for another one in this index (alias file and
    # index-wide naming): searches for either find both.
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    format: int = FORMAT_VERSION  # the layout it was read in; an index of an older one is built again
    posted: str | None = None  # where the index's folder of posted articles was (it moves with the index)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """The manifest at `path`; an empty one when there is none yet. IndexDamagedError when
        the file cannot be read as a manifest."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            layout = data.get("format")
            if layout not in (IDS_BY_ABSOLUTE_PATH, FORMAT_VERSION):
                return cls(files={})  # an older layout: every file is read again
            return cls(files={key: FileRecord(**record) for key, record in data["files"].items()},
                       last_indexed=data.get("last_indexed"), entities=data.get("entities"), toc=data.get("toc"),
                       names=data.get("names") or {}, format=layout, posted=data.get("posted"))
        except FileNotFoundError:
            return cls(files={})
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise IndexDamagedError.of_file(path, error) from None

    @classmethod
    def of_commit(cls, directory: Path, toc: int) -> Manifest:
        """The manifest describing Whoosh commit `toc` in `directory`: the pending one when the
        commit happened but its rename did not, else the saved one."""
        pending = directory / PENDING_NAME
        if pending.exists():
            manifest = cls.load(pending)
            if manifest.toc == toc:
                return manifest
        return cls.load(directory / MANIFEST_NAME)

    def save(self, path: Path) -> None:
        """Write atomically: a crash leaves either the old manifest or the new one."""
        self.last_indexed = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        data = {"format": FORMAT_VERSION, "last_indexed": self.last_indexed, "entities": self.entities,
                "toc": self.toc, "names": self.names, "posted": self.posted,
                "files": {key: asdict(record) for key, record in sorted(self.files.items())}}
        write_atomically(path, json.dumps(data, indent=0, ensure_ascii=False).encode("utf-8"))

