"""API tokens: who may add and remove articles over HTTP.

A token is shown once, when it is made; the index folder keeps only its SHA-256
(`tokens.json`), next to a name to revoke it by. Tokens are 256 random bits, so a
plain hash is as good as a slow one: there is nothing to guess. A presented token
is hashed and compared with every stored hash in constant time.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import NewsSearchError
from .files import write_atomically

TOKENS_NAME = "tokens.json"
TOKEN_PREFIX = "nst_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class TokensUnreadableError(NewsSearchError):
    """The index's tokens file is damaged: no token can be checked until it is made again."""


@dataclass(frozen=True)
class TokenRecord:
    """A stored token: its name, when it was made, and the hash of its secret."""

    name: str
    created: str
    sha256: str

    def listed(self) -> dict:
        """What `token list` shows: never the hash."""
        return {"name": self.name, "created": self.created}


class TokenStore:
    """The tokens of the index at `root`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.path = self.root / TOKENS_NAME
        self._cached: tuple[tuple[int, int, int], list[TokenRecord]] | None = None

    def create(self, name: str) -> str:
        """A new token named `name`; the only time its secret is seen."""
        if not _NAME.match(name):
            raise NewsSearchError(f"token name {name[:80]!r}: use 1 to 64 letters, digits, '.', '_' or '-', "
                                  "starting with a letter or digit")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._editing() as records:
            if any(record.name == name for record in records):
                raise NewsSearchError(f"there is already a token named {name!r}; revoke it first, or choose "
                                      "another name")
            created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            records.append(TokenRecord(name, created, _digest(secret)))
        return secret

    def revoke(self, name: str) -> None:
        """Remove the token `name`: requests carrying it are refused from now on."""
        with self._editing() as records:
            kept = [record for record in records if record.name != name]
            if len(kept) == len(records):
                raise NewsSearchError(f"there is no token named {name[:80]!r} (see `news-search token list`)")
            records[:] = kept

    def records(self) -> list[TokenRecord]:
        """The stored tokens, read again whenever the file changed (so a revocation counts at once)."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return []
        except OSError as error:
            raise NewsSearchError(f"cannot read the tokens at {self.path}: {error.strerror}") from None
        identity = (status.st_ino, status.st_size, status.st_mtime_ns)
        if self._cached is None or self._cached[0] != identity:
            self._cached = (identity, self._load())
        return list(self._cached[1])

    def name_of(self, secret: str) -> str | None:
        """The name of the valid token `secret`, else None. Every stored hash is compared, each in constant
        time, so the answer's timing tells nothing of which hash came close."""
        presented = _digest(secret)
        found = None
        for record in self.records():
            if hmac.compare_digest(presented, record.sha256):
                found = record.name
        return found

    def _load(self) -> list[TokenRecord]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            records = [TokenRecord(**entry) for entry in data["tokens"]]
            for record in records:
                if not (isinstance(record.name, str) and isinstance(record.created, str)
                        and isinstance(record.sha256, str) and _SHA256.match(record.sha256)):
                    raise ValueError(f"a token entry is not a name, a date and a SHA-256: {record!r:.100}")
            return records
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise TokensUnreadableError(f"the tokens file {self.path} cannot be read ({error!s:.200}); "
                                        "remove it and create the tokens again") from None

    @contextmanager
    def _editing(self) -> Iterator[list[TokenRecord]]:
        """The records, to change in place; saved when the block ends, one editor at a time."""
        if not self.root.is_dir():
            raise NewsSearchError(f"there is no index at {self.root} yet; build it first, then create tokens")
        with open(self.root / "tokens.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            records = self._load()
            yield records
            data = {"tokens": [asdict(record) for record in records]}
            write_atomically(self.path, (json.dumps(data, indent=2) + "\n").encode())
            self.path.chmod(0o600)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
