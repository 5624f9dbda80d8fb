"""Where the shards' work runs: threads of this process, or tasks on a Dask cluster.

A runner calls `function(shard_root, *args)` once per shard and returns the answers
in shard order. On a cluster (`distributed`), the calls are one task per worker (the
scheduler's cost is per task, about a millisecond: one task per shard per round would
not do for hundreds of shards), and the worker opens its shards itself: a shard's
folder must be readable at the same path on every worker (a shared folder), or, on
machines that each hold some shards, a worker started with `--resources
"shard-003=1"` gets the tasks of the shards it names. A worker lost mid-task has its
task run again on another that can; a call that gets no answer within its time
limit fails with a message naming the shards that did not answer.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from .errors import NewsSearchError

CLUSTER_ENV = "NEWS_SEARCH_CLUSTER"
CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler
CONNECT_ATTEMPTS = 3  # tries of a connection that failed inside `distributed` (see `_connected`)


class ClusterError(NewsSearchError):
    """The cluster could not be reached, or shards did not answer in time."""


class ShardRunner(Protocol):
    def map(self, function: Callable, roots: list[Path], *args: Any, timeout: float | None = None) -> list: ...

    def close(self) -> None: ...


def _connected(address: str, timeout: float) -> Any:
    """A `distributed.Client` of the scheduler at `address`, within `timeout` seconds; ClusterError if
    none can be had. A connection that fails on an assertion inside `distributed` (seen once in CI, where
    the scheduler never logged the client) is tried again, CONNECT_ATTEMPTS times in all."""
    from distributed import Client
    deadline = time.monotonic() + timeout
    for _ in range(CONNECT_ATTEMPTS):
        try:
            return Client(address, timeout=max(1.0, deadline - time.monotonic()), set_as_default=False)
        except AssertionError as error:
            failure: Exception = error
            if time.monotonic() >= deadline:
                break
        except Exception as error:  # refused, timed out, a bad address, or something else answering there
            failure = error
            break
    raise ClusterError(f"could not reach the Dask scheduler at {address}: "
                       f"{str(failure).splitlines()[0][:200] if str(failure) else type(failure).__name__}")


class LocalRunner:
    """Each shard's call in a thread of this process (each shard's searcher is its thread's own)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1), thread_name_prefix="shard")

    def map(self, function: Callable, roots: list[Path], *args: Any, timeout: float | None = None) -> list:
        futures = [self._pool.submit(function, str(root), *args) for root in roots]
        return [future.result() for future in futures]

    def close(self) -> None:
        self._pool.shutdown(wait=False)


class DaskRunner:
    """Each shard's call as a task on the Dask cluster whose scheduler is at `address`."""

    def __init__(self, address: str, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self._client = _connected(address, connect_timeout)
        self.address = address

    def map(self, function: Callable, roots: list[Path], *args: Any, timeout: float | None = None) -> list:
        if not roots:
            return []
        workers = self._client.scheduler_info().get("workers", {})
        if not workers:
            shards = ", ".join(root.name for root in roots)
            raise ClusterError(f"the cluster at {self.address} has no workers for {shards}; "
                               f"start one with `dask worker {self.address}`")
        groups = _groups(roots, workers)
        futures = [self._client.submit(_on_worker, function, [str(root) for root in group], args, pure=False,
                                       workers=[worker], allow_other_workers=True,
                                       resources={root.name: 1 for root in group if root.name in held} or None)
                   for worker, group, held in groups]
        deadline = time.monotonic() + timeout if timeout is not None else None
        try:
            answers = {}
            for future, (_, group, _) in zip(futures, groups):
                left = max(0.0, deadline - time.monotonic()) if deadline is not None else None
                try:
                    answers.update(zip(group, future.result(timeout=left)))
                except TimeoutError:
                    missing = ", ".join(sorted(root.name for late, (_, group, _) in zip(futures, groups)
                                               if not late.done() for root in group))
                    raise ClusterError(f"the cluster at {self.address} did not answer for {missing} within "
                                       f"{timeout:g} s; is a worker that can read them running?") from None
            return [answers[root] for root in roots]
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self._client.close()


def _groups(roots: list[Path], workers: dict[str, dict]) -> list[tuple[str, list[Path], set[str]]]:
    """The shards as one task per worker: (the worker, its shards, the names of those a worker holds
    on its own disk). A shard some worker declared as a resource goes to such a worker; the others
    are dealt out in turn, each to the same worker every time, which keeps it open."""
    addresses = sorted(workers)
    holders = {name: address for address in reversed(addresses) for name in workers[address].get("resources") or {}}
    by_worker: dict[str, list[Path]] = {}
    for number, root in enumerate(roots):
        by_worker.setdefault(holders.get(root.name, addresses[number % len(addresses)]), []).append(root)
    return [(address, group, {root.name for root in group} & holders.keys()) for address, group in by_worker.items()]


def _on_worker(function: Callable, roots: list[str], args: tuple) -> list:
    """`function(root, *args)` for each of a worker's shards, in the shard threads of the task's thread."""
    if len(roots) == 1:
        return [function(roots[0], *args)]
    return list(_shard_threads().map(lambda root: function(root, *args), roots))


_task_threads = threading.local()


def _shard_threads() -> ThreadPoolExecutor:
    """The threads that the current task thread of a worker runs its shards' calls in, kept for its next
    task: a shard's searcher is its thread's own, so threads made anew for each task opened every shard
    again at each round (over Dask, 2 workers of 2 shards: 120-160 ms a round, against 20-30). Each task
    thread has threads of its own, so that a slow task (a shard's build) never holds up another (a search)."""
    pool = getattr(_task_threads, "pool", None)
    if pool is None:
        pool = _task_threads.pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1),
                                                       thread_name_prefix="shard")
    return pool


def runner_for(address: str | None) -> ShardRunner:
    """A runner on the cluster at `address` (default: $NEWS_SEARCH_CLUSTER), else on this machine."""
    address = (address or os.environ.get(CLUSTER_ENV, "")).strip() or None
    return DaskRunner(address) if address else LocalRunner()
