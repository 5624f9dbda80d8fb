"""Finding the files to index under the paths a user gives.

In folders, only files a reader handles are taken, hidden ones are skipped, and
symbolic links are followed only when they point inside the folders given: a
link to `/etc/passwd` in an article folder must not make that file searchable.
A file named directly is always taken. Each file is known by its resolved
absolute path (`key`), as valid Unicode text.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .files import path_text, shown_key, shown_path
from .readers import ReadError, handles


@dataclass(frozen=True)
class FoundFile:
    """A file to index: its key, the path to read it at, the path users see, its size and time, its
    device and inode (reading checks it is still the same file), and its path below the folder
    given (that folder's name first), which names its articles wherever the folder is."""

    key: str
    path: Path
    shown: str
    size: int
    mtime_ns: int
    identity: tuple[int, int] | None = None
    below: str = ""


def resolved(path: Path) -> Path:
    """The absolute path with every link resolved (a link loop is left as it stands, never an error)."""
    return Path(os.path.realpath(path))


def find_files(roots: list[Path], errors: list[ReadError],
               skipped: list[ReadError] | None = None) -> Iterator[FoundFile]:
    """Every file a reader handles under the roots (a file named directly is always taken).
    Folders that cannot be listed go to `errors`; links not followed to `skipped`."""
    skipped = skipped if skipped is not None else []
    scope = [resolved(root) for root in roots]
    seen: set[str] = set()
    names_below: dict[str, str] = {}
    for root in roots:
        if not root.is_dir() and not root.is_file():
            errors.append(ReadError(shown_path(root), "neither a regular file nor a folder; not read"))
            continue
        candidates = [root] if root.is_file() else _walk(root, scope, errors, skipped)
        for path in candidates:
            target = resolved(path)
            key = path_text(target)
            if key in seen:
                continue
            seen.add(key)
            try:
                stat = target.stat()
            except OSError as error:
                errors.append(ReadError(shown_path(path), f"cannot be read: {error.strerror}"))
                continue
            below = _path_below(root, path)
            if names_below.setdefault(below, key) != key:
                skipped.append(ReadError(shown_path(path), f"has the same path below its folder ({below}) as "
                                                           f"{shown_key(names_below[below])}; its articles are named "
                                                           "by its full path, and change name if it moves"))
                below = key
            yield _found(path, target, stat, below)


def found_below(root: Path, relative: str) -> FoundFile | None:
    """The file `relative` (a POSIX path) below the folder `root`, as `find_files(root)` would find it;
    None when it is not there."""
    path = root / relative
    try:
        stat = path.stat()
    except OSError:
        return None
    return _found(path, resolved(path), stat, _path_below(root, path))


def _found(path: Path, target: Path, stat: os.stat_result, below: str) -> FoundFile:
    """The file found at `path` (`target` once links are resolved), as `stat` saw it."""
    return FoundFile(path_text(target), target, shown_path(path), stat.st_size, stat.st_mtime_ns,
                     (stat.st_dev, stat.st_ino), below)


def _path_below(root: Path, path: Path) -> str:
    """`path` below the folder `root` given, starting with that folder's name (a file given: its name)."""
    if path == root:
        return path_text(resolved(root).name)
    return path_text(Path(resolved(root).name, path.relative_to(root)).as_posix())


def in_scope(key: str, roots: list[Path]) -> bool:
    """True when the file `key` lies under (or is) one of the roots."""
    return any(_under(key, path_text(resolved(root))) for root in roots)


def _under(key: str, folder: str) -> bool:
    return key == folder or key.startswith(folder.rstrip(os.sep) + os.sep)


def _walk(root: Path, scope: list[Path], errors: list[ReadError], skipped: list[ReadError]) -> Iterator[Path]:
    def report(error: OSError) -> None:
        errors.append(ReadError(shown_path(Path(error.filename or root)), f"cannot be listed: {error.strerror}"))

    for directory, subdirectories, files in os.walk(root, onerror=report):
        visible = sorted(name for name in subdirectories if not name.startswith("."))
        for name in visible:
            _note_link_outside(Path(directory, name), scope, skipped)  # os.walk does not follow links
        subdirectories[:] = visible
        for name in sorted(files):
            path = Path(directory, name)
            if name.startswith(".") or not handles(path) or _note_link_outside(path, scope, skipped):
                continue
            if path.is_file():
                yield path


def _note_link_outside(path: Path, scope: list[Path], skipped: list[ReadError]) -> bool:
    """True (and noted in `skipped`) when `path` is a link to something outside the folders given."""
    if not path.is_symlink():
        return False
    target = resolved(path)
    if any(target == folder or folder in target.parents for folder in scope):
        return False
    skipped.append(ReadError(shown_path(path), f"a link to {path_text(target)}, outside the folders given; "
                                               "not followed (name the file itself to index it)"))
    return True
