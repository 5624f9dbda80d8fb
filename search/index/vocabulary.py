"""The words of the index as written (not stemmed), with how many articles hold each: what
did-you-mean (`spelling`) corrects from.

Kept in one file per commit, `vocabulary-<generation>.tsv`, beside the index. Each
commit adds the words of the articles it writes and subtracts those of the articles
it removes; when the file of the commit before is missing (an index from an older
version, or a crash between a commit and its file), the words of every article are
counted again.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from ..article import Article
from ..files import write_atomically

_WORD = re.compile(r"[^\W\d_]+")
_PREFIX, _SUFFIX = "vocabulary-", ".tsv"


def words_of(article: Article) -> set[str]:
    """The distinct words (letters only, lower case) of an article's title and body."""
    return set(_WORD.findall(f"{article.title}\n{article.body}".lower()))


def vocabulary_path(directory: Path, generation: int) -> Path:
    return directory / f"{_PREFIX}{generation}{_SUFFIX}"


def load_vocabulary(path: Path) -> Counter | None:
    """The counts saved at `path`; None when there is no such file or it cannot be read."""
    try:
        counts = Counter()
        for line in path.read_text(encoding="utf-8").splitlines():
            word, _, count = line.partition("\t")
            counts[word] = int(count)
        return counts
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def save_vocabulary(directory: Path, generation: int, counts: Counter) -> None:
    """Save the counts of one commit durably, and remove the files of earlier commits."""
    path = vocabulary_path(directory, generation)
    lines = "".join(f"{word}\t{count}\n" for word, count in sorted(counts.items()) if count > 0)
    write_atomically(path, lines.encode("utf-8"))
    for older in directory.glob(f"{_PREFIX}*{_SUFFIX}"):
        if older != path:
            older.unlink(missing_ok=True)


def updated_vocabulary(directory: Path, before: int | None, change: Counter, articles: Iterable[Article]) -> Counter:
    """The counts after a commit: those of commit `before` (None: an empty index) with `change` applied,
    or, when that commit has no file, the words of `articles` (every article after the commit) counted afresh."""
    counts = Counter() if before is None else load_vocabulary(vocabulary_path(directory, before))
    if counts is None:
        return counted_vocabulary(articles)
    counts.update(change)
    return counts


def counted_vocabulary(articles: Iterable[Article]) -> Counter:
    """How many of `articles` hold each word."""
    counts = Counter()
    for article in articles:
        counts.update(words_of(article))
    return counts
