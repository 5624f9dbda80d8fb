"""Readers turn files into articles: one module per format, found by file ending, then by sniffing.

Adding a format is one new module with `name`, `version`, `endings`, `sniff` and
`read`, and one line in `READERS`.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from . import csvfile, html, jsonlines, sgml, wiretext
from .base import Entry, FileError, Reader, ReadError, SourceFile

__all__ = ["READERS", "Entry", "ReadError", "Reader", "SourceFile", "reader_by_ending", "reader_for", "read_entries", "handles"]

# Order matters for sniffing: the most specific format first, plain text last.
READERS: tuple[Reader, ...] = (sgml, html, jsonlines, csvfile, wiretext)

_BY_ENDING = {ending: reader for reader in READERS for ending in reader.endings}


def handles(path: Path) -> bool:
    """True when a file found while walking a folder has an ending some reader claims."""
    return _ending(path) in _BY_ENDING


def reader_by_ending(path: Path) -> Reader | None:
    """The reader a file's ending names, if any."""
    return _BY_ENDING.get(_ending(path))


def reader_for(path: Path, head: bytes) -> Reader:
    """The reader for a file: by its ending, else by what its first bytes look like."""
    reader = reader_by_ending(path)
    if reader is not None:
        return reader
    text = head[:4096].decode("latin-1")
    return next(reader for reader in READERS if reader.sniff(text))


def read_entries(source: SourceFile, reader: Reader) -> Iterator[Entry]:
    """The entries of one file; whatever goes wrong inside the reader is reported, never raised."""
    try:
        yield from reader.read(source)
    except FileError as error:
        yield ReadError(source.path, str(error))
    except Exception as error:  # a reader bug must cost one file, not the batch
        yield ReadError(source.path, f"could not be read as {reader.name}: {type(error).__name__}: {error}")


def _ending(path: Path) -> str:
    """`.txt`, or for compressed files the last two suffixes (`.html.gz`)."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    return "".join(suffixes[-2:] if suffixes[-1:] == [".gz"] else suffixes[-1:])
