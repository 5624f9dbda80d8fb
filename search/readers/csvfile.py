"""CSV with a header row naming the article fields (id, title, date, source, url, body or text).

Fields may span lines, as in the Wikinews corpus. Without a source column the
source is the site the url names.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from .base import Entry, ReadError, SourceFile
from .fields import BODY_FIELDS, read_records

name = "csv"
version = 2  # 2: metadata as single clean lines, without control characters
endings = (".csv",)


def sniff(head: str) -> bool:
    first_line = head.split("\n", 1)[0].lower()
    return "," in first_line and any(field in first_line for field in BODY_FIELDS)


def read(source: SourceFile) -> Iterator[Entry]:
    text = source.text()
    # Python's csv refuses fields over 131,072 characters by default; an article may be far longer,
    # and the whole file is already bounded by the file size limit.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().lower() for column in next(rows)]
    except StopIteration:
        yield ReadError(source.path, "empty file: no header row")
        return
    except csv.Error as error:
        yield ReadError(source.path, f"CSV syntax error: {error}", 1)
        return
    if not any(field in header for field in BODY_FIELDS):
        yield ReadError(source.path, f"the header row names no 'body' or 'text' column (found: {', '.join(header)})", 1)
        return
    yield from read_records(source, _records(source, rows, header))


def _records(source: SourceFile, rows, header: list[str]):
    start = rows.line_num + 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, ReadError(source.path, f"CSV syntax error: {error}", start)
            return
        if any(cell.strip() for cell in row):
            if len(row) != len(header):
                yield start, ReadError(source.path, f"the row has {len(row)} fields; the header row names {len(header)}", start)
            else:
                yield start, dict(zip(header, row, strict=True))
        start = rows.line_num + 1
