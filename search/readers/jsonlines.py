"""JSON Lines: one article object per line. A bad line is reported with its number."""
from __future__ import annotations

import json
from collections.abc import Iterator

from .base import Entry, ReadError, SourceFile
from .fields import read_records

name = "jsonl"
version = 4  # 2: metadata as single clean lines, without control characters; 3: lines end only at \n;
# 4: an id true or false is refused, not read as "True"
endings = (".jsonl", ".ndjson", ".jsonlines")


def sniff(head: str) -> bool:
    return head.lstrip().startswith("{")


def read(source: SourceFile) -> Iterator[Entry]:
    yield from read_records(source, records(source, source.text()))


def records(source: SourceFile, text: str) -> Iterator[tuple[int, dict | ReadError]]:
    """(line number, object) for each line of JSON Lines text that is not blank; a ReadError for a bad one."""
    # Lines end at \n only: U+2028 and the like may stand unescaped inside JSON strings.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, ReadError(source.path, f"invalid JSON at column {error.colno}: {error.msg}", number)
            continue
        except (ValueError, RecursionError) as error:  # a number of over 4,300 digits; nesting past Python's stack
            yield number, ReadError(source.path, f"JSON that cannot be read: {type(error).__name__}: {error!s:.100}",
                                    number)
            continue
        if not isinstance(record, dict):
            yield number, ReadError(source.path, f"expected a JSON object, found {type(record).__name__}", number)
            continue
        yield number, record
