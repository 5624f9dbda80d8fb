"""Saved web pages (`.html`, `.htm`, `.html.gz`): the article's text and metadata.

The body comes from trafilatura, tuned for precision: on the 88 pages of the
article-extraction benchmark it scored F1 0.966, against 0.954 with its default
settings and 0.684 for the page's whole text (bench/html_extraction.py). Its time
grows with the square of a page's elements (40,000 paragraphs: 9 s, 80,000: 43 s),
so a page of more than MAX_EXTRACTOR_ELEMENTS (six times the largest of those 88
pages) gets a plain extraction instead, in linear time: the paragraphs, headings,
list items and quotes of its article (or main part, or body). The metadata comes
from our own BeautifulSoup reading (html_metadata.py).
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
version = 2  # 2: metadata as single clean lines (and for pages: every gzip member, the plain extraction)
endings = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
# A page is parsed twice (BeautifulSoup, trafilatura), each needing many times its size in memory;
# real article pages are well under 5 MB.
MAX_PAGE_BYTES = 16 * 1024 * 1024
GZIP_SLICE = 1 << 16
MAX_EXTRACTOR_ELEMENTS = 10_000  # the benchmark's pages have 763 elements (median), 1,596 at most

_BLOCKS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre"))
_NOT_ARTICLE = frozenset(("nav", "header", "footer", "aside", "form", "script", "style", "noscript", "template"))

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
    if len(soup.find_all(True, limit=MAX_EXTRACTOR_ELEMENTS + 1)) > MAX_EXTRACTOR_ELEMENTS:
        extracted = plain_text(soup)
    else:
        extracted = trafilatura.extract(text, favor_precision=True, include_comments=False,
                                        include_tables=True, deduplicate=False, url=metadata.url) or ""
    body = join_paragraphs(paragraphs(extracted.replace("\n", "\n\n")))
    if not body:
        raise FileError("no article body found in the page")
    labels = {name: (value,) for name, value in (("author", metadata.author), ("language", metadata.language)) if value}
    yield source.article(metadata.url or "", title=metadata.title, body=body, date=metadata.date,
                         source=metadata.source, url=metadata.url, labels=labels)


def plain_text(soup: BeautifulSoup) -> str:
    """The text of the article's blocks, one per line, in page order: paragraphs, headings, list items,
    quotes and preformatted text, outside navigation, headers, footers and forms. Each element is
    visited once (a block's own blocks are part of its text)."""
    root = soup.find("article") or soup.find("main") or soup.body or soup
    lines, pending = [], list(reversed(root.contents))
    while pending:
        node = pending.pop()
        if node.name is None or node.name in _NOT_ARTICLE:  # text between blocks, comments, or chrome
            continue
        if node.name in _BLOCKS:
            lines.append(" ".join(node.get_text().split()))
        else:
            pending.extend(reversed(node.contents))
    return "\n".join(line for line in lines if line)


def _decompressed(source: SourceFile) -> bytes:
    """The page's bytes, gunzipped (every member) when they are gzip; FileError past MAX_PAGE_BYTES."""
    if not source.data.startswith(b"\x1f\x8b"):
        if len(source.data) > MAX_PAGE_BYTES:
            raise FileError(f"the page is over {MAX_PAGE_BYTES // 2**20} MB; refusing to read it")
        return source.data
    return _gunzip(source.data)


def _gunzip(data: bytes) -> bytes:
    """All members of gzip `data`, fed to zlib in slices of GZIP_SLICE bytes: what one member leaves
    unused is never more than a slice, so thousands of members cost linear time."""
    parts, size, inflater = [], 0, None
    view = memoryview(data)
    for offset in range(0, len(data), GZIP_SLICE):
        pending = bytes(view[offset:offset + GZIP_SLICE])
        while pending:
            if inflater is None:
                pending = pending.lstrip(b"\0")  # padding between members
                if not pending:
                    break
                inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            try:
                part = inflater.decompress(pending, MAX_PAGE_BYTES - size + 1)
            except zlib.error as error:
                raise FileError(f"broken gzip data: {error}") from None
            size += len(part)
            if size > MAX_PAGE_BYTES:
                raise FileError(f"the page inflates to more than {MAX_PAGE_BYTES // 2**20} MB; refusing to read it")
            parts.append(part)
            if inflater.eof:
                pending, inflater = inflater.unused_data, None
            else:
                pending = inflater.unconsumed_tail
    if inflater is not None:
        raise FileError("broken gzip data: the file ends before the compressed stream does")
    return b"".join(parts)
