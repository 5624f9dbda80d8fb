"""The ranking formula: BM25 per text field, summed over fields, with statistics of the live index.

For a word (or a prefix, wildcard or range taken as one word, see `matching`) in
a text field, a document scores

    weight(field) · idf · tf · (k1 + 1) / (tf + k1 · (1 − b + b · length / average length))

where tf is how often the word occurs in the document's field, length is the
field's length in words as the index stores it (one byte: exact up to 10 words,
then rounded by up to about 9%), and the statistics are those of the articles
currently in the index, whatever its segments and deleted documents:

    idf = ln(N / (df + 1)) + 1
    N = live articles, df = live articles with the word in that field,
    average length = the field's mean stored length over the live articles.

A match in a facet field (source, people, orgs, places) scores 1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

TITLE_WEIGHT = 1.0


@dataclass(frozen=True)
class Bm25:
    """The formula's parameters."""

    k1: float = 0.9
    b: float = 0.2
    field_weights: dict[str, float] = field(default_factory=lambda: {"title": TITLE_WEIGHT})

    def idf(self, document_frequency: int, live_count: int) -> float:
        return math.log(live_count / (document_frequency + 1)) + 1

    def scores(self, field_name: str, frequencies: np.ndarray, lengths: np.ndarray, average_length: float,
               idf: float) -> np.ndarray:
        """The scores of documents holding a word `frequencies` times in fields of `lengths` words."""
        k1, b = self.k1, self.b
        normalised = (1 - b) + b * lengths / (average_length or 1)
        weight = self.field_weights.get(field_name, 1.0)
        return weight * idf * (frequencies * (k1 + 1)) / (frequencies + k1 * normalised)
