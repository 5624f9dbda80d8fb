"""The one writer of articles posted over HTTP: it indexes the inbox whenever batches wait in it
(of a sharded index: each shard's inbox in turn).

`serve` runs it in a process of its own beside the web workers, so that finding entities never
holds up a search. It takes the index's write lock like `index` and `watch`; while another writer
holds it, the batches wait (they are on disk) and the next look tries again.
"""
from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from .entities import KeepEntities
from .entities.across import NameVotes
from .entities.model import load_model
from .errors import NewsSearchError
from .inbox import Inbox
from .index.store import IndexStore
from .indexer import index_paths
from .processes import start_worker
from .report import IndexReport
from .shard_layout import ShardLayout
from .shard_runs import settle, votes_elsewhere
from .watching import WatchBatch

LOOK_EVERY = 0.25  # seconds between looks at the inbox
LOCK_WAIT = 1.0  # seconds one look waits for another writer; then the next look tries again
RETRY_AFTER = 10.0  # seconds before trying again after an unexpected error
PARALLEL_INBOX_BYTES = 100_000  # about 150 articles: enough text to find entities on every core
RESTART_EVERY = 10.0  # seconds at least between two restarts of a writer process that keeps stopping
HEARTBEAT = 2.0  # seconds between two signs of life from the writer
SILENT_AFTER = 30.0  # seconds without one after which the writer is taken for frozen, and replaced
STOP_WAIT = 10.0  # seconds the server waits, when it stops, for the writer to finish its batch

log = logging.getLogger("news_search.inbox")


class InboxWriter:
    """Indexes the inbox of `store` whenever batches wait in it, until `stop` is set.

    Its first run looks at every file of `posted/` (one left unindexed by an earlier failure is taken in);
    later runs only at the files the waiting batches change, so a run costs the same however many
    articles were posted before.
    """

    def __init__(self, store: IndexStore, *, on_batch: Callable[[WatchBatch], None] = lambda batch: None,
                 stop: threading.Event | None = None,
                 names_elsewhere: Callable[[], NameVotes | None] = lambda: None) -> None:
        self.store = store
        self.inbox = Inbox(store.root)
        self.on_batch = on_batch
        self.stop = stop or threading.Event()
        self.names_elsewhere = names_elsewhere  # of a shard: the other shards' votes on names, as they are now
        self.scanned = False  # whether a run has looked at all of posted/

    def run(self) -> None:
        run_writers([self], self.stop)

    def look(self) -> bool:
        """Index the inbox if batches wait in it (or posted/ was never looked at); whether that changed
        the index."""
        try:
            if not self.scanned or self.inbox.waiting():
                return self.tick().changed
        except Exception:  # a bug must not end the only writer: the batches stay, and it tries again
            log.exception("posted articles could not be indexed in %s; trying again in %s s", self.store.root,
                          RETRY_AFTER)
            self.stop.wait(RETRY_AFTER)
        return False

    def tick(self) -> WatchBatch:
        """One index run over the inbox; what stopped it (a busy lock, a full disk) is in the batch."""
        started = time.monotonic()
        try:
            report = index_paths(self.store, [], entities=self.with_entities(), lock_timeout=LOCK_WAIT,
                                 posted_only=self.scanned, jobs=self.entity_jobs(),
                                 names_elsewhere=self.names_elsewhere())
            self.scanned, error = True, None
        except NewsSearchError as problem:
            report, error = IndexReport(), str(problem)
        batch = WatchBatch(report, time.monotonic() - started, 0, error)
        self.on_batch(batch)
        return batch

    def entity_jobs(self) -> int:
        """Processes to find entities with: every core for a large inbox (the model, loaded here, is
        shared with them by forking), else this one."""
        waiting = sum(batch.stat().st_size for batch in self.inbox.waiting() if batch.exists())
        return max(1, os.cpu_count() or 1) if waiting >= PARALLEL_INBOX_BYTES else 1

    def with_entities(self) -> bool:
        """Whether posted articles get their entities: as the index's other articles did."""
        return self.store.manifest().entities != KeepEntities.fingerprint


def run_writers(writers: list[InboxWriter], stop: threading.Event,
                after_changes: Callable[[], object] = lambda: None) -> None:
    """Let each writer look at its inbox in turn (one per shard of a sharded index), until `stop` is set;
    `after_changes` runs after a round that changed an index (the shards settle names and copies together)."""
    while not stop.is_set():
        if any([writer.look() for writer in writers]):  # every writer looks, then the settling
            try:
                after_changes()
            except Exception:  # as a writer's own failure: the next change tries again
                log.exception("names and copies could not be settled over the shards")
        stop.wait(LOOK_EVERY)


class WriterProcess:
    """The writer, in a process of its own while the server runs (a context manager): `check`, called
    now and then, starts it again if it died or stopped answering. It ends with the server, even one
    that is killed; a batch it was writing stays in the inbox and is written again.

    Only the process that started it checks or stops it: gunicorn's web workers are forks of that
    process, and leave through the same `with` block when they exit.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = str(root)
        self.owner = os.getpid()
        self.process: subprocess.Popen | None = None
        self.restarted = -math.inf
        handle, name = tempfile.mkstemp(prefix="news-search-writer-", suffix=".alive")
        os.close(handle)
        self.heartbeat = Path(name)  # the writer touches it every HEARTBEAT seconds, whatever it is doing

    def __enter__(self) -> WriterProcess:
        self._start()
        return self

    def __exit__(self, *exc_info) -> None:
        if os.getpid() != self.owner:
            return
        if self.process is not None:
            self.process.terminate()  # the writer finishes its batch, if it can within STOP_WAIT
            try:
                self.process.wait(STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.heartbeat.unlink(missing_ok=True)

    def check(self) -> None:
        """Start the writer again if it ended or stopped answering: at once the first time, then at most
        once per RESTART_EVERY s, so that a writer that cannot run does not keep a core busy starting."""
        if os.getpid() != self.owner or self.process is None:
            return
        if time.monotonic() - self.restarted < RESTART_EVERY:
            return
        if self.process.poll() is not None:
            log.warning("the writer of posted articles is no longer running; starting it again")
        elif time.time() - self._last_beat() > SILENT_AFTER:
            log.warning("the writer of posted articles has not answered for %.0f s; starting it again", SILENT_AFTER)
            self.process.kill()
            self.process.wait()
        else:
            return
        self.restarted = time.monotonic()
        try:
            self._start()
        except OSError as error:  # out of processes or memory: the next check tries again
            log.error("the writer of posted articles could not be started: %s", error)

    def _last_beat(self) -> float:
        try:
            return self.heartbeat.stat().st_mtime
        except OSError:
            return 0.0

    def _start(self) -> None:
        os.utime(self.heartbeat)
        self.process = subprocess.Popen([sys.executable, "-m", __name__, self.root, str(self.owner),
                                         str(self.heartbeat)])


def _write_inbox(root: str, parent: int, heartbeat: str) -> None:
    start_worker(parent)
    threading.Thread(target=_beat, args=(Path(heartbeat),), name="heartbeat", daemon=True).start()
    logging.basicConfig(format="%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S", level=logging.INFO)
    stop = threading.Event()
    layout = ShardLayout.of(root)
    if layout:
        shards = layout.shard_roots()
        writers = [InboxWriter(IndexStore(shard), on_batch=_log_batch(f" ({shard.name})"), stop=stop,
                               names_elsewhere=lambda shard=shard: votes_elsewhere(shards, shard)) for shard in shards]
    else:
        writers = [InboxWriter(IndexStore(root), on_batch=_log_batch(), stop=stop)]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops this process
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if any(writer.with_entities() for writer in writers):
            load_model()  # now, so that the first article posted is not the one that waits for it
    except NewsSearchError:
        pass  # the first look reports what is wrong with the index
    run_writers(writers, stop, (lambda: settle(layout.shard_roots())) if layout else lambda: None)


def _beat(heartbeat: Path) -> None:
    """Touch the heartbeat file, for the server to see this process still runs (a stopped or frozen
    process stops touching it)."""
    while True:
        with suppress(OSError):
            os.utime(heartbeat)
        time.sleep(HEARTBEAT)


def _log_batch(where: str = "") -> Callable[[WatchBatch], None]:
    """Log each batch that changed something, and a refusal (the lock held by another writer) once until it
    changes; `where` follows "posted articles" (a shard's name)."""
    last_error: list[str | None] = [None]

    def log_batch(batch: WatchBatch) -> None:
        if batch.error:
            if batch.error != last_error[0]:
                log.warning("posted articles%s wait: %s", where, batch.error)
        elif batch.changed:
            log.info("posted articles%s: %s (%.1f s)", where, batch.report.summary(), batch.seconds)
            for problem in batch.report.errors:
                log.warning("  %s", problem)
        last_error[0] = batch.error

    return log_batch


if __name__ == "__main__":
    _write_inbox(sys.argv[1], int(sys.argv[2]), sys.argv[3])
