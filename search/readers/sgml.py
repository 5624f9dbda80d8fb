"""Newswire SGML as in Reuters-21578: many `<REUTERS>` stories per file.

The files are not valid XML (control-character references, one Latin-1 byte), so
stories are cut out with patterns rather than a parser. Each story's NEWID is its
key, DATE its day, TITLE, DATELINE and BODY its text; stories of TYPE "UNPROC" have
no markup, so their first line is the title. The human labels TOPICS, PLACES,
PEOPLE, ORGS and EXCHANGES are kept as the article's labels.
"""
from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterator

from ..dates import parse_reuters_date
from ..text import clean_line, join_paragraphs, looks_binary, shorten
from .base import Entry, FileError, ReadError, SourceFile

name = "sgml"
version = 2  # 2: metadata as single clean lines, without control characters
endings = (".sgm", ".sgml")

SOURCE = "Reuters"
LABELS = ("topics", "places", "people", "orgs", "exchanges")

_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
_TAG = re.compile(r"<[^>]{1,40}>")
_SIGN_OFF = re.compile(r"\s*\bReuter\s*$", re.IGNORECASE)
_FILLER_BODY = "Blah blah blah."
MAX_ATTRIBUTES_CHARS = 500


def sniff(head: str) -> bool:
    return bool(re.search(r"<REUTERS\b|<!DOCTYPE\s+lewis", head[:4096], re.IGNORECASE))


def read(source: SourceFile) -> Iterator[Entry]:
    if looks_binary(source.data):
        raise FileError("not a text file: binary data (NUL bytes)")
    # Latin-1 keeps one character per byte: offsets and line numbers stay true.
    text = source.data.decode("latin-1")
    found = False
    line, position = 1, 0
    for start, attributes, markup in elements("REUTERS", text):
        found = True
        line += text.count("\n", position, start)
        position = start
        yield _article(source, attributes, markup, line)
    if not found:
        yield ReadError(source.path, "no <REUTERS> stories found in this SGML file")


@functools.lru_cache(maxsize=None)
def _tag_pattern(name: str) -> re.Pattern:
    return re.compile(rf"<(/?){name}\b([^<>]{{0,{MAX_ATTRIBUTES_CHARS}}})>", re.IGNORECASE)


def elements(name: str, markup: str) -> Iterator[tuple[int, str, str]]:
    """(start, attributes, content) of each `<name …>…</name>` in `markup`, in one pass over it:
    an opening tag pairs with the next closing one, and one left open is skipped. (A lazy
    `<name>(.*?)</name>` pattern would scan to the end once per unclosed tag: quadratic time.)"""
    opened: re.Match | None = None
    for tag in _tag_pattern(name).finditer(markup):
        if not tag.group(1):
            opened = tag
        elif opened is not None:
            yield opened.start(), opened.group(2), markup[opened.end():tag.start()]
            opened = None


def _element(name: str, markup: str) -> str | None:
    return next((content for _, _, content in elements(name, markup)), None)


def _unescape(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup))


def _article(source: SourceFile, attributes: str, markup: str, line: int) -> Entry:
    newid = dict(_ATTRIBUTE.findall(attributes)).get("NEWID")
    if not newid:
        return ReadError(source.path, "story without a NEWID attribute", line)
    date_text = _element("DATE", markup)
    if date_text is None:
        return ReadError(source.path, f"story NEWID={newid} has no DATE", line)
    try:
        date = parse_reuters_date(_unescape(date_text))
    except ValueError as error:
        return ReadError(source.path, f"story NEWID={newid}: {error}", line)

    inner = _element("TEXT", markup) or ""
    title = clean_line(_unescape(_element("TITLE", inner) or ""))
    dateline = clean_line(_unescape(_element("DATELINE", inner) or "")).rstrip(" -")
    body_markup = _element("BODY", inner)
    if body_markup is None and title:
        body_markup = ""  # a BRIEF: the headline is the whole story
    body_lines = _unescape(body_markup if body_markup is not None else inner).split("\n")
    parts = _paragraphs(body_lines)
    if parts and parts[-1] == _FILLER_BODY:
        parts.pop()
    if not title and parts:
        title = shorten(parts.pop(0))
    if not title:
        return ReadError(source.path, f"story NEWID={newid} has neither title nor text", line)

    labels = {name: tuple(clean_line(_unescape(value))
                          for _, _, value in elements("D", _element(name.upper(), markup) or ""))
              for name in LABELS}
    if dateline:
        labels["dateline"] = (dateline,)
    return source.article(newid, title=title, body=join_paragraphs(parts), date=date,
                          source=SOURCE, labels={name: values for name, values in labels.items() if values})


def _paragraphs(lines: list[str]) -> list[str]:
    """Reuters wraps lines at 70 characters and indents each new paragraph (or table row)."""
    parts: list[list[str]] = []
    for raw in lines:
        line = clean_line(raw)
        if not line:
            if parts and parts[-1]:
                parts.append([])
            continue
        if not parts or raw[:1] in (" ", "\t"):
            parts.append([])
        parts[-1].append(line)
    joined = [" ".join(part) for part in parts if part]
    if joined:
        joined[-1] = _SIGN_OFF.sub("", joined[-1])
    return [part for part in joined if part]
