"""Sets of matching documents with their scores, combined with numpy set operations."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Matches:
    """Matching documents in increasing order, with their scores."""

    docs: np.ndarray
    scores: np.ndarray

    @classmethod
    def none(cls) -> Matches:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))

    @classmethod
    def constant(cls, docs: np.ndarray, score: float) -> Matches:
        return cls(docs, np.full(len(docs), float(score)))

    def __or__(self, other: Matches) -> Matches:
        """Documents in either; a document in both scores the sum."""
        docs = np.union1d(self.docs, other.docs)
        scores = np.zeros(len(docs), dtype=np.float64)
        scores[np.searchsorted(docs, self.docs)] += self.scores
        scores[np.searchsorted(docs, other.docs)] += other.scores
        return Matches(docs, scores)

    @classmethod
    def union(cls, parts: list[Matches]) -> Matches:
        """Documents in any of `parts`, each scoring the sum of the parts it is in (added in order,
        as `|` one after another would, in one pass rather than one per part)."""
        if len(parts) == 1:
            return parts[0]
        docs, inverse = np.unique(np.concatenate([part.docs for part in parts]), return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate([part.scores for part in parts]), minlength=len(docs))
        return cls(docs, scores.astype(np.float64, copy=False))

    def __and__(self, other: Matches) -> Matches:
        """Documents in both, scoring the sum."""
        docs, mine, theirs = np.intersect1d(self.docs, other.docs, assume_unique=True, return_indices=True)
        return Matches(docs, self.scores[mine] + other.scores[theirs])

    def __sub__(self, other: Matches) -> Matches:
        """Documents in this but not the other, keeping this one's scores."""
        keep = ~np.isin(self.docs, other.docs, assume_unique=True)
        return Matches(self.docs[keep], self.scores[keep])

    def within(self, other: Matches) -> Matches:
        """Documents in both, keeping this one's scores."""
        keep = np.isin(self.docs, other.docs, assume_unique=True)
        return Matches(self.docs[keep], self.scores[keep])

    def plus(self, other: Matches) -> Matches:
        """This one's documents, adding the other's score where it matches too."""
        return self | other.within(self)

    def boosted(self, boost: float) -> Matches:
        return self if boost == 1.0 else Matches(self.docs, self.scores * boost)

    def scores_of(self, docs: np.ndarray) -> np.ndarray:
        """The scores of some of the matching documents."""
        return self.scores[np.searchsorted(self.docs, docs)]
