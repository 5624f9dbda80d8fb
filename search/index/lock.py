"""The index's single-writer lock: an flock on a file that names its holder.

The kernel releases an flock when its process dies, so a crashed writer never
leaves a lock behind; the holder's details are only there to be shown. A clean
release empties them, so details found when taking the lock name a writer that
died (killed, or its machine went down): `abandoned_by` tells the caller.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path

from ..errors import IndexLockedError, NewsSearchError
from ..processes import lock_released, lock_taken


class WriteLock:
    """Held while one process writes the index. Waits up to `timeout` seconds for another holder."""

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = path
        self.timeout = timeout
        self._file = None
        self.abandoned_by: str | None = None  # a writer that died holding the lock, found on taking it

    def __enter__(self) -> WriteLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+")
        except OSError as error:
            raise NewsSearchError(f"cannot write to the index folder {self.path.parent}: {error.strerror}") from None
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    handle.close()
                    raise IndexLockedError(
                        f"the index at {self.path.parent} is being written by {holder}; "
                        "wait for it to finish, then run this again") from None
                time.sleep(0.1)
        lock_taken(handle.fileno())
        if self.path.stat().st_size:
            self.abandoned_by = self.holder()
        self._file = handle
        self._note_holder()
        return self

    def _note_holder(self) -> None:
        """Write who holds the lock, for others to show; only informative, so a full disk is no error
        (the run goes on, clears what failed runs left, and reports a write that really fails)."""
        descriptor = self._file.fileno()
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv),
                  "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(descriptor, 0)
        try:
            os.write(descriptor, json.dumps(holder).encode("utf-8", "backslashreplace"))
        except OSError:
            os.ftruncate(descriptor, 0)  # an empty file: "another process", and no dead writer to report

    def __exit__(self, *exc_info) -> None:
        if self._file is not None:
            lock_released(self._file.fileno())
            os.ftruncate(self._file.fileno(), 0)
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def holder(self) -> str:
        """Who holds the lock, as the holder recorded it."""
        try:
            info = json.loads(self.path.read_text(errors="replace") or "{}")
        except (OSError, ValueError):
            info = {}
        if not isinstance(info, dict) or not info:
            return "another process"
        return f"pid {info.get('pid')} on {info.get('host')} ({info.get('command')}, since {info.get('since')})"
