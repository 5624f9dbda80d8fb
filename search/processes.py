"""What every worker process (entity finding, parallel index writing) does first.

Workers are forked, so they inherit the descriptor of the index's write lock,
and an flock lasts while any copy of its descriptor is open: a worker left
behind by a writer killed with SIGKILL would keep the index locked. So a worker
lets go of that copy at once, and asks the kernel to end it with its parent.
"""
from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1
_held_locks: set[int] = set()  # descriptors of the write locks this process holds


def lock_taken(descriptor: int) -> None:
    _held_locks.add(descriptor)


def lock_released(descriptor: int) -> None:
    _held_locks.discard(descriptor)


def start_worker(parent: int) -> None:
    """Drop the inherited write locks and die with `parent` (the pid that started this worker)."""
    with open(os.devnull, "rb") as devnull:
        for descriptor in _held_locks:
            os.dup2(devnull.fileno(), descriptor)  # the number stays valid; the lock is no longer shared
    _held_locks.clear()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker ends when its queue closes instead
        pass
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)
