"""One place for failures and headers: JSON errors under /api, pages elsewhere, never a traceback."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search import IndexMissingError, NewsSearchError, QuerySyntaxError
from search.inbox import ArticlesRefusedError, TooManyArticlesError
from search.tokens import TokensUnreadableError

CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                           "base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(QuerySyntaxError, lambda error: _respond(400, str(error)))
    app.register_error_handler(ArticlesRefusedError, lambda error: _respond(400, str(error)))
    app.register_error_handler(TooManyArticlesError, lambda error: _respond(413, str(error)))
    app.register_error_handler(TokensUnreadableError, _tokens_unreadable)
    app.register_error_handler(IndexMissingError,
                               lambda error: _respond(503, "the search index has not been built yet"))
    app.register_error_handler(NewsSearchError, _index_unavailable)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(_security_headers)


def _http_error(error: HTTPException):
    """Flask's own refusals (404, 405, 413, 401…) in our form, keeping the headers they need (`Allow`,
    `WWW-Authenticate`)."""
    response, status = _respond(error.code or 500, error.description)
    response = current_app.make_response((response, status))
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _tokens_unreadable(error: TokensUnreadableError):
    current_app.logger.error("%s", error)
    return _respond(503, "API tokens cannot be checked at the moment (the server's log says why); try again later")


def _index_unavailable(error: NewsSearchError):
    # The index cannot be used (damaged, replaced while it was being opened, or a bad setting): the
    # operator's business, and the log says what; the client learns it may try again later.
    current_app.logger.error("the index could not be searched: %s", error)
    return _respond(503, "the search index cannot be used at the moment; try again later")


def _unexpected(error: Exception):
    # A bug on our side: log it for the operator, show the client nothing of it.
    current_app.logger.exception("unexpected error on %s", request.path)
    return _respond(500, "something went wrong on our side")


def _respond(status: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), status
    # The query stays in the box, to be corrected rather than typed again.
    return render_template("error.html", status=status, message=message, args=request.args), status


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
