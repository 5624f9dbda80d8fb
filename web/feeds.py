"""Every search as an Atom 1.0 feed (RFC 4287) of its newest matches."""
from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Blueprint, render_template, request

from .requests import news_index, search_request

blueprint = Blueprint("feeds", __name__)

FEED_ENTRIES = 50
ATOM_TYPE = "application/atom+xml; charset=utf-8"


@blueprint.get("/feed.atom")
def feed():
    """The newest FEED_ENTRIES matches of the search the URL describes (the search page's parameters)."""
    index = news_index()
    asked = search_request(request.args, page_view=False)
    result = index.search(dataclasses.replace(asked, sort="newest", page=1, per_page=FEED_ENTRIES))
    last_indexed = index.stats().last_indexed
    updated = max([f"{hit.date}T00:00:00Z" for hit in result.hits if hit.date] + [_utc(last_indexed)])
    search_url = request.url_root.rstrip("/") + "/search?" + request.query_string.decode("latin-1")
    body = render_template("feed.xml", result=result, updated=updated, search_url=search_url,
                           feed_url=request.url, undated=_utc(last_indexed))
    return body, 200, {"Content-Type": ATOM_TYPE}


def _utc(timestamp: str | None) -> str:
    """An RFC 3339 time in UTC from the index's ISO timestamp (the epoch when there is none)."""
    if not timestamp:
        return "1970-01-01T00:00:00Z"
    return dt.datetime.fromisoformat(timestamp).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
