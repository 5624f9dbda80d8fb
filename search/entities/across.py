"""Names across the whole index: what one article cannot decide alone.

An article gives each name one kind and one spelling; the index as a whole then
settles, from the articles that name it:

- one kind per name: the kind most of its articles give it (`Pittsburgh` is a club
  where the index mostly writes about the club);
- one spelling per name: the one most articles use;
- a one-word person's name that is the first or last word of exactly one longer
  person's name in the index, and named beside it at least once, joins it
  (`Qaboos` → `Qaboos bin Said`, `Xi` → `Xi Jinping`);
- a company's name with a legal suffix (`Exxon Corp`, `Exxon U.S.A.`) joins the bare
  name when the index has it as an organisation.

Names the alias file lists keep the kind and spelling it gives them. The result is
a table applied to every article's own entities; it is recomputed on every index
run from the entities each article was given, so it never needs the model.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .aliases import KINDS, Aliases
from .normalise import merge_surnames

_COMPANY_SUFFIX = re.compile(r",?\s+(?:corp|corporation|inc|incorporated|co|ltd|limited|plc|llc|ag|sa|nv|"
                             r"u\.s\.a|usa)\.?$", re.IGNORECASE)

Named = tuple[str, str]  # (name, kind)
EntityLists = Mapping[str, Sequence[str]]  # kind → names


@dataclass(frozen=True)
class IndexNames:
    """For each (kind, case-folded name) an article gives, the (name, kind) the index shows instead."""

    table: dict[tuple[str, str], Named]

    def apply(self, entities: EntityLists) -> dict[str, list[str]]:
        """An article's own entities as the index shows them: each value once, in the article's order."""
        values: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
        for kind in KINDS:
            for name in entities.get(kind, ()):
                shown, shown_kind = self.table.get((kind, name.casefold()), (name, kind))
                values[shown_kind].setdefault(shown.casefold(), shown)
        return {kind: list(values[kind].values()) for kind in KINDS}

    def spellings(self, aliases: Aliases) -> dict[str, dict[str, str]]:
        """Per kind, each case-folded name that stands for another (from the alias file or this
        table), and the name it stands for: a search for either must find both."""
        found: dict[str, dict[str, str]] = {}
        for (kind, key), name in aliases.canonical.items():
            if key != name.casefold():
                found.setdefault(kind, {})[key] = name
        for (kind, key), (name, shown_kind) in self.table.items():
            if shown_kind == kind and key != name.casefold():
                found.setdefault(kind, {})[key] = name
        return found


@dataclass(frozen=True)
class NameVotes:
    """What the table is made from, counted over articles: how many give each name each kind and each
    spelling, and which one-word names an article names beside a longer one. Counts add up, so the
    votes of the shards of a sharded index, summed, are those of one index holding their articles."""

    kinds: Counter = field(default_factory=Counter)  # (folded name, kind): articles
    spellings: Counter = field(default_factory=Counter)  # (folded name, spelling): articles
    together: frozenset[tuple[str, str]] = frozenset()  # (one-word name, longer name) named by one article

    @classmethod
    def of(cls, articles: Iterable[EntityLists]) -> NameVotes:
        """The votes of articles with these entities of their own ({kind: names})."""
        kinds: Counter = Counter()
        spellings: Counter = Counter()
        together: set[tuple[str, str]] = set()
        for entities in articles:
            keys = set()
            for kind in KINDS:
                for name in entities.get(kind, ()):
                    key = name.casefold()
                    keys.add(key)
                    kinds[key, kind] += 1
                    spellings[key, name] += 1
            together.update((word, key) for key in keys if " " in key
                            for word in {key.split()[0], key.split()[-1]} if word in keys)
        return cls(kinds, spellings, frozenset(together))

    def __add__(self, other: NameVotes) -> NameVotes:
        return NameVotes(self.kinds + other.kinds, self.spellings + other.spellings, self.together | other.together)

    def names(self, aliases: Aliases) -> IndexNames:
        """The table these votes settle."""
        articles_with: dict[str, Counter] = {}
        for (key, kind), count in self.kinds.items():
            articles_with.setdefault(key, Counter())[kind] = count
        spellings: dict[str, Counter] = {}
        for (key, name), count in self.spellings.items():
            spellings.setdefault(key, Counter())[name] = count

        kind_of = {key: _settled_kind(key, votes, aliases) for key, votes in articles_with.items()}
        # The spelling most articles use; on a tie the first in code-point order, so that every build agrees.
        spelling_of = {key: min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
                       for key, counts in spellings.items()}
        joined = _short_forms(kind_of, self.together) | _company_suffixes(kind_of)

        table: dict[tuple[str, str], Named] = {}
        for key, votes in articles_with.items():
            target = joined.get(key, key)
            shown = (spelling_of[target], kind_of[target])
            for kind in votes:
                if shown != (spelling_of[key], kind) or len(spellings[key]) > 1:
                    table[kind, key] = shown
        return IndexNames(table)


def names_across(articles: Iterable[EntityLists], aliases: Aliases) -> IndexNames:
    """The table for an index whose articles have these entities of their own ({kind: names})."""
    return NameVotes.of(articles).names(aliases)


def _settled_kind(key: str, votes: Counter, aliases: Aliases) -> str:
    """The alias file's kind for the name, else the kind most articles give it (ties: people, orgs, places)."""
    listed = aliases.kind_of(key)
    if listed:
        return listed
    most = max(votes.values())
    return next(kind for kind in KINDS if votes[kind] == most)


def _short_forms(kind_of: dict[str, str], together: frozenset[tuple[str, str]]) -> dict[str, str]:
    """One-word people's names that begin or end exactly one longer person's name in the index,
    and are named beside it in an article at least once."""
    people = [key for key, kind in kind_of.items() if kind == "people"]
    return {short: full for short, full in merge_surnames(people).items() if (short, full) in together}


def _company_suffixes(kind_of: dict[str, str]) -> dict[str, str]:
    """Organisations written with a legal suffix, joined to their bare name when the index has it."""
    joined = {}
    for key, kind in kind_of.items():
        if kind != "orgs":
            continue
        bare = _COMPANY_SUFFIX.sub("", key)
        if bare != key and kind_of.get(bare) == "orgs" and not _COMPANY_SUFFIX.match(f" {bare}"):
            joined[key] = bare
    return joined
