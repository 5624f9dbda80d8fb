"""Who may write: the bearer token a request carries, checked against the index's tokens.

Tokens travel only in the `Authorization` header (never in a URL, which logs keep), and are never
logged or echoed.
"""
from __future__ import annotations

from flask import current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized


def require_token() -> str:
    """The name of the valid token the request carries; else the request ends with 401."""
    credentials = request.authorization
    secret = credentials.token if credentials is not None and credentials.type == "bearer" else None
    name = current_app.extensions["tokens"].name_of(secret) if secret else None
    if name is None:
        why = "the token is not valid (or was revoked)" if secret else "this needs an API token"
        raise Unauthorized(f"{why}: send `Authorization: Bearer TOKEN`, with a token made by "
                           "`news-search token create NAME`",
                           www_authenticate=WWWAuthenticate("Bearer", {"realm": "news-search"}))
    return name
