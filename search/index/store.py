"""Where an index lives on disk: generations of Whoosh directories behind a `current` link.

    INDEX_DIR/
      current -> g000002     the generation searches open (replaced atomically)
      g000002/               Whoosh files and the manifest of what they hold
      g000001/               the previous generation, kept until the next rebuild
      write.lock             held by the one process writing

Incremental updates commit into the current generation (Whoosh commits are atomic:
its table of contents is written last). A rebuild fills a new generation and then
points `current` at it, so a search never sees a half-built index.
"""
from __future__ import annotations

import os
import re
import shutil
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index

from ..errors import IndexDamagedError, IndexMissingError, NewsSearchError
from ..files import fsync_path
from ..manifest import MANIFEST_NAME, PENDING_NAME, Manifest
from .lock import WriteLock
from .schema import build_schema

_GENERATION = re.compile(r"^g(\d{6})$")


@contextmanager
def whoosh_file_errors(directory: Path) -> Iterator[None]:
    """Report an error raised inside Whoosh while it reads the files of `directory` (a damaged
    segment: FileFormatError, struct.error, "Block tag error"…) as IndexDamagedError."""
    try:
        yield
    except NewsSearchError:
        raise
    except Exception as error:
        innermost = traceback.extract_tb(error.__traceback__)[-1].filename
        if f"{os.sep}whoosh{os.sep}" not in innermost:
            raise
        raise IndexDamagedError.of_file(directory, error) from error


def _newest_toc(directory: Path) -> Path:
    """The table of contents Whoosh reads (`_MAIN_<n>.toc` with the highest n)."""
    tocs = sorted(directory.glob("_MAIN_*.toc"), key=lambda path: int(re.sub(r"\D", "", path.name) or 0))
    return tocs[-1] if tocs else directory


class IndexStore:
    """The on-disk index at `root`. Trust it as you trust code: Whoosh keeps its schema as a pickle."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def exists(self) -> bool:
        return self.current_link.exists()

    def current_generation(self) -> Path:
        """The directory searches should open now."""
        if not self.exists():
            raise IndexMissingError(f"there is no index at {self.root} yet.\n\n"
                                    f"Create it with:  news-search --index {self.root} index PATH...")
        try:
            return self.root / os.readlink(self.current_link)
        except OSError as error:  # replaced by something other than a link
            raise IndexDamagedError(f"{self.current_link} should be a link to the current generation: "
                                    f"{error.strerror or error}") from None

    def open(self, generation: Path | None = None):
        """The Whoosh index of a generation (the current one by default)."""
        directory = generation or self.current_generation()
        try:
            return whoosh_index.open_dir(str(directory))
        except (whoosh_index.EmptyIndexError, OSError) as error:
            raise NewsSearchError(f"the index at {directory} cannot be opened: {error}") from None
        except Exception as error:  # the table of contents is a pickle: a damaged one fails in many ways
            raise IndexDamagedError.of_file(_newest_toc(directory), error) from None

    def manifest(self, generation: Path | None = None) -> Manifest:
        """The manifest of what the generation's last commit holds."""
        directory = generation or self.current_generation()
        return Manifest.of_commit(directory, self.open(directory).latest_generation())

    def save_manifest(self, manifest: Manifest) -> None:
        """Save the manifest of the current commit outside a commit (call holding the write lock)."""
        directory = self.current_generation()
        manifest.save(directory / MANIFEST_NAME)
        (directory / PENDING_NAME).unlink(missing_ok=True)

    def write_lock(self, timeout: float = 10.0) -> WriteLock:
        return WriteLock(self.root / "write.lock", timeout)

    def new_generation(self) -> Path:
        """An empty Whoosh index in a fresh generation directory (not yet current)."""
        self.root.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for m in map(_GENERATION.match, os.listdir(self.root)) if m]
        directory = self.root / f"g{max(numbers, default=0) + 1:06d}"
        directory.mkdir()
        whoosh_index.create_in(str(directory), build_schema())
        return directory

    def make_current(self, generation: Path) -> None:
        """Point `current` at `generation` in one atomic step, then drop all but the previous one."""
        previous = self.current_generation() if self.exists() else None
        temporary = self.root / "current.tmp"
        if temporary.is_symlink():
            temporary.unlink()
        temporary.symlink_to(generation.name)
        os.replace(temporary, self.current_link)
        fsync_path(self.root)
        self._keep_only_generations(generation.name, previous.name if previous else None)

    def clear_debris(self) -> None:
        """Remove what writers killed mid-way left behind (call holding the write lock):
        generations that never became current, and temporary files in the current one."""
        if not self.exists():
            self._keep_only_generations()
            return
        current = self.current_generation()
        older = sorted(name for name in os.listdir(self.root) if _GENERATION.match(name) and name < current.name)
        self._keep_only_generations(current.name, *older[-1:])
        for entry in os.scandir(current):
            if entry.name.endswith(".tmp") or entry.name.startswith("."):  # Whoosh's and ours
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
        self._clear_uncommitted(current)

    def _clear_uncommitted(self, directory: Path) -> None:
        """Remove segment files that no commit names (a writer that failed or was killed wrote them)
        and a pending manifest whose commit never happened; finish the rename of one whose did."""
        try:
            index = self.open(directory)
        except IndexDamagedError:
            return  # which files belong to it cannot be known; a rebuild replaces it whole
        toc = whoosh_index.TOC.read(index.storage, index.indexname)
        whoosh_index.clean_files(index.storage, index.indexname, toc.generation, toc.segments)
        pending = directory / PENDING_NAME
        if not pending.exists():
            return
        try:
            committed = Manifest.load(pending).toc == toc.generation
        except IndexDamagedError:
            committed = False
        if committed:
            os.replace(pending, directory / MANIFEST_NAME)
            fsync_path(directory)
        else:
            pending.unlink()

    def _keep_only_generations(self, *keep: str | None) -> None:
        if not self.root.exists():
            return
        for name in os.listdir(self.root):
            if _GENERATION.match(name) and name not in keep:
                shutil.rmtree(self.root / name, ignore_errors=True)

    def discard(self, generation: Path) -> None:
        """Remove a generation that never became current (an interrupted rebuild)."""
        if not self.exists() or self.current_generation().resolve() != generation.resolve():
            shutil.rmtree(generation, ignore_errors=True)

    def size_bytes(self) -> int:
        directory = self.current_generation()
        return sum(entry.stat().st_size for entry in directory.iterdir() if entry.is_file())
