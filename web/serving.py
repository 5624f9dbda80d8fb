"""Serving the application with waitress, whose own error answers carry our security headers too.

waitress answers some requests itself, before the application sees them (a malformed request
line: 400, headers too large: 431); those responses get the same headers as the application's.
"""
from __future__ import annotations

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from .errors import SECURITY_HEADERS


class _SecureErrorTask(ErrorTask):
    def execute(self) -> None:
        self.response_headers.extend(SECURITY_HEADERS.items())
        super().execute()


class _SecureChannel(HTTPChannel):
    error_task_class = _SecureErrorTask


def make_server(app: Flask, *, host: str, port: int, threads: int):
    """A waitress server bound to host:port (OSError when the port is taken); `.run()` serves."""
    listeners: dict = {}
    server = create_server(app, map=listeners, host=host, port=port, threads=threads, ident="news-search")
    for listener in listeners.values():
        listener.channel_class = _SecureChannel
    return server
