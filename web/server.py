"""Running `news-search serve` in a child process, for benchmarks, screenshots and tests."""
from __future__ import annotations

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


@contextmanager
def running_server(index: Path | str, *, start_timeout: float = 30.0) -> Iterator[str]:
    """The base URL of a server on 127.0.0.1 over `index`, stopped when the block ends."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(CLI), "--index", str(index), "serve", "--port", str(port)],
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/stats", timeout=5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"news-search serve did not start on {base}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
