"""Small text helpers shared by the readers: decoding, paragraphs, titles."""
from __future__ import annotations

import codecs
import re
import unicodedata

TITLE_MAX_CHARS = 200

# C0 and C1 control characters but tab, line feed and carriage return: in text shown on a terminal,
# ESC (and C1's CSI) start commands that can clear the screen or set the window title.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
_ABBREVIATION = re.compile(r"\b(?:[A-Z]|Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Col|Lt|Sgt|Rep|Sen|Gov|Inc|Co|Corp|Ltd|No|U\.S|U\.K)\.$")


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we accept."""


def looks_binary(data: bytes) -> bool:
    """True when the start of `data` holds NUL bytes, as binary files do and text never does."""
    return b"\0" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def decode(data: bytes) -> str:
    """Decode file bytes: a BOM wins, then strict UTF-8, then Latin-1.

    Latin-1 maps every byte to exactly one character, so text from a file that is
    not valid UTF-8 (such as Reuters-21578) keeps every byte in its place.
    """
    if looks_binary(data):
        raise UndecodableError("binary data (NUL bytes), not text")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise UndecodableError(f"invalid {encoding} at byte {error.start}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def clean_line(line: str) -> str:
    """One line with control characters removed and runs of spaces folded."""
    return _SPACES.sub(" ", _CONTROL.sub("", line)).strip()


def one_line(text: str | None) -> str | None:
    """A metadata value (title, source, URL…) as one clean line: line breaks become spaces and
    control characters go, so it cannot fake lines or send commands to a terminal; None stays None."""
    if text is None:
        return None
    return clean_line(" ".join(text.splitlines()))


def paragraphs(text: str) -> list[str]:
    """Split text at blank lines; each paragraph's wrapped lines are joined with spaces."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    found = []
    for block in re.split(r"\n\s*\n", text):
        joined = " ".join(filter(None, (clean_line(line) for line in block.split("\n"))))
        if joined:
            found.append(joined)
    return found


def join_paragraphs(parts: list[str]) -> str:
    """The body form of the contract: paragraphs separated by one blank line."""
    return "\n\n".join(parts)


def first_sentence(text: str) -> str:
    """The first sentence of `text` (its first paragraph at most), cut to a title's length.
    Only the paragraph's start is looked at: a sentence ending further on is cut the same way."""
    paragraph = text.lstrip()[: 4 * TITLE_MAX_CHARS].split("\n\n", 1)[0]
    for match in _SENTENCE_END.finditer(paragraph):
        if not _ABBREVIATION.search(paragraph, max(0, match.start() - 8), match.start()):
            paragraph = paragraph[: match.start()]
            break
    return shorten(paragraph.strip())


def shorten(text: str, limit: int = TITLE_MAX_CHARS) -> str:
    """`text` cut at a word boundary to at most `limit` characters, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"
