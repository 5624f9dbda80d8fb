"""Mentions found by the model, cached by a hash of the text and the model's version.

Reindexing unchanged text, re-applying an edited alias file, or rebuilding the
index never runs the model again for text it has seen. One SQLite file beside
the index generations, so a rebuild keeps it.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .model import Mention


class MentionCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS mentions (key TEXT PRIMARY KEY, mentions TEXT NOT NULL)")

    def get_many(self, keys: list[str]) -> dict[str, list[Mention]]:
        found = {}
        for offset in range(0, len(keys), 500):
            chunk = keys[offset:offset + 500]
            rows = self._db.execute(f"SELECT key, mentions FROM mentions WHERE key IN ({','.join('?' * len(chunk))})",
                                    chunk)
            for key, encoded in rows:
                found[key] = [Mention(*values) for values in json.loads(encoded)]
        return found

    def put_many(self, entries: dict[str, list[Mention]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO mentions VALUES (?, ?)",
                ((key, json.dumps([[m.start, m.end, m.label] for m in mentions])) for key, mentions in entries.items()))

    def close(self) -> None:
        self._db.close()
