"""What an index run did, in files and articles, and the line it ends with."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .readers import ReadError

Action = Literal["add", "update", "remove"]
_DONE = {"add": "added", "update": "updated", "remove": "removed"}
_FILE_COUNTS = ("added", "updated", "removed", "unchanged", "failed")


@dataclass(frozen=True)
class Change:
    action: Action
    key: str
    shown: str


@dataclass
class IndexReport:
    """What an index run did (or, with dry_run, would do), in files.

    `errors` are problems (the run exits 3); `skipped` are files left out on purpose
    (links out of the folders given), reported but no failure. `failed_files` holds
    the keys of files that could not be indexed.
    """

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    articles: int = 0
    errors: list[ReadError] = field(default_factory=list)
    skipped: list[ReadError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    failed_files: set[str] = field(default_factory=set)
    dry_run: bool = False
    recovered: str | None = None  # what an earlier writer left unfinished, which this run completed
    rebuilt: str | None = None  # why this run built the index afresh though not asked to

    def count(self, action: Action) -> None:
        name = _DONE[action]
        setattr(self, name, getattr(self, name) + 1)

    @classmethod
    def combined(cls, reports: list[IndexReport]) -> IndexReport:
        """The report of runs over parts of one scan (shards): counts summed, each problem once."""
        combined = cls(dry_run=any(report.dry_run for report in reports))
        for report in reports:
            for name in (*_FILE_COUNTS, "articles"):
                setattr(combined, name, getattr(combined, name) + getattr(report, name))
            combined.changes += report.changes
            combined.failed_files |= report.failed_files
            combined.recovered = combined.recovered or report.recovered
            combined.rebuilt = combined.rebuilt or report.rebuilt
        combined.errors = list(dict.fromkeys(error for report in reports for error in report.errors))
        combined.skipped = list(dict.fromkeys(error for report in reports for error in report.skipped))
        return combined

    def to_dict(self) -> dict:
        data = {name: getattr(self, name) for name in (*_FILE_COUNTS, "articles")}
        data["errors"] = [error.to_dict() for error in self.errors]
        data["skipped"] = [error.to_dict() for error in self.skipped]
        if self.dry_run:
            data["dry_run"] = True
            data["changes"] = [{"action": change.action, "path": change.shown} for change in self.changes]
        return data

    def summary(self) -> str:
        """The one line an index run ends with."""
        skipped = f", {plural(len(self.skipped), 'link')} not followed" if self.skipped else ""
        if self.dry_run:
            return (f"Dry run: {self.added} to add, {self.updated} to update, {self.removed} to remove, "
                    f"{self.unchanged} unchanged{skipped}; nothing was written")
        counts = ", ".join(f"{getattr(self, name)} {name}" for name in _FILE_COUNTS)
        return (f"Files: {counts}{skipped}; {plural(self.articles, 'article')} indexed, "
                f"{plural(len(self.errors), 'problem')} reported")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
