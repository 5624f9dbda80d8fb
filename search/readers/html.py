"""Saved web pages (`.html`, `.htm`, `.html.gz`): the article's text and metadata.

The body comes from trafilatura, tuned for precision: on the 88 pages of the
article-extraction benchmark it scored F1 0.966, against 0.954 with its default
settings and 0.684 for the page's whole text (bench/html_extraction.py). The
metadata comes from our own BeautifulSoup reading (html_metadata.py).
Charsets: a BOM, then the page's declared charset, then detection.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Iterator

import trafilatura
from bs4 import BeautifulSoup, UnicodeDammit

from ..text import join_paragraphs, paragraphs
from .base import Entry, FileError, SourceFile
from .html_metadata import read_metadata

name = "html"
version = 1
endings = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
# A page is parsed twice (BeautifulSoup, trafilatura), each needing many times its size in memory;
# real article pages are well under 5 MB.
MAX_PAGE_BYTES = 16 * 1024 * 1024

_MARKUP = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|article|p|div)\b", re.IGNORECASE)


def sniff(head: str) -> bool:
    return bool(re.search(r"<\s*(?:!doctype\s+html|html)\b", head[:2048], re.IGNORECASE))


def read(source: SourceFile) -> Iterator[Entry]:
    data = _decompressed(source)
    text = UnicodeDammit(data, is_html=True).unicode_markup if data.strip() else ""
    if text is None:
        raise FileError("could not decode the page in any charset")
    if not text.strip():
        raise FileError("empty page")
    if not _MARKUP.search(text[:65536]):
        raise FileError("not an HTML page (no <html>, <body> or paragraph markup)")
    soup = BeautifulSoup(text, "lxml")
    metadata = read_metadata(soup)
    extracted = trafilatura.extract(text, favor_precision=True, include_comments=False,
                                    include_tables=True, deduplicate=False, url=metadata.url) or ""
    body = join_paragraphs(paragraphs(extracted.replace("\n", "\n\n")))
    if not body:
        raise FileError("no article body found in the page")
    labels = {name: (value,) for name, value in (("author", metadata.author), ("language", metadata.language)) if value}
    yield source.article(metadata.url or "", title=metadata.title, body=body, date=metadata.date,
                         source=metadata.source, url=metadata.url, labels=labels)


def _decompressed(source: SourceFile) -> bytes:
    """The page's bytes, gunzipped (every member) when they are gzip; FileError past MAX_PAGE_BYTES."""
    limit_mb = MAX_PAGE_BYTES // 2**20
    if not source.data.startswith(b"\x1f\x8b"):
        if len(source.data) > MAX_PAGE_BYTES:
            raise FileError(f"the page is over {limit_mb} MB; refusing to read it")
        return source.data
    parts, size, rest = [], 0, source.data
    while rest:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            part = inflater.decompress(rest, MAX_PAGE_BYTES - size + 1)
        except zlib.error as error:
            raise FileError(f"broken gzip data: {error}") from None
        size += len(part)
        if size > MAX_PAGE_BYTES:
            raise FileError(f"the page inflates to more than {limit_mb} MB; refusing to read it")
        if not inflater.eof:
            raise FileError("broken gzip data: the file ends before the compressed stream does")
        parts.append(part)
        rest = inflater.unused_data.lstrip(b"\0")  # the next member, after any padding
    return b"".join(parts)
