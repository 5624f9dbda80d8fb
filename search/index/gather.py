"""A search over shards, gathered: what each shard answers, and how the answers make one result.

Each shard scores with the summed statistics (`statistics`), so a score means the
same in every shard, and answers with its share of the ranking (`ShardPart`): its
first `wanted` matches in the asked order, and the full counts of its facets.
The first `wanted` of the whole index are among the shards' firsts; the facets'
counts are sums, ranked as one index ranks them (`facets.ranked_values`).

The nearness bonus (`ranking.with_nearness`) goes to the NEARNESS_WINDOW best matches
of the whole index, which no shard knows alone. So a shard sends its own window (each
with its score before and after the bonus) besides its first `wanted` of the rest; the
global window is the best NEARNESS_WINDOW of the windows sent, and a match outside it
keeps its score before the bonus.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from whoosh import query as wq

from ..model import FacetValue
from .copy_groups import Story
from .facets import ranked_values
from .statistics import GlobalStatistics

FACET_NAMES = ("source", "people", "orgs", "places")


@dataclass(frozen=True)
class Candidate:
    """One match a shard puts forward: its id and day (the order of equal scores), its scores
    before and after the nearness bonus (both None in an order by date), and its story (group of
    copies; `spread`: with copies in other shards too)."""

    id: bytes
    day: int
    score: float | None = None
    with_bonus: float | None = None
    windowed: bool = False  # in the shard's own nearness window
    story: Story | None = None
    spread: bool = False


@dataclass(frozen=True)
class ShardPart:
    total: int
    candidates: list[Candidate]
    counts: dict[str, dict[str, int]]  # facet -> value -> matches, every value with one (and those asked to show)
    months: dict[str, int]
    groups: int = 0  # the groups of copies of its matches that have no article in another shard
    spread_groups: list[Story] = field(default_factory=list)  # and those that have


@dataclass(frozen=True)
class Rescoring:
    """Feedback (`ranking.Feedback`) over shards: what each shard needs to score its matches as one index
    would. The whole index's nearness `window` (ids), the feedback words' query (`expansion`) and the
    summed `statistics` of its words; the highest score of the matches (nearness included), and of the
    expansion in them (0 until the shards have been asked)."""

    window: list[bytes]
    expansion: wq.Query
    statistics: GlobalStatistics
    highest: float
    highest_extra: float = 0.0


def merged_order(parts: list[ShardPart], sort: str, window: int, collapse: bool = False) -> list[Candidate]:
    """Every candidate of the parts (the first of each story, with `collapse`), in the whole index's
    order, each with its final score. A shard's first stories hold the first member it has of each
    of the whole index's first stories, so the first of each story among them is the whole index's."""
    candidates = [candidate for part in parts for candidate in part.candidates]
    if sort != "relevance":
        newest = sort == "newest"
        order = sorted(candidates, key=lambda c: (c.day == 0, -c.day if newest else c.day, c.id))
    else:
        in_window = set(window_of(parts, window))
        order = sorted((replace(c, score=c.with_bonus if c.id in in_window else c.score) for c in candidates),
                       key=by_relevance)
    return first_of_stories(order) if collapse else order


def first_of_stories(order: list[Candidate]) -> list[Candidate]:
    """The first candidate of each story, in order."""
    seen: set[Story | None] = set()
    firsts = []
    for candidate in order:
        if candidate.story not in seen:
            seen.add(candidate.story)
            firsts.append(candidate)
    return firsts


def group_count(parts: list[ShardPart]) -> int:
    """How many groups of copies the matches of all the parts fall into."""
    return sum(part.groups for part in parts) + len({story for part in parts for story in part.spread_groups})


def window_of(parts: list[ShardPart], window: int) -> list[bytes]:
    """The ids of the whole index's nearness window: the `window` best of the shards' windows."""
    windowed = sorted((c for part in parts for c in part.candidates if c.windowed), key=by_relevance)[:window]
    return sorted(c.id for c in windowed)


def by_relevance(candidate: Candidate) -> tuple:
    """The order of `ranking.best`: higher scores first, equal ones newest first, then by id."""
    return -candidate.score, -candidate.day, candidate.id


def merged_facets(parts: list[ShardPart], limit: int,
                  always: dict[str, tuple[str, ...]]) -> dict[str, list[FacetValue]]:
    """The facets of the whole index: counts summed over the parts, ranked as one index ranks them."""
    facets = {}
    for name in FACET_NAMES:
        summed: dict[str, int] = {}
        for part in parts:
            for value, count in part.counts.get(name, {}).items():
                summed[value] = summed.get(value, 0) + count
        names = sorted(summed)
        counts = np.array([summed[value] for value in names], dtype=np.int64)
        facets[name] = ranked_values(names, counts, limit, always.get(name, ()))
    months: dict[str, int] = {}
    for part in parts:
        for month, count in part.months.items():
            months[month] = months.get(month, 0) + count
    facets["month"] = [FacetValue(month, months[month]) for month in sorted(months)]
    return facets
