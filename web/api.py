"""The JSON API: the same objects as `news-search … --json`, and exports (`news-search export`)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from search import QuerySyntaxError
from search.export import EXPORT_FORMATS, exported_lines
from search.inbox import (
    MAX_POST_BYTES,
    MAX_POSTED_ARTICLES,
    ArticlesRefusedError,
    Inbox,
    parse_articles,
)
from search.model import MAX_RELATED
from search.sharded_inbox import ShardedInbox

from .auth import require_token
from .openapi import SPEC
from .requests import flag_parameter, integer_parameter, news_index, search_request

blueprint = Blueprint("api", __name__, url_prefix="/api")


@blueprint.get("/search")
def search():
    """Search results, as in the contract (`per_page` up to 100)."""
    return jsonify(news_index().search(search_request(request.args, page_view=False)).to_dict())


@blueprint.get("/export")
def export():
    """Every match of a search, in its order, streamed as JSON Lines or CSV (`format`, `body=1`)."""
    export_format = request.args.get("format") or "jsonl"
    if export_format not in EXPORT_FORMATS:
        raise QuerySyntaxError(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {export_format[:20]!r}")
    body = flag_parameter(request.args, "body")
    found = news_index().export(search_request(request.args, page_view=False), body=body)
    media = "text/csv; charset=utf-8" if export_format == "csv" else "application/x-ndjson; charset=utf-8"
    return Response(exported_lines(found.rows, export_format, body=body), headers={
        "Content-Type": media,
        "Content-Disposition": f'attachment; filename="news-search-export.{export_format}"',
        "X-Total-Count": str(found.total)})


@blueprint.get("/articles/<article_id>")
def article(article_id: str):
    """One article with its full text."""
    found = news_index().article(article_id)
    if found is None:
        abort(404, f"no article with id {article_id!r}")
    return jsonify(found.to_dict())


@blueprint.post("/articles")
def add_articles():
    """Articles to add or replace: one JSON object, or JSON Lines (`application/x-ndjson`). 202 once they
    are safely on disk; the server's writer indexes them within seconds."""
    inbox = _inbox()
    require_token()
    text = _body_text()
    articles = parse_articles(text, lines=request.mimetype == "application/x-ndjson")
    inbox.accept(articles)
    return jsonify(accepted=len(articles), ids=[article.id for article in articles]), 202


@blueprint.delete("/articles/<article_id>")
def remove_article(article_id: str):
    """Remove an article that came in over HTTP (202; removed from searches within seconds)."""
    inbox = _inbox()
    require_token()
    indexed = news_index().article(article_id)
    if not inbox.withdraw(article_id, indexed.path if indexed else None):
        abort(404, f"no article added over HTTP has the id {article_id[:40]!r}")
    return jsonify(deleted=article_id), 202


def _body_text() -> str:
    """The request's body as text, read no further than MAX_POST_BYTES (a chunked body has no length to
    check first): 413 past it, 400 for a body that is not UTF-8 or cannot be read."""
    if (request.content_length or 0) > MAX_POST_BYTES:
        abort(413, f"the request holds {request.content_length:,} bytes; send at most {MAX_POST_BYTES:,} bytes "
                   f"and {MAX_POSTED_ARTICLES:,} articles in one request")
    try:
        data = request.stream.read(MAX_POST_BYTES + 1)
        while len(data) <= MAX_POST_BYTES and (more := request.stream.read(MAX_POST_BYTES + 1 - len(data))):
            data += more
    except HTTPException:
        raise
    except Exception as error:  # the server's own reader: a malformed chunk, a client gone
        raise ArticlesRefusedError(f"the request body could not be read ({type(error).__name__})") from None
    if len(data) > MAX_POST_BYTES:
        abort(413, f"the request holds more than {MAX_POST_BYTES:,} bytes; send at most that, and "
                   f"{MAX_POSTED_ARTICLES:,} articles, in one request")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise ArticlesRefusedError(f"the request body is not UTF-8 text (byte {error.start})") from None


def _inbox() -> Inbox | ShardedInbox:
    return current_app.extensions["inbox"]


@blueprint.get("/articles/<article_id>/related")
def related(article_id: str):
    """The articles most about the same story or subject (never the article or its copies)."""
    found = news_index().related(article_id, integer_parameter(request.args, "limit", 5, 1, MAX_RELATED))
    if found is None:
        abort(404, f"no article with id {article_id!r}")
    return jsonify(found.to_dict())


@blueprint.get("/openapi.json")
def openapi():
    """The OpenAPI description of this API."""
    return jsonify(SPEC)


@blueprint.get("/stats")
def stats():
    """Counts and dates of the index."""
    figures = news_index().stats().to_dict()
    figures.pop("location")  # where the index lives on the server is not the client's business
    return jsonify(figures)
