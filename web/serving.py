"""Serving the application: from worker processes with gunicorn, or from one process with waitress.

Both serve a socket bound here (so a busy port is one clear error), and both give the answers the
server makes itself, before the application sees a request (a malformed request line: 400, headers
too large: 431), the same security headers as the application's.
"""
from __future__ import annotations

import socket

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from . import create_app
from .errors import SECURITY_HEADERS

_HEADER_LINES = "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS.items()).encode("latin-1")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on host:port (port 0: any free one); OSError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024)


# One process: waitress, with threads.

class _SecureErrorTask(ErrorTask):
    def execute(self) -> None:
        self.response_headers.extend(SECURITY_HEADERS.items())
        super().execute()


class _SecureChannel(HTTPChannel):
    error_task_class = _SecureErrorTask


def make_server(app: Flask, listener: socket.socket, *, threads: int):
    """A waitress server on `listener`; `.run()` serves."""
    listeners: dict = {}
    server = create_server(app, map=listeners, sockets=[listener], threads=threads, ident="news-search")
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


class WorkerProcesses(BaseApplication):
    """gunicorn serving the application over `index` from `workers` processes of `threads` threads each.
    Each worker opens the index itself (nothing is shared but the operating system's page cache)."""

    def __init__(self, index: str, listener: socket.socket, *, workers: int, threads: int) -> None:
        self.index = index
        self.settings = {
            "bind": [f"fd://{listener.fileno()}"],
            "workers": workers,
            "threads": threads,
            "worker_class": SecureThreadWorker,
            "proc_name": "news-search",
            "loglevel": "warning",
            "control_socket_disable": True,  # no control socket file in the user's home
        }
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self) -> Flask:
        return create_app({"INDEX": self.index})
