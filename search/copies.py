"""Copies of one story: MinHash signatures of article bodies, and the groups they fall into.

Wire stories are re-published by many outlets, each with its own header, footer and
headline, often trimmed and lightly edited. Two bodies are copies when enough of their
three-word runs (shingles) are shared:
- `signature` reduces a body to 128 MinHash values (datasketch's tested permutations);
  the share of equal values estimates the Jaccard similarity of the two shingle sets.
- `find_groups` finds candidate pairs by locality-sensitive hashing (64 bands of two
  values: pairs from about 0.3 similarity up are found), checks each, and links the
  copies, most similar first, into groups. A chain of versions, each a copy of the one
  before, is one group even when its ends share little: a running story. Groups are a
  function of the set of articles, so a new article joins the group of its earlier
  copies, a removed or changed one leaves it, and any order of indexing gives the same
  groups.
Articles from one outlet (source or distributor) share its boilerplate, so they must
agree more to count as copies. Two articles that one source published as different
stories, though they share enough to pass as copies between two outlets (interviews
over a common introduction), are not put in one group through other outlets' copies.
Copies also keep their figures, where template stories (a daily market report, a bond
issue announced in the house style) change them: two articles that each hold two numbers
or more must share at least half of the fewer.
"""
from __future__ import annotations

import functools
import re
import zlib
from dataclasses import dataclass

import numpy as np

PERMUTATIONS = 128
SHINGLE_WORDS = 3
BANDS, BAND_ROWS = 64, 2
# Articles sharing a band value are compared with the EARLIEST_IN_BUCKET first of them only: enough
# to find a story's earlier copies, and a story copied thousands of times costs thousands of
# comparisons per band, not millions.
EARLIEST_IN_BUCKET = 8
PAIRS_AT_ONCE = 100_000  # candidate pairs compared per step (memory: this × PERMUTATIONS bytes)
# Copies: the estimated Jaccard similarity, and the share of the shorter body found in the other.
MIN_SIMILARITY = 0.25
MIN_SHARE = 0.5
MIN_SHARE_SAME_OUTLET = 0.8
MIN_SHARED_SHINGLES = 20  # about twenty words in sequence: short notices are grouped only when near-identical
NUMBER_SLOTS = 16  # the numbers kept per article: all of them, or the 16 of lowest hash (a sample)
MIN_SHARED_NUMBERS = 0.5

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)*")
_WORD_HASHES: dict[str, int] = {}


def shingles(text: str) -> np.ndarray:
    """The distinct 32-bit hashes of the body's runs of three words (lower-cased)."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return np.zeros(0, dtype=np.uint32)
    known = _WORD_HASHES
    found = [known.get(word) for word in words]
    if None in found:
        found = [_word_hash(word) for word in words]
    hashes = np.array(found, dtype=np.uint64)
    runs = len(words) - SHINGLE_WORDS + 1
    combined = np.zeros(runs, dtype=np.uint64)
    for offset in range(SHINGLE_WORDS):
        combined = combined * np.uint64(0x100000001B3) + hashes[offset:offset + runs]
    return np.unique(((combined >> np.uint64(32)) ^ combined).astype(np.uint32))


def _word_hash(word: str) -> int:
    found = _WORD_HASHES.get(word)
    if found is None:
        if len(_WORD_HASHES) > 1_000_000:
            _WORD_HASHES.clear()
        found = _WORD_HASHES[word] = zlib.crc32(word.encode("utf-8", "surrogatepass"))
    return found


def numbers(text: str) -> np.ndarray:
    """Hashes of the distinct numbers of a body (never 0), the NUMBER_SLOTS lowest, padded with 0."""
    found = sorted({zlib.crc32(number.encode()) | 1 for number in _NUMBER.findall(text)})[:NUMBER_SLOTS]
    slots = np.zeros(NUMBER_SLOTS, dtype=np.uint32)
    slots[:len(found)] = found
    return slots


@dataclass(frozen=True)
class Signature:
    values: np.ndarray  # PERMUTATIONS uint32
    shingles: int  # how many distinct shingles the body has (0: too short to compare)
    numbers: np.ndarray  # NUMBER_SLOTS uint32 (`numbers`)

    def to_bytes(self) -> bytes:
        return (self.shingles.to_bytes(4, "little") + self.values.astype("<u4").tobytes()
                + self.numbers.astype("<u4").tobytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature | None:
        """A signature written by `to_bytes`; None for anything else (a document written before signatures,
        or before their numbers were kept)."""
        if len(data) != 4 + 4 * (PERMUTATIONS + NUMBER_SLOTS):
            return None
        words = np.frombuffer(data, dtype="<u4", offset=4).astype(np.uint32)
        return cls(words[:PERMUTATIONS], int.from_bytes(data[:4], "little"), words[PERMUTATIONS:])


EMPTY = Signature(np.full(PERMUTATIONS, np.iinfo(np.uint32).max, dtype=np.uint32), 0,
                  np.zeros(NUMBER_SLOTS, dtype=np.uint32))


@functools.cache
def _permutations():
    """datasketch's MinHash class and its permutations. Imported when first needed: importing datasketch
    imports scipy (half a second), which searches never need."""
    from datasketch import MinHash

    return MinHash, MinHash(num_perm=PERMUTATIONS, seed=1).permutations


def signature(body: str) -> Signature:
    found = shingles(body)
    if not len(found):
        return EMPTY
    minhash_class, permutations = _permutations()
    minhash = minhash_class(num_perm=PERMUTATIONS, seed=1, permutations=permutations, scheme="affine32",
                            hashfunc=int)
    minhash.update_batch(found.tolist())
    return Signature(minhash.hashvalues.astype(np.uint32), len(found), numbers(body))


def find_groups(values: np.ndarray, counts: np.ndarray, number_sets: np.ndarray, outlets: np.ndarray,
                order: np.ndarray) -> np.ndarray:
    """Each article's group: the position (in `order`) of the first article of its group.

    `values` holds the articles' signatures (n × PERMUTATIONS), `counts` their shingle counts
    (0: never a copy), `number_sets` their numbers (n × NUMBER_SLOTS), `outlets` their outlets
    (n × k: a number per kind of outlet, -1 for none; articles with the same outlet of a kind must
    agree more), `order` the articles from earliest to latest.
    """
    count = len(values)
    if count < 2:
        return np.arange(count)
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count)
    earlier, later = _candidate_pairs(values, counts, rank)
    if not len(earlier):
        return rank.copy()
    similarity = np.concatenate([(values[earlier[start:start + PAIRS_AT_ONCE]]
                                  == values[later[start:start + PAIRS_AT_ONCE]]).mean(axis=1)
                                 for start in range(0, len(earlier), PAIRS_AT_ONCE)])
    small, large = np.minimum(counts[earlier], counts[later]), np.maximum(counts[earlier], counts[later])
    shared = similarity * (small + large) / (1 + similarity)
    share = shared / np.maximum(small, 1)
    same_outlet = ((outlets[earlier] == outlets[later]) & (outlets[earlier] >= 0)).any(axis=1)
    alike = (similarity >= MIN_SIMILARITY) & (shared >= MIN_SHARED_SHINGLES) & (share >= MIN_SHARE) \
        & _same_figures(number_sets, earlier, later)  # copies, if they came from two outlets
    copies = alike & (~same_outlet | (share >= MIN_SHARE_SAME_OUTLET))
    same_source = (outlets[earlier, 0] == outlets[later, 0]) & (outlets[earlier, 0] >= 0)
    apart = alike & ~copies & same_source  # a distributor runs others' stories: only their source keeps them apart
    return _linked(rank, earlier[copies], later[copies], similarity[copies], same_outlet[copies],
                   earlier[apart], later[apart])


def _linked(rank: np.ndarray, earlier: np.ndarray, later: np.ndarray, similarity: np.ndarray,
            same_outlet: np.ndarray, apart_a: np.ndarray, apart_b: np.ndarray) -> np.ndarray:
    """Each article's group (the least `rank` in it) when the pairs of copies are linked, most similar first.

    A link between two outlets is refused when it would put in one group two articles that one source
    published as different stories (`apart_a[i]`, `apart_b[i]`: they would pass as copies between two
    outlets, not within one): a third outlet's copy that resembles both does not make them one story.
    Links within one outlet are always made: that outlet's own versions of a running story. Sources are
    kept apart only where the pair was compared (see EARLIEST_IN_BUCKET): of more than eight of one
    source's stories that share a band, some pairs are never compared, and may be joined.
    """
    parent = list(range(len(rank)))

    def root(article: int) -> int:
        while parent[article] != article:
            parent[article] = parent[parent[article]]
            article = parent[article]
        return article

    apart_from: dict[int, set[int]] = {}  # a group (its root) -> the groups it is kept apart from (their roots)
    for first, second in zip(apart_a.tolist(), apart_b.tolist()):
        apart_from.setdefault(first, set()).add(second)
        apart_from.setdefault(second, set()).add(first)
    for pick in np.lexsort((rank[earlier], rank[later], -similarity)).tolist():
        one, other = root(int(earlier[pick])), root(int(later[pick]))
        if one == other or (not same_outlet[pick] and other in apart_from.get(one, ())):
            continue
        if len(apart_from.get(one, ())) > len(apart_from.get(other, ())):
            one, other = other, one
        parent[one] = other  # one's group joins other's: every group kept apart from one is now from other
        moved = apart_from.pop(one, set()) - {other}
        kept = apart_from.setdefault(other, set())
        kept.discard(one)
        for group in moved:
            apart_from[group].discard(one)
            apart_from[group].add(other)
        kept |= moved
    roots = np.fromiter((root(article) for article in range(len(rank))), dtype=np.int64, count=len(rank))
    first_rank = np.full(len(rank), np.iinfo(np.int64).max)
    np.minimum.at(first_rank, roots, rank)
    return first_rank[roots]


def _same_figures(number_sets: np.ndarray, earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """For each pair, whether it shares at least MIN_SHARED_NUMBERS of the numbers of the one with fewer
    (true when either holds fewer than two)."""
    agree = []
    for start in range(0, len(earlier), PAIRS_AT_ONCE):
        first = number_sets[earlier[start:start + PAIRS_AT_ONCE]]
        second = number_sets[later[start:start + PAIRS_AT_ONCE]]
        common = ((first[:, :, None] == second[:, None, :]) & (first[:, :, None] != 0)).sum(axis=(1, 2))
        fewer = np.minimum(np.count_nonzero(first, axis=1), np.count_nonzero(second, axis=1))
        agree.append((fewer < 2) | (common >= MIN_SHARED_NUMBERS * fewer))
    return np.concatenate(agree) if agree else np.zeros(0, dtype=bool)


def _candidate_pairs(values: np.ndarray, counts: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of comparable articles (earlier, later) that agree on both values of some band.
    Articles with equal signatures are paired through the first of them only."""
    comparable = np.flatnonzero(counts > 0)
    if len(comparable) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    row_keys = _row_keys(values[comparable])
    order = np.lexsort((rank[comparable], row_keys))
    sorted_rows = row_keys[order]
    repeated = np.r_[False, sorted_rows[1:] == sorted_rows[:-1]]
    run_start = np.maximum.accumulate(np.where(~repeated, np.arange(len(order)), 0))
    same = [comparable[order[run_start[repeated]]], comparable[order[repeated]]]
    distinct = comparable[order[~repeated]]
    banded = values[distinct].reshape(len(distinct), BANDS, BAND_ROWS).astype(np.uint64)
    keys = banded[:, :, 0] << np.uint64(32) | banded[:, :, 1]
    found = [_pair_keys(*same, len(values))]
    for band in range(BANDS):
        pairs = _pairs_with_earliest(keys[:, band], rank[distinct])
        found.append(_pair_keys(distinct[pairs[:, 0]], distinct[pairs[:, 1]], len(values)))
    found = np.unique(np.concatenate(found))  # each pair once
    a, b = found // len(values), found % len(values)
    swap = rank[a] > rank[b]
    return np.where(swap, b, a), np.where(swap, a, b)


def _pair_keys(a: np.ndarray, b: np.ndarray, count: int) -> np.ndarray:
    """One number per unordered pair of article positions."""
    return np.minimum(a, b).astype(np.int64) * count + np.maximum(a, b)


def _row_keys(values: np.ndarray) -> np.ndarray:
    """A 64-bit key per signature, equal for equal signatures."""
    mix = np.random.default_rng(7).integers(1, 2**63, size=values.shape[1], dtype=np.uint64) | np.uint64(1)
    return (values.astype(np.uint64) * mix).sum(axis=1, dtype=np.uint64)


def _pairs_with_earliest(keys: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Positions (i, j) of equal keys, i among the EARLIEST_IN_BUCKET earliest (by `rank`) holding that key."""
    order = np.lexsort((rank, keys))
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(ordered)])
    pairs = [np.zeros((0, 2), dtype=np.int64)]
    for place in range(min(EARLIEST_IN_BUCKET, int(sizes.max(initial=1)) - 1)):
        shared = sizes > place + 1
        heads = starts[shared] + place
        after = sizes[shared] - place - 1  # members later than the head
        head_of_each = np.repeat(heads, after)
        step = np.arange(len(head_of_each)) - np.repeat(np.cumsum(after) - after, after) + 1
        pairs.append(np.stack([order[head_of_each], order[head_of_each + step]], axis=1))
    return np.concatenate(pairs)
