"""Where a sharded index keeps its shards, and which shard a file belongs to.

    INDEX_DIR/
      shards.json       {"shards": N}: written once, by the first build or a rebuild
      shard-000/        each an index of its own (generations, manifest, lock, inbox)
      shard-001/
      ...

A file belongs to the shard its name below the folder given (`FoundFile.below`)
hashes to, so it stays in its shard when the folder moves, and every run over the
same folders sends each file to the same shard.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import NewsSearchError
from .files import write_atomically

SHARDS_FILE = "shards.json"
MAX_SHARDS = 256


def shard_of(name: str, count: int) -> int:
    """The shard (0 to count - 1) of a file named `name` below its folder."""
    digest = hashlib.blake2b(name.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def is_shard(folder: Path) -> bool:
    """Whether `folder` is a shard of a sharded index (named as one, beside its record of shards)."""
    return folder.name.startswith("shard-") and (folder.parent / SHARDS_FILE).exists()


@dataclass(frozen=True)
class ShardLayout:
    """The shards of the index at `root`."""

    root: Path
    count: int

    @classmethod
    def of(cls, root: Path | str) -> ShardLayout | None:
        """The layout recorded at `root`; None for an index that is not sharded."""
        path = Path(root) / SHARDS_FILE
        try:
            count = json.loads(path.read_text(encoding="utf-8"))["shards"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise NewsSearchError(f"{path}: cannot be read as a record of shards ({error})") from None
        if type(count) is not int or not 1 <= count <= MAX_SHARDS:
            raise NewsSearchError(f"{path}: the shard count must be a whole number from 1 to {MAX_SHARDS}")
        beyond = sorted(folder.name for folder in Path(root).glob("shard-*")
                        if folder.name[6:].isdigit() and int(folder.name[6:]) >= count)
        if beyond:
            raise NewsSearchError(f"{path} says {count} shards, but {', '.join(beyond)} is there too: "
                                  "the record of shards was changed by hand")
        return cls(Path(root), count)

    @classmethod
    def create(cls, root: Path | str, count: int) -> ShardLayout:
        """Record `count` shards at `root` (a first build)."""
        if not 1 <= count <= MAX_SHARDS:
            raise NewsSearchError(f"--shards must be from 1 to {MAX_SHARDS}, not {count}")
        Path(root).mkdir(parents=True, exist_ok=True)
        write_atomically(Path(root) / SHARDS_FILE, json.dumps({"shards": count}).encode() + b"\n")
        return cls(Path(root), count)

    def shard_roots(self) -> list[Path]:
        return [self.root / f"shard-{number:03d}" for number in range(self.count)]
