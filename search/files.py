"""Files on disk: names as text, bounded reads, durable writes."""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import BinaryIO

HASH_CHUNK = 1 << 20
_UNDECODABLE = 0xDC80


class FileTooLargeError(ValueError):
    """A file holds more bytes than the reader may take."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, over the limit of {limit}")
        self.size = size
        self.limit = limit


class FileChangedError(OSError):
    """A file is no longer the regular file a scan found (now a link, a folder, a pipe, or another file)."""


def path_text(path: Path | str) -> str:
    """A path as valid Unicode text, a different text for each path: bytes of a name that are not
    UTF-8 are written `\\xff`, and then a backslash `\\\\`, so such names can be stored, compared and
    printed. Paths of valid UTF-8 without a backslash (nearly all) are unchanged."""
    text = os.fsdecode(path)  # undecodable bytes become lone surrogates U+DC80..U+DCFF
    if "\\" not in text and not any(_UNDECODABLE <= ord(char) <= 0xDCFF for char in text):
        return text
    return "".join(f"\\x{ord(char) - 0xDC00:02x}" if _UNDECODABLE <= ord(char) <= 0xDCFF
                   else "\\\\" if char == "\\" else char for char in text)


def shown_path(path: Path) -> str:
    """The path as users see it: relative to the working folder when it lies inside it (and that
    folder still exists)."""
    cwd = _cwd()
    if cwd is None:
        return path_text(path)
    absolute = cwd / path  # `path` itself when it is absolute
    try:
        return path_text(absolute.relative_to(cwd))
    except ValueError:
        return path_text(absolute)


def shown_key(key: str) -> str:
    """A file key (`path_text` of an absolute path) as `shown_path` shows its path."""
    cwd = _cwd()
    folder = path_text(cwd).rstrip(os.sep) + os.sep if cwd is not None else None
    return key[len(folder):] if folder and key.startswith(folder) else key


def _cwd() -> Path | None:
    try:
        return Path.cwd()
    except OSError:  # deleted under a long-running watch, say
        return None


def open_found(path: Path, identity: tuple[int, int] | None = None) -> BinaryIO:
    """Open a file a scan found, for reading: without following a link in its last part, without
    blocking on a pipe, and only while it is the regular file the scan saw (`identity`: its device
    and inode), so that a folder swapped for a link in the meantime cannot bring in another file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise FileChangedError(errno.ELOOP, "it became a link since it was found") from None
        raise
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode) or (identity is not None and (status.st_dev, status.st_ino) != identity):
        os.close(descriptor)
        raise FileChangedError(errno.ESTALE, "it is no longer the regular file that was found")
    return os.fdopen(descriptor, "rb")


def read_at_most(path: Path, limit: int, identity: tuple[int, int] | None = None) -> bytes:
    """The file's bytes, read a chunk at a time; FileTooLargeError when it holds more than `limit`
    (it may have grown since it was looked at), without reading past the limit."""
    chunks, total = [], 0
    with open_found(path, identity) as handle:
        while chunk := handle.read(min(HASH_CHUNK, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileTooLargeError(os.fstat(handle.fileno()).st_size, limit)
    return b"".join(chunks)


def sha256_of_file(path: Path, limit: int, identity: tuple[int, int] | None = None) -> str:
    """The SHA-256 of a file read in chunks (never whole); FileTooLargeError past `limit` bytes."""
    digest = hashlib.sha256()
    read = 0
    with open_found(path, identity) as handle:
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
