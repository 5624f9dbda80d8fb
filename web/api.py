"""The JSON API: the same objects as `news-search … --json`."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from .openapi import SPEC
from search.model import MAX_RELATED

from .requests import integer_parameter, news_index, search_request

blueprint = Blueprint("api", __name__, url_prefix="/api")


@blueprint.get("/search")
def search():
    """Search results, as in the contract (`per_page` up to 100)."""
    return jsonify(news_index().search(search_request(request.args, page_view=False)).to_dict())


@blueprint.get("/articles/<article_id>")
def article(article_id: str):
    """One article with its full text."""
    found = news_index().article(article_id)
    if found is None:
        abort(404, f"no article with id {article_id!r}")
    return jsonify(found.to_dict())


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
