"""The alias file: variants of a name mapped to one canonical name, across all articles.

A TOML file with a table per kind; each key is the canonical name, its value the
variants (compared case-insensitively):

    [people]
    "Volodymyr Zelensky" = ["Zelenskyy", "Zelenskiy", "Volodymyr Zelenskyy"]

    [places]
    "Kyiv" = ["Kiev"]
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..errors import NewsSearchError

KINDS = ("people", "orgs", "places")
DEFAULT_ALIASES = Path(__file__).with_name("default_aliases.toml")


@dataclass(frozen=True)
class Aliases:
    """Canonical names by (kind, case-folded variant), and a fingerprint of the file they came from."""

    canonical: dict[tuple[str, str], str]
    fingerprint: str

    def __post_init__(self) -> None:
        by_variant: dict[str, set[tuple[str, str]]] = {}
        for (kind, variant), name in self.canonical.items():
            by_variant.setdefault(variant, set()).add((name, kind))
        # A variant listed under one kind only also tells what the name is when the model disagrees.
        object.__setattr__(self, "_only_kind", {variant: entries.pop() for variant, entries in by_variant.items()
                                                if len(entries) == 1})

    @classmethod
    def load(cls, path: Path) -> Aliases:
        """Read an alias file; a clear error names the file and what is wrong in it."""
        try:
            data = path.read_bytes()
            tables = tomllib.loads(data.decode("utf-8"))
        except OSError as error:
            raise NewsSearchError(f"cannot read the alias file {path}: {error.strerror}") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise NewsSearchError(f"the alias file {path} is not valid TOML: {error}") from None
        canonical = {}
        for kind, table in tables.items():
            if kind not in KINDS or not isinstance(table, dict):
                raise NewsSearchError(f"the alias file {path}: [{kind}] is not one of {', '.join(KINDS)}")
            for name, variants in table.items():
                if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
                    raise NewsSearchError(f"the alias file {path}: [{kind}] {name!r} must list its variants as strings")
                for variant in (name, *variants):
                    canonical[(kind, variant.casefold())] = name
        return cls(canonical, hashlib.sha256(data).hexdigest()[:16])

    @classmethod
    def none(cls) -> Aliases:
        return cls({}, "none")

    def kind_of(self, name: str) -> str | None:
        """The kind the file lists `name` under, when it lists it under one kind only."""
        listed = self._only_kind.get(name.casefold())
        return listed[1] if listed else None

    def names_place_abbreviation(self, name: str) -> bool:
        """True when a word of `name` is a dotted abbreviation the file lists as a place (`U.S. Dlrs`)."""
        return any("." in word and ("places", word.casefold()) in self.canonical for word in name.split())

    def apply(self, named: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Each (name, kind) with the name replaced by its canonical form where the file has one.

        A name the file lists under another kind only (`Britain` tagged as an organisation)
        takes that kind too.
        """
        result = []
        for name, kind in named:
            key = name.casefold()
            if (kind, key) in self.canonical:
                result.append((self.canonical[kind, key], kind))
            else:
                result.append(self._only_kind.get(key, (name, kind)))
        return result
