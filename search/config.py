"""Settings read in one place: flags first, then the environment, then defaults."""
from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

from .errors import NewsSearchError
from .shard_layout import is_shard

INDEX_ENV = "NEWS_SEARCH_INDEX"
LOCK_WAIT_ENV = "NEWS_SEARCH_LOCK_WAIT"
ALIASES_ENV = "NEWS_SEARCH_ALIASES"
MAX_FILE_ENV = "NEWS_SEARCH_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 256
TIME_LIMIT_ENV = "NEWS_SEARCH_TIME_LIMIT"
DEFAULT_TIME_LIMIT = 10.0
DEFAULT_LOCK_WAIT = 10.0


def default_index_dir() -> Path:
    """`$XDG_DATA_HOME/news-search/index`, which is `~/.local/share/news-search/index` by default."""
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "news-search" / "index"


def index_dir(flag: str | os.PathLike | None = None) -> Path:
    """The index location: the `--index` flag, else $NEWS_SEARCH_INDEX, else the default."""
    chosen = flag or os.environ.get(INDEX_ENV)
    return Path(chosen).expanduser() if chosen else default_index_dir()


def lock_wait() -> float:
    """Seconds a writer waits for another to finish: $NEWS_SEARCH_LOCK_WAIT, else 10."""
    return _number(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT, zero_allowed=True)


def max_file_bytes() -> int:
    """The largest file the indexer reads: $NEWS_SEARCH_MAX_FILE_MB megabytes, else 256."""
    return max(1, int(_number(MAX_FILE_ENV, DEFAULT_MAX_FILE_MB) * 2**20))


def search_time_limit() -> float:
    """Seconds one search may take before it is stopped: $NEWS_SEARCH_TIME_LIMIT, else 10."""
    return _number(TIME_LIMIT_ENV, DEFAULT_TIME_LIMIT)


def _number(variable: str, default: float, *, zero_allowed: bool = False) -> float:
    """A finite number from the environment (unset or empty: `default`); NewsSearchError naming the
    variable for anything else, rather than a silent default or a limit that refuses everything."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_allowed) or value > 1e9:
        bound = "0 or more" if zero_allowed else "more than 0"
        raise NewsSearchError(f"{variable}={text!r} is not a usable setting: "
                              f"give a number {bound}, such as {default:g}")
    return value


def aliases_file(index_location: Path, flag: str | os.PathLike | None = None) -> Path:
    """The alias file: the flag, else $NEWS_SEARCH_ALIASES, else `aliases.toml` in the index folder
    (copied there from the shipped default the first time it is needed); for a shard, in the folder
    of its sharded index, one file for all its shards."""
    chosen = flag or os.environ.get(ALIASES_ENV)
    if chosen:
        return Path(chosen).expanduser()
    folder = Path(index_location)
    if is_shard(folder):
        folder = folder.parent
    path = folder / "aliases.toml"
    if not path.exists():
        from .entities import DEFAULT_ALIASES

        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEFAULT_ALIASES, path)
    return path
