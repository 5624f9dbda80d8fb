"""Files on disk: names as text, bounded reads, durable writes."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

HASH_CHUNK = 1 << 20


class FileTooLargeError(ValueError):
    """A file holds more bytes than the reader may take."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, over the limit of {limit}")
        self.size = size
        self.limit = limit


def path_text(path: Path | str) -> str:
    """A path as valid Unicode text: bytes of a name that are not UTF-8 (`bad\\xff.txt`) are written
    as `\\xff`, so the name can be stored, compared and printed; valid names are unchanged."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def shown_path(path: Path) -> str:
    """The path as users see it: relative to the working folder when it lies inside it."""
    absolute = path.absolute()
    try:
        return path_text(absolute.relative_to(Path.cwd()))
    except ValueError:
        return path_text(absolute)


def read_at_most(path: Path, limit: int) -> bytes:
    """The file's bytes; FileTooLargeError when it holds more than `limit` (it may have grown since it was
    looked at), without reading past the limit."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
        if len(data) > limit:
            raise FileTooLargeError(os.fstat(handle.fileno()).st_size, limit)
    return data


def sha256_of_file(path: Path, limit: int) -> str:
    """The SHA-256 of a file read in chunks (never whole); FileTooLargeError past `limit` bytes."""
    digest = hashlib.sha256()
    read = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            read += len(chunk)
            if read > limit:
                raise FileTooLargeError(os.fstat(handle.fileno()).st_size, limit)
            digest.update(chunk)
    return digest.hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that readers see the old bytes or the new, durably.
    When writing fails (a full disk), the temporary file is removed and the old bytes stay."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def fsync_path(path: Path | str) -> None:
    """Flush a file or a directory (its list of entries) to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
