"""Running `news-search serve` in a child process, for benchmarks, screenshots and tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CLI = Path(__file__).resolve().parent.parent / "cli.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(index: Path | str, *, workers: int = 1, start_timeout: float = 30.0) -> tuple[subprocess.Popen, str]:
    """`news-search serve` over `index` on a free port of 127.0.0.1, once it answers: its process (the
    leader of a process group of its own) and base URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(CLI), "--index", str(index), "serve", "--port", str(port),
                                "--workers", str(workers)], stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/stats", timeout=5).close()
            return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_server(process)
                raise RuntimeError(f"news-search serve did not start on {base}") from None
            time.sleep(0.2)


def stop_server(process: subprocess.Popen, wait: float = 40.0) -> None:
    """Stop the server and every process it started (killed, if it has not stopped after `wait` s)."""
    process.terminate()
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


@contextmanager
def running_server(index: Path | str, *, workers: int = 1, start_timeout: float = 30.0) -> Iterator[str]:
    """The base URL of a server over `index` (see start_server), stopped when the block ends."""
    process, base = start_server(index, workers=workers, start_timeout=start_timeout)
    try:
        yield base
    finally:
        stop_server(process)
