"""Turning the model's mentions into facet values: small rules, each tested on its own.

The order matters and is fixed in `normalise_mentions`: repair names cut at a
hyphen, clean the surface (apostrophes, possessives, a leading "the"), drop junk,
expand acronyms the article defines, merge lone surnames into full names, then
settle each name on one kind and one spelling.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .model import Mention

KINDS = {"PERSON": "people", "ORG": "orgs", "GPE": "places", "LOC": "places", "FAC": "places"}
KEEP_THE = {"the hague", "the gambia", "the bahamas", "the netherlands"}
MAX_NAME_CHARS = 80
MAX_NAME_WORDS = 8

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})
_POSSESSIVE = re.compile(r"(?:'s|')$", re.IGNORECASE)
_EDGE_JUNK = re.compile(r"^[\s\"'(\[{<,.;:\-–—]+|[\s\"')\]}>,;:\-–—]+$")
_HYPHEN_TAIL = re.compile(r"[-‐][a-z]+\b")
# Words are capped at 40 characters, so that no start is tried against a whole giant "word".
_ACRONYM_DEFINITION = re.compile(r"([A-Z][\w.&'-]{0,40}(?:\s+(?:[A-Z][\w.&'-]{0,40}|of|for|and|the|on|de|du|des|la|le|&))"
                                 r"{1,9})\s+\(([A-Z][A-Za-z0-9&.]{1,9})\)")
_SEPARATOR = re.compile(r"\s+[-–—]+\s+|\s*[()\[\]]\s*|\s*:\s+|\s+(?:v|vs\.?|or)(?:\s+|$)")
_LEADING_ROLE = re.compile(r"^(?:[a-z][a-z]{3,}\s+)+(?=[A-Z])")
_LOWERCASE_WORD = re.compile(r"\b[a-z][a-z-]*\b")
_EX_PREFIX = re.compile(r"^(?:ex|former)-", re.IGNORECASE)
_TRAILING_NUMBERS = re.compile(r"(?:\s+\S*\d\S*)+$")
_LOWERCASE_TAIL = re.compile(r"(?:\s+[a-z][a-z]+)+$")
_MINOR_WORDS = {"of", "for", "and", "the", "on", "de", "du", "des", "la", "le", "&"}
# Words that join two names rather than belong to one: `Thibaut Courtois to Real Madrid`,
# `Kelly and Baroni` ("and" for people and places only: `Procter and Gamble` is one company).
# Other prepositions and verbs of speech were tried and lost on the development halves.
_JOINED = {"orgs": re.compile(r"\s+to\s+"), "people": re.compile(r"\s+(?:to|and)\s+"),
           "places": re.compile(r"\s+(?:to|and)\s+")}
_LATIN_LETTER = re.compile(r"[A-Za-z]")
# Time zones and units are capitalised abbreviations, not names.
TIME_ZONES_AND_UNITS = frozenset({
    "UTC", "GMT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST", "HST", "BST", "CET", "CEST",
    "EET", "EEST", "WET", "IST", "JST", "KST", "AEST", "AEDT", "ACST", "AWST", "NZST", "NZDT", "SGT", "HKT",
    "km", "mph", "kph", "kg", "lb", "lbs", "mm", "cm", "ft", "GW", "MW", "kW", "kWh", "GB", "TB", "MB"})
# A name whose last word is one of these names an event, an award, a law or a disease, not a
# person, organisation or place (`Berwick Prize`, `World Rapid Championship`, `Patriot Act`).
NOT_ENTITY_HEADS = frozenset({
    "prize", "prizes", "award", "awards", "medal", "trophy", "championship", "championships", "olympiad",
    "olympiads", "olympics", "cup", "festival", "tournament", "expo", "war", "act", "election", "elections",
    "virus", "disease", "syndrome", "pandemic", "day", "week", "marathon", "open"})
# Diseases and variants written as a name and a number: COVID-19, SARS-CoV-2, H1N1.
_CODE_NAME = re.compile(r"^[A-Za-z]+(?:-[A-Za-z]+)*-\d+$|^[A-Z]\d+[A-Z]\d+$")
# Speaker labels of transcripts: a name opening a line, followed by a colon (`WN:`) or in
# brackets (`((WN))`, `[Smith]`).
_LABEL_BEFORE = re.compile(r"(?:^|\n)[ \t]*([(\[]*)$")
_LABEL_AFTER = re.compile(r"[)\]]*\s*:|[)\]]")


@dataclass(frozen=True)
class Entities:
    people: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def repair_hyphen_cut(text: str, start: int, end: int) -> int:
    """The end of a person's name the model cut at a hyphen (`Yoon Suk|-yeol`); lowercase tails
    only, so `Russia-Ukraine` stays two names. (Not for places: `New York|-based`.)"""
    tail = _HYPHEN_TAIL.match(text, end)
    return tail.end() if tail else end


def clean_surface(name: str) -> str:
    """Typographic apostrophes and quotes made plain, spaces folded, stray edge punctuation removed."""
    name = " ".join(name.translate(_QUOTES).split())
    return _EDGE_JUNK.sub("", name)


def strip_possessive(name: str) -> str:
    """`South Korea's` → `South Korea`."""
    return _POSSESSIVE.sub("", name).rstrip()


def strip_leading_the(name: str) -> str:
    """`the United States` → `United States`, but `The Hague` keeps its article."""
    if name.lower().startswith("the ") and name.lower() not in KEEP_THE:
        return name[4:].lstrip()
    return name


def split_names(name: str, kind: str) -> list[str]:
    """Names the model ran together: across a spaced dash (`GERMANY - Bunds`), a parenthesis
    (`Frankie Fredericks (Namibia`), a colon (`Apple Arcade: So`), "v", "or" and "to" (`Thibaut
    Courtois to Real Madrid`), "and" between people or places, and for places a comma
    (`Mobile, Alabama` → `Mobile`, `Alabama`)."""
    parts = [piece for part in _SEPARATOR.split(name) for piece in _JOINED[kind].split(part)]
    if kind == "places":
        parts = [piece for part in parts for piece in part.split(",")]
    return [part.strip() for part in parts if part.strip()]


def trim_name(name: str) -> str:
    """Words around a name that are not part of it: `ex-England`, `fullback Andre Joubert`,
    `Liechtenstein 5-0`, and lower-case words after it (`Jiangsu province`, `Interfax news agency`)."""
    name = _LEADING_ROLE.sub("", _EX_PREFIX.sub("", name))
    name = _TRAILING_NUMBERS.sub("", name)
    return _LOWERCASE_TAIL.sub("", name)


def strip_leading_role(name: str, lowercase: set[str]) -> str:
    """A person's name without leading words the text also writes in lower case, which are titles
    and roles (`President Ronald Reagan`, `Fullback Andre Joubert`); two words of name must remain,
    so `Will Smith` keeps his first name."""
    words = name.split()
    while len(words) > 2 and words[0].lower() in lowercase:
        words.pop(0)
    return " ".join(words)


def is_junk(name: str) -> bool:
    """Not a name: too short or long, no capital letter, mostly digits and punctuation, not in the
    Latin alphabet (an English model reading other scripts), a time zone or unit, a disease code
    (`COVID-19`), or an event, award or law (`Nobel Prize`, `World Cup`)."""
    letters = sum(ch.isalpha() for ch in name)
    words = name.split()
    return (letters < 2 or len(name) > MAX_NAME_CHARS or len(words) > MAX_NAME_WORDS
            or not any(ch.isupper() for ch in name) or letters < len(name.replace(" ", "")) / 2
            or not _LATIN_LETTER.search(name)
            or name in TIME_ZONES_AND_UNITS or bool(_CODE_NAME.match(name))
            or (len(words) > 1 and words[-1].lower() in NOT_ENTITY_HEADS))


def is_speaker_label(text: str, start: int, end: int) -> bool:
    """A mention opening a line and followed by a colon, or in brackets: a transcript's speaker
    label (`WN:`, `((WN))`)."""
    opening = _LABEL_BEFORE.search(text, max(0, start - 20), start)
    if not opening:
        return False
    after = _LABEL_AFTER.match(text, end)
    return bool(after) and (after.group(0).endswith(":") or bool(opening.group(1)))


def acronym_definitions(text: str) -> dict[str, str]:
    """Acronyms the text defines, `National Intelligence Service (NIS)` → {"NIS": "National Intelligence Service"}.

    The acronym's letters must be the initials of the long name's main words, read
    from the end of the words before the parenthesis.
    """
    found = {}
    for match in _ACRONYM_DEFINITION.finditer(text.translate(_QUOTES)):
        words, acronym = match.group(1).split(), match.group(2)
        letters = [ch for ch in acronym.upper() if ch.isalpha()]
        long_name = _initials_match(words, letters)
        if long_name:
            found[acronym] = strip_leading_the(long_name)
    return found


def _initials_match(words: list[str], letters: list[str]) -> str | None:
    """The shortest tail of `words` whose main words' initials spell `letters`."""
    for first in range(len(words) - 1, -1, -1):
        tail = words[first:]
        initials = [word[0].upper() for word in tail if word.lower() not in _MINOR_WORDS]
        if tail[0].lower() in _MINOR_WORDS:
            continue
        if initials == letters:
            return " ".join(tail)
        if len(initials) > len(letters):
            return None
    return None


def merge_surnames(people: list[str]) -> dict[str, str]:
    """One-word names that are the last or the first word of exactly one full name: `Zelensky` →
    `Volodymyr Zelensky`, and for names written family name first, `Xi` → `Xi Jinping`."""
    owners: dict[str, set[str]] = {}
    for name in people:
        words = name.split()
        if len(words) > 1:
            for word in {words[0], words[-1]}:
                owners.setdefault(word.casefold(), set()).add(name)
    merged = {}
    for name in set(people):
        if len(name.split()) == 1:
            found = owners.get(name.casefold(), set())
            if len(found) == 1:
                merged[name] = next(iter(found))
    return merged


def people_by_surname(named: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A full name the model took for an organisation or place is a person when the article
    also names that person by surname alone (`Malivai Washington` … `Washington said`)."""
    surnames = {name.casefold() for name, kind in named if kind == "people" and " " not in name}
    return [(name, "people") if kind != "people" and " " in name and name.split()[-1].casefold() in surnames
            else (name, kind) for name, kind in named]


def common_words(text: str) -> set[str]:
    """Words the text writes in lower case: a capitalised one-word "name" among them is just a word
    at the start of a sentence or in a headline (`Prices`, `State`)."""
    return set(_LOWERCASE_WORD.findall(text))


def normalise_mentions(text: str, mentions: list[Mention]) -> list[tuple[str, str]]:
    """(name, kind) for each usable mention, in text order; kinds are people, orgs and places."""
    definitions = acronym_definitions(text)
    lowercase = common_words(text)
    named: list[tuple[str, str]] = []
    for mention in mentions:
        kind = KINDS.get(mention.label)
        if kind is None or is_speaker_label(text, mention.start, mention.end):
            continue
        end = repair_hyphen_cut(text, mention.start, mention.end) if kind == "people" else mention.end
        for part in split_names(clean_surface(text[mention.start:end]), kind):
            name = strip_leading_the(strip_possessive(trim_name(part)))
            if kind == "people":
                name = strip_leading_role(name, lowercase)
            if not is_junk(name) and name.lower() not in lowercase:
                named.append((definitions.get(name, name), kind))

    named = people_by_surname(named)
    # A lone surname is the person even where the model took it for an organisation or place.
    full_names = [name for name, kind in named if kind == "people" and " " in name]
    surnames = merge_surnames(full_names + [name for name, _ in named if " " not in name])
    return [(surnames[name], "people") if name in surnames else (name, kind) for name, kind in named]


def settle(named: list[tuple[str, str]]) -> Entities:
    """One kind and one spelling per name (compared case-folded): the most frequent, then the first seen."""
    kinds: dict[str, Counter] = {}
    spellings: dict[str, Counter] = {}
    for name, kind in named:
        key = name.casefold()
        kinds.setdefault(key, Counter())[kind] += 1
        spellings.setdefault(key, Counter())[name] += 1
    values: dict[str, list[str]] = {"people": [], "orgs": [], "places": []}
    for key, votes in kinds.items():  # dicts keep first-seen order; most_common keeps it for ties
        values[votes.most_common(1)[0][0]].append(spellings[key].most_common(1)[0][0])
    return Entities(tuple(values["people"]), tuple(values["orgs"]), tuple(values["places"]))
