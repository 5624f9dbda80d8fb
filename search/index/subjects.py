"""Subjects: a space of a few axes, fitted on a sample of the index's own articles, in which articles
telling one kind of story (a harvest, a bank's rate, a quarter's results) lie close even when they
share few words: latent semantic analysis (Deerwester et al., 1990).

Each article is a vector of its words (as indexed, numbers left out), each weighing (1 + ln tf) · idf,
with idf = ln(n / df) over the n articles of the sample; words of one sampled article only are left out.
The sample's vectors, each of length 1, are factored: the right singular vectors of their AXES
largest singular values (or of a quarter of the words, if fewer) are the axes.
Any article is placed by projecting its vector on them, and two articles' `closeness` is the cosine
of their places.

The sample is the SAMPLE earliest live articles (undated ones last, then by id), so that the space is a
function of the set of articles, the same for one index and for shards; once the index holds more
than SAMPLE articles, news arriving later does not change it: only older articles added, or sampled
ones changed or removed, fit it again. Below MIN_SAMPLE articles there is no space: AXES axes would
span nearly all of them and smooth nothing.
"""
from __future__ import annotations

import hashlib
import math
import os
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE = 2000
AXES = 100
MIN_SAMPLE = 4 * AXES

SampleKey = tuple[bool, int, bytes, str]  # (undated, day, id, content hash), in sampling order


def weighed(words: Mapping[str, int]) -> dict[str, float]:
    """An article's words (as indexed, with how often it uses each), each weighing 1 + ln tf, numbers
    left out: the vector both likeness and the subject space start from."""
    return {word: 1 + math.log(count) for word, count in words.items() if not word.isdigit()}


@dataclass(frozen=True)
class SubjectSpace:
    """Where articles lie by subject: each known word's row of `axes` and its `idf`."""

    rows: dict[str, int]
    idf: np.ndarray
    axes: np.ndarray  # (words, axes)

    def place(self, words: Mapping[str, int]) -> np.ndarray | None:
        """Where an article of `words` (as indexed, with how often it uses each) lies, as a unit
        vector; None when it has no word of the space."""
        known = [(self.rows[word], weight) for word, weight in weighed(words).items() if word in self.rows]
        if not known:
            return None
        rows, tf = (list(column) for column in zip(*known))
        point = (np.array(tf) * self.idf[rows]) @ self.axes[rows]
        norm = float(np.linalg.norm(point))
        return point / norm if norm > 0 else None

    @staticmethod
    def closeness(place: np.ndarray | None, other: np.ndarray | None) -> float:
        """The cosine of two places, 0 for opposite or unplaced articles: from 0 to 1."""
        if place is None or other is None:
            return 0.0
        return min(1.0, max(0.0, float(place @ other)))


def fitted(sample: Sequence[Mapping[str, int]]) -> SubjectSpace | None:
    """The space of `sample` (articles' words, as indexed, with how often each uses them); None for
    fewer than MIN_SAMPLE articles or too few shared words."""
    if len(sample) < MIN_SAMPLE:
        return None
    weights = [weighed(words) for words in sample]
    held_by = Counter(word for article in weights for word in article)
    vocabulary = sorted(word for word, count in held_by.items() if count > 1)
    count = min(AXES, len(vocabulary) // 4)  # far fewer than the words, or the space smooths nothing
    if not count:
        return None
    rows = {word: row for row, word in enumerate(vocabulary)}
    idf = np.log(len(sample) / np.array([held_by[word] for word in vocabulary], dtype=np.float64))
    axes = _right_singular_vectors(weights, rows, idf, count)
    return SubjectSpace(rows, idf, axes) if axes is not None else None


def _right_singular_vectors(weights: list[dict[str, float]], rows: dict[str, int], idf: np.ndarray,
                            count: int) -> np.ndarray | None:
    """The right singular vectors (words by `count`) of the `count` largest singular values of the
    articles' rows of `weights`, each weight times its word's idf, each row of length 1; None if all
    are 0."""
    import scipy.sparse  # here, not above: importing scipy costs every command a quarter second
    import scipy.sparse.linalg

    cells = [(article, rows[word], weight) for article, words in enumerate(weights)
             for word, weight in words.items() if word in rows]
    articles, columns, values = (np.array(column) for column in zip(*cells))
    matrix = scipy.sparse.csr_matrix((values * idf[columns], (articles, columns)), shape=(len(weights), len(rows)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = scipy.sparse.diags(1 / np.where(norms > 0, norms, 1)) @ matrix
    start = np.full(min(matrix.shape), 1.0)  # ARPACK's own start is random: the same space in every process
    _, singular, right = scipy.sparse.linalg.svds(matrix, k=count, v0=start)
    kept = singular > singular.max() * 1e-9
    return np.ascontiguousarray(right[kept].T) if kept.any() else None


class SubjectSpaces:
    """The space of the latest sample asked for, fitted once for it and shared by threads; kept in
    `folder` (when given) for the next process, so that each command run does not fit it again."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._latest: tuple[tuple[SampleKey, ...], SubjectSpace | None] | None = None

    def of(self, sample: tuple[SampleKey, ...],
           words: Callable[[], Sequence[Mapping[str, int]]]) -> SubjectSpace | None:
        """The space of the articles `sample` (in sampling order), fitted on `words()` (theirs, in that
        order) unless it was the last one asked for or is saved; an article whose text changed makes
        another sample."""
        if len(sample) < MIN_SAMPLE:
            return None
        with self._lock:
            if self._latest is None or self._latest[0] != sample:
                path = self._folder / f"subjects-{sample_digest(sample)}.npz" if self._folder else None
                space = _load(path) if path else None
                if space is None:
                    space = fitted(words())
                    if path and space:
                        _save(space, path)
                self._latest = (sample, space)
            return self._latest[1]


def sample_digest(sample: tuple[SampleKey, ...]) -> str:
    """A short name for a sample of articles: the same for the same keys, in the same order."""
    return hashlib.sha256(repr(sample).encode("utf-8")).hexdigest()[:24]


def _load(path: Path) -> SubjectSpace | None:
    """The space saved at `path`; None when there is none, or it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            words, idf, axes = saved["words"], saved["idf"], saved["axes"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    rows = {word: row for row, word in enumerate(str(words).split("\n"))}
    return SubjectSpace(rows, idf, axes) if len(rows) == len(idf) == len(axes) else None


def _save(space: SubjectSpace, path: Path) -> None:
    """Keep `space` at `path` in place of older ones, if the folder can be written (else the next
    process fits it again)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as file:
            np.savez(file, words=np.array("\n".join(space.rows)), idf=space.idf, axes=space.axes)
        os.replace(temporary, path)
        for older in path.parent.glob("subjects-*.npz"):
            if older != path:
                older.unlink(missing_ok=True)
    except OSError:
        temporary.unlink(missing_ok=True)
