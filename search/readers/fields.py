"""Articles from records with named fields, as JSON Lines and CSV files hold them."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..dates import parse_article_date
from ..text import join_paragraphs, paragraphs
from .base import Entry, ReadError, SourceFile

BODY_FIELDS = ("body", "text")


def article_from_record(source: SourceFile, record: Mapping[str, object], line: int,
                        seen_ids: dict[str, int]) -> Entry:
    """The article a record describes, or a ReadError naming the field that is wrong.

    Known fields: id, title, date, source, distributor, url, and body or text.
    Others are ignored. Without an id the entry is keyed by its url, then its line.
    """
    values = {}
    for field in ("id", "title", "date", "source", "distributor", "url", *BODY_FIELDS):
        value = record.get(field)
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and field == "id":
            value = str(value)
        if not isinstance(value, str):
            return ReadError(source.path, f"field {field!r} must be text, not {type(value).__name__}", line)
        values[field] = value.strip()

    body_text = next((values[field] for field in BODY_FIELDS if values.get(field)), "")
    body = join_paragraphs(paragraphs(body_text))
    if not body:
        return ReadError(source.path, "no article text: 'body' and 'text' are both missing or empty", line)
    date = None
    if values.get("date"):
        try:
            date = parse_article_date(values["date"])
        except ValueError as error:
            return ReadError(source.path, f"field 'date': {error}", line)

    key = record_key(values) or f"line {line}"
    if key in seen_ids:
        return ReadError(source.path, f"duplicate entry {key!r} (first on line {seen_ids[key]})", line)
    seen_ids[key] = line
    return source.article(key, title=values.get("title"), body=body, date=date,
                          source=values.get("source"), distributor=values.get("distributor"),
                          url=values.get("url") or None)


def record_key(record: Mapping[str, object]) -> str | None:
    """What names a record's article within its file: its id, else its url (None when it has neither)."""
    for field in ("id", "url"):
        value = record.get(field)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def read_records(source: SourceFile, records: Iterator[tuple[int, Mapping[str, object] | ReadError]]) -> Iterator[Entry]:
    """Articles from (line, record) pairs; a reader's own errors pass through."""
    seen_ids: dict[str, int] = {}
    for line, record in records:
        yield record if isinstance(record, ReadError) else article_from_record(source, record, line, seen_ids)
