"""The web front end: search pages and a JSON API over the `search` library.

`create_app(config)` builds the Flask application: `pages` (HTML), `api` (JSON, exports, and
articles added over HTTP with a token: `auth`), `feeds` (Atom), `errors` (one handler for all, and
the security headers). Each server thread
keeps its own searcher, reopened when the index changes, so new articles show
up without a restart.
"""
from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from search.sharded import open_index
from search.config import index_dir
from search.inbox import MAX_POST_BYTES
from search.sharded_inbox import inbox_of
from search.tokens import TokenStore

from . import api, errors, feeds, pages
from .requests import API_MAX_PER_PAGE


class HtmlSafeJSONProvider(DefaultJSONProvider):
    """JSON whose strings never contain a raw `<`, `>`, `&` or `'`: the same data once parsed, but
    harmless even where a browser is tricked into reading a response as HTML."""

    sort_keys = False

    def dumps(self, obj, **kwargs) -> str:
        return (super().dumps(obj, **kwargs).replace("<", "\\u003c").replace(">", "\\u003e")
                .replace("&", "\\u0026").replace("'", "\\u0027"))


def create_app(config: dict | None = None) -> Flask:
    """The application; `config` may set INDEX (the index directory), CLUSTER (the Dask scheduler that
    runs a sharded index's work; default $NEWS_SEARCH_CLUSTER, else this process) and any Flask setting."""
    app = Flask(__name__)
    app.json = HtmlSafeJSONProvider(app)
    app.config.from_mapping(INDEX=str(index_dir()), MAX_PER_PAGE=API_MAX_PER_PAGE)
    if config:
        app.config.from_mapping(config)
    app.config.setdefault("MAX_CONTENT_LENGTH", MAX_POST_BYTES)
    app.extensions["news_index"] = open_index(app.config["INDEX"], app.config.get("CLUSTER"))
    app.extensions["inbox"] = inbox_of(app.config["INDEX"])
    app.extensions["tokens"] = TokenStore(app.config["INDEX"])
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(feeds.blueprint)
    errors.init_app(app)
    return app
