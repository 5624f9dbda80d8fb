"""Exports: a search's articles as CSV or JSON Lines text, a line at a time.

CSV is meant to open cleanly in a spreadsheet: UTF-8 with a byte-order mark (which
spreadsheet programs take as the sign of UTF-8), a header row, lists joined by `; `,
and text cells that a spreadsheet would run as a formula (starting with `=`, `+`,
`-`, `@`, a tab or a carriage return) written with a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv")
FIELDS = ("id", "title", "date", "source", "distributor", "url", "path", "score", "people", "orgs", "places",
          "copies", "copy_sources")
LIST_SEPARATOR = "; "
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def exported_lines(rows: Iterable[dict], export_format: str, *, body: bool = False) -> Iterator[str]:
    """The text of an export of `rows` (as `IndexSearcher.export` gives them), line by line."""
    if export_format == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    fields = [*FIELDS, "body"] if body else list(FIELDS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    yield "\ufeff" + _taken(buffer)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in fields])
        yield _taken(buffer)


def _cell(value) -> str | float | int:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    text = LIST_SEPARATOR.join(value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
