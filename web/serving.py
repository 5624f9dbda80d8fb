"""Serving the application: from worker processes with gunicorn, or from one process with waitress.

Both serve a socket bound here (so a busy port is one clear error), and both give the answers the
server makes itself, before the application sees a request (a malformed request line: 400, headers
too large: 431), the same security headers as the application's.
"""
from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.workers.gthread import ThreadWorker
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from search import NewsSearchError
from search.config import search_time_limit
from search.inbox import MAX_POST_BYTES

from . import create_app
from .errors import SECURITY_HEADERS

_HEADER_LINES = "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS.items()).encode("latin-1")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on host:port (port 0: any free one); OSError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024)


# One process: waitress, with threads.

class _SecureErrorTask(ErrorTask):
    """waitress's own error answer, with our security headers, and as JSON under /api/ like the API's."""

    def execute(self) -> None:
        error = self.request.error
        status, headers, body = error.to_response(self.channel.server.adj.ident)
        if (getattr(self.request, "path", None) or "").startswith("/api/"):
            body = json.dumps({"error": f"{error.reason}: {error.body}"}).encode()
            kept = [(name, value) for name, value in headers if name.lower() not in ("content-type", "content-length")]
            headers = [*kept, ("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        self.status = status
        self.response_headers.extend([*headers, *SECURITY_HEADERS.items()])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _SecureChannel(HTTPChannel):
    error_task_class = _SecureErrorTask


def serve_in_one_process(app: Flask, listener: socket.socket, *, threads: int,
                         every_second: Callable[[], None]) -> None:
    """Serve with waitress until interrupted, calling `every_second` from a thread of its own."""
    def tick() -> None:
        while True:
            time.sleep(1)
            every_second()

    threading.Thread(target=tick, name="every second", daemon=True).start()
    make_server(app, listener, threads=threads).run()


def make_server(app: Flask, listener: socket.socket, *, threads: int):
    """A waitress server on `listener`; `.run()` serves."""
    listeners: dict = {}
    server = create_server(app, map=listeners, sockets=[listener], threads=threads, ident="news-search",
                           max_request_body_size=MAX_POST_BYTES + 1)  # waitress reads a body whole first
    for acceptor in listeners.values():
        acceptor.channel_class = _SecureChannel
    return server


# Worker processes: gunicorn, each worker with threads.

class _SecureErrorSocket:
    """A client socket that puts our security headers after the status line of the one error answer
    gunicorn writes to it; all else goes to the socket itself."""

    def __init__(self, client: socket.socket) -> None:
        self._client = client

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def sendall(self, data: bytes) -> None:
        status_line, end, rest = data.partition(b"\r\n")
        self._client.sendall(status_line + end + _HEADER_LINES + rest)


class SecureThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, whose own error answers carry our security headers."""

    def handle_error(self, req, client, addr, exc) -> None:
        super().handle_error(req, _SecureErrorSocket(client), addr, exc)


class _Arbiter(Arbiter):
    """gunicorn's master, which also calls the application's `every_second` on each turn of its loop
    (about once a second), in its own thread: no thread of ours runs while it forks workers."""

    def manage_workers(self) -> None:
        super().manage_workers()
        self.app.every_second()


class WorkerProcesses(BaseApplication):
    """gunicorn serving the application over `index` from `workers` processes of `threads` threads each.
    Each worker opens the index itself (nothing is shared but the operating system's page cache).
    The master calls `every_second` now and then."""

    def __init__(self, index: str, listener: socket.socket, *, workers: int, threads: int,
                 every_second: Callable[[], None]) -> None:
        self.index = index
        self.every_second = every_second
        self.settings = {
            "bind": [f"fd://{listener.fileno()}"],
            "workers": workers,
            "threads": threads,
            "worker_class": SecureThreadWorker,
            "proc_name": "news-search",
            "loglevel": "error",  # not each bad request: its line may hold what a careless client put there
            "control_socket_disable": True,  # no control socket file in the user's home
            # On a stop, a worker gets as long to finish its requests as a search may take (default 30 s).
            "graceful_timeout": math.ceil(search_time_limit()),
        }
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self) -> Flask:
        return create_app({"INDEX": self.index})

    def run(self) -> None:
        try:
            _Arbiter(self).run()
        except RuntimeError as error:  # gunicorn's way of saying it could not start
            raise NewsSearchError(f"the server could not start: {error}") from None
